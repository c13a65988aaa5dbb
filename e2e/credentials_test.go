package e2e_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/authkit-dev/authkit/internal/cli/clitest"
	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/password"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// Test-only: the password of Ada, the one user of each server below.
const (
	adaPassword = "e2e-correct-horse-battery-7c1d"
	adaName     = "Ada Lovelace"
	adaEmail    = "ada@example.com"
)

// passwordSite is a server with password sign-in and database sessions.
type passwordSite struct {
	origin  string
	start   string // the page the browser opens first
	landing string // where a successful sign-in ends
	landed  string // text the landing page shows when signed in
	db      string // its SQLite database
	userID  string
	logs    *testenv.Buffer
}

// TestCredentials signs in with an email and a password in a real headless
// Chromium, on the built-in sign-in page, with database sessions in SQLite:
//
//   - `authkit serve --config` with `credentials: {enabled: true}` and
//     `session: {strategy: database}`, the user made by `authkit users
//     create` and `authkit users set-password` (stdin), the browser sent to
//     /auth/session after signing in;
//   - pkg/flow as a library behind a protected page (RequireSession), the
//     user made with Store.SetPassword(password.Hash(...)).
//
// Each time a wrong password first shows the sign-in page again with the
// error alert, writes no session row and sets no session cookie; then the
// right one (the email typed in other case) ends on the landing page with
// one session row for the user, an HttpOnly session cookie, and
// /auth/session showing the user. The password is in no log line.
func TestCredentials(t *testing.T) {
	b := startBrowser(t)
	t.Run("authkit serve --config", func(t *testing.T) {
		db := newDB(t)
		if r := clitest.Run(clitest.Options{DatabaseURL: db}, "users", "create", "--email", "Ada@Example.com", "--name", adaName, "--json"); r.Code != 0 {
			t.Fatalf("authkit users create: exit %d\n%s", r.Code, r.Stderr)
		}
		if r := clitest.Run(clitest.Options{DatabaseURL: db, Stdin: adaPassword + "\n"}, "users", "set-password", adaEmail); r.Code != 0 {
			t.Fatalf("authkit users set-password: exit %d\n%s", r.Code, r.Stderr)
		}
		cfg := filepath.Join(t.TempDir(), "authkit.yaml")
		if err := os.WriteFile(cfg, []byte("secret: ${AUTH_SECRET}\nsession:\n  strategy: database\ncredentials:\n  enabled: true\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"AUTHKIT_DATABASE_URL": db, "AUTH_SECRET": "e2e-credentials-secret-0123456789abcdef0123"}
		srv := runServe(t, db, env, "serve", "--config", cfg, "--addr", "127.0.0.1:0")
		users := readRows(t, db).users
		if len(users) != 1 || users[0].Email != adaEmail {
			t.Fatalf("users after authkit users create: %+v", users)
		}
		checkPasswordSignIn(t, b, passwordSite{
			origin: srv.origin, db: db, userID: users[0].ID, logs: srv.stderr,
			start:   srv.origin + "/auth/signin?callbackUrl=" + srv.origin + "/auth/session",
			landing: srv.origin + "/auth/session", landed: `"email":"` + adaEmail + `"`,
		})
	})
	t.Run("library with a protected page", func(t *testing.T) {
		checkPasswordSignIn(t, b, startPasswordSite(t))
	})
}

// startPasswordSite serves pkg/flow with password sign-in at /auth and a
// protected page at /dashboard, over a SQLite store migrated by `authkit db
// migrate`, with Ada's password set through the store.
func startPasswordSite(t *testing.T) passwordSite {
	t.Helper()
	ctx := context.Background()
	db := newDB(t)
	st, err := sqlstore.Open(ctx, db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	u, err := st.CreateUser(ctx, store.User{Email: adaEmail, Name: adaName})
	if err != nil {
		t.Fatal(err)
	}
	h, err := password.Hash(adaPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetPassword(ctx, u.ID, h); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e, err := flow.New(flow.Config{Secrets: []string{"e2e-credentials-secret-0123456789abcdef0123"}, BaseURL: srv.URL + "/auth",
		Store: st, Strategy: flow.Database, Credentials: true})
	if err != nil {
		t.Fatal(err)
	}
	logs := &testenv.Buffer{}
	handler := flow.NewHandler(e, flow.HandlerOptions{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	mux.Handle("/auth/", handler)
	mux.Handle("/dashboard", handler.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := flow.SessionFromContext(r.Context())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!DOCTYPE html><title>Dashboard</title><p>Signed in as %s (%s)</p>", s.User.Name, s.User.Email)
	})))
	return passwordSite{origin: srv.URL, start: srv.URL + "/dashboard", landing: srv.URL + "/dashboard",
		landed: "Signed in as " + adaName + " (" + adaEmail + ")", db: db, userID: u.ID, logs: logs}
}

func checkPasswordSignIn(t *testing.T, b *browser, site passwordSite) {
	t.Helper()
	tb := b.newTab(t)
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	sessionCookies := func(step string) []*network.Cookie {
		t.Helper()
		res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{site.origin + "/"}})
		if err != nil {
			t.Fatalf("%s: read the cookies: %v", step, err)
		}
		var out []*network.Cookie
		for _, c := range res.Cookies {
			if strings.Contains(c.Name, "session-token") {
				out = append(out, c)
			}
		}
		return out
	}
	sessionRows := func() []store.Session { return readRows(t, site.db).sessions }
	const form = `form[data-provider-type="credentials"]`
	submit := func(step, email, pw string) page {
		t.Helper()
		return mustPage(t, step)(tb.act(ctx,
			chromedp.SendKeys(chromedp.CSS(`#credentials-email`), email),
			chromedp.SendKeys(chromedp.CSS(`#credentials-password`), pw),
			markActed,
			chromedp.Click(chromedp.CSS(form+` button[type="submit"]`))))
	}

	p := mustPage(t, "open "+site.start)(tb.open(ctx, site.start))
	if !strings.HasPrefix(p.URL, site.origin+"/auth/signin") || !strings.HasPrefix(p.Title, "Sign in") {
		t.Fatalf("%s led to %q at %s, want the sign-in page:\n%s", site.start, p.Title, p.URL, p.Text)
	}
	fields, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('`+form+` input:not([type="hidden"])')].map((e) => e.name + ":" + e.type + ":" + e.autocomplete)`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(fields, " ") != "email:email:username password:password:current-password" {
		t.Fatalf("the password form's fields are %q:\n%s", fields, p.Text)
	}

	// A wrong password: the sign-in page again, with the alert; nothing
	// stored, no session cookie.
	p = submit("a wrong password", adaEmail, "not-the-password-1")
	if !strings.HasPrefix(p.URL, site.origin+"/auth/signin?error=CredentialsSignin") {
		t.Fatalf("after a wrong password: %q at %s, want the sign-in page with error=CredentialsSignin:\n%s", p.Title, p.URL, p.Text)
	}
	alert, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`(() => { const a = document.querySelector('[role="alert"][data-error="CredentialsSignin"]'); return a ? a.innerText.trim() : ""; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(alert, "Sign in failed") {
		t.Errorf("the error alert says %q, want the CredentialsSignin message:\n%s", alert, p.Text)
	}
	if n := len(sessionRows()); n != 0 {
		t.Errorf("a wrong password wrote %d session rows", n)
	}
	if c := sessionCookies("after a wrong password"); len(c) != 0 {
		t.Errorf("a wrong password set the session cookie %s", c[0].Name)
	}

	// The error page keeps where the sign-in should end (Auth.js keeps it
	// in the callback-url cookie when the query no longer has it).
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('`+form+` input[name="callbackUrl"]').value`))
	if err != nil {
		t.Fatal(err)
	}
	if kept != site.landing {
		t.Errorf("the sign-in page after the error sends the next attempt to %q, want %q (the callbackUrl the sign-in began with, from the authjs.callback-url cookie)", kept, site.landing)
	}

	// The right password, typed on that page, the email in other case:
	// the landing page.
	p = submit("the right password", "ADA@Example.COM", adaPassword)
	if p.URL != site.landing || !strings.Contains(p.Text, site.landed) {
		t.Fatalf("after signing in: %q at %s, want %s showing %q:\n%s", p.Title, p.URL, site.landing, site.landed, p.Text)
	}
	rows := sessionRows()
	if len(rows) != 1 || rows[0].UserID != site.userID {
		t.Errorf("session rows after signing in: %+v, want one of user %s", rows, site.userID)
	}
	cookies := sessionCookies("after signing in")
	if len(cookies) != 1 || cookies[0].Name != "authjs.session-token" || !cookies[0].HTTPOnly {
		t.Errorf("session cookies after signing in: %+v, want one HttpOnly authjs.session-token", cookies)
	}
	p = mustPage(t, "open /auth/session")(tb.open(ctx, site.origin+"/auth/session"))
	s := parseSession(t, ctx, p)
	if s == nil || s.User.Email != adaEmail || s.User.Name != adaName {
		t.Fatalf("/auth/session: %+v, want Ada's session:\n%s", s, p.Text)
	}
	if logs := site.logs.String(); strings.Contains(logs, adaPassword) || strings.Contains(logs, "not-the-password-1") {
		t.Errorf("the server's log shows a password:\n%s", logs)
	}
}
