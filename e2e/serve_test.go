package e2e_test

import (
	"context"
	"encoding/json"
	"github.com/authkit-dev/authkit/internal/testenv"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/authkit-dev/authkit/internal/cli"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/devidp"
)

// TestServe is the README's quickstart in a real headless Chromium:
// `authkit serve --dev` runs in-process, and the browser opens the
// protected demo page, lands on the sign-in page, chooses the dev identity
// provider (which approves at once), comes back signed in, reads
// /auth/session, signs out on the confirmation page, and finds the demo
// page closed again. Once with JWT sessions (clicking), once with database
// sessions (keyboard only: Tab to the provider's button, Enter), where the
// session row must exist while signed in and be gone after signing out.
func TestServe(t *testing.T) {
	began := time.Now()
	b := startBrowser(t)
	t.Logf("chromium ready in %s", time.Since(began).Round(time.Millisecond))
	for _, tc := range []struct {
		strategy string
		keyboard bool
	}{
		{strategy: "jwt"},
		{strategy: "database", keyboard: true},
	} {
		t.Run(tc.strategy, func(t *testing.T) {
			start := time.Now()
			srv := startServe(t, "--session", tc.strategy)
			tb := b.newTab(t)
			ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
			defer cancel()
			wantSessions := func(step string, n int) {
				t.Helper()
				if got := len(readRows(t, srv.db).sessions); got != n {
					t.Errorf("%s: %d session rows, want %d", step, got, n)
				}
			}
			signInURL := srv.origin + "/auth/signin?callbackUrl=" + url.QueryEscape(srv.origin+"/")

			// The protected page sends the browser to the sign-in page, with
			// the page as callbackUrl.
			p := mustPage(t, "open /")(tb.open(ctx, srv.origin+"/"))
			if p.URL != signInURL {
				t.Fatalf("/ led to %s, want the sign-in page %s:\n%s", p.URL, signInURL, p.Text)
			}
			if !strings.HasPrefix(p.Title, "Sign in") {
				t.Errorf("sign-in page title %q", p.Title)
			}
			buttons, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
				`[...document.querySelectorAll('form[data-provider="dev"] button')].map((b) => b.innerText.trim())`))
			if err != nil {
				t.Fatal(err)
			}
			if len(buttons) != 1 || buttons[0] != "Sign in with Dev identity provider" {
				t.Fatalf("the dev provider's buttons are %q, want one \"Sign in with Dev identity provider\":\n%s", buttons, p.Text)
			}
			wantSessions("before signing in", 0)

			// Choose the dev provider: with the mouse, or with the keyboard
			// only (the button is the first stop of the focus order).
			const button = `form[data-provider="dev"] button[type="submit"]`
			var choose []chromedp.Action[chromedp.Void]
			if tc.keyboard {
				if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
					t.Fatal(err)
				}
				focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](
					`(() => { const e = document.activeElement; return e && e.matches('`+button+`') ? e.innerText.trim() : (e ? e.outerHTML : "nothing"); })()`))
				if err != nil {
					t.Fatal(err)
				}
				if focused != "Sign in with Dev identity provider" {
					t.Fatalf("Tab focused %s, want the dev provider's button", focused)
				}
				choose = append(choose, markActed, chromedp.KeyEvent(kb.Enter))
			} else {
				choose = append(choose, markActed, chromedp.Click(chromedp.CSS(button)))
			}
			p = mustPage(t, "choose the dev provider")(tb.act(ctx, choose...))
			if p.URL != srv.origin+"/" || !strings.Contains(p.Text, "Signed in as "+devidp.DefaultUser().Name+" ("+devidp.DefaultUser().Email+")") {
				t.Fatalf("after signing in: %q at %s, want the demo page at %s/ signed in as %s:\n%s", p.Title, p.URL, srv.origin, devidp.DefaultUser().Email, p.Text)
			}
			rows := readRows(t, srv.db)
			if len(rows.users) != 1 || rows.users[0].Email != devidp.DefaultUser().Email || len(rows.users[0].Accounts) != 1 || rows.users[0].Accounts[0].Provider != "dev" {
				t.Errorf("store after signing in: %+v, want one user %s with a dev account", rows.users, devidp.DefaultUser().Email)
			}
			if tc.strategy == "database" {
				wantSessions("signed in", 1)
			} else {
				wantSessions("signed in (JWT, nothing stored)", 0)
			}

			// /auth/session in the same browser: Auth.js's session JSON.
			p = mustPage(t, "open /auth/session")(tb.open(ctx, srv.origin+"/auth/session"))
			s := parseSession(t, ctx, p)
			if s == nil || s.User.Email != devidp.DefaultUser().Email || s.User.Name != devidp.DefaultUser().Name {
				t.Fatalf("/auth/session: %+v, want %s's session:\n%s", s, devidp.DefaultUser().Email, p.Text)
			}
			exp, err := time.Parse(time.RFC3339, s.Expires)
			if until := time.Until(exp); err != nil || until < 29*24*time.Hour || until > 30*24*time.Hour+time.Minute {
				t.Errorf("/auth/session expires %q (%v), want about 30 days from now", s.Expires, err)
			}

			// Sign out on the confirmation page.
			p = mustPage(t, "open /auth/signout")(tb.open(ctx, srv.origin+"/auth/signout"))
			if !strings.Contains(p.Text, "Are you sure you want to sign out?") {
				t.Fatalf("sign-out page at %s:\n%s", p.URL, p.Text)
			}
			p = mustPage(t, "press Sign out")(tb.act(ctx, markActed, chromedp.Click(chromedp.CSS(`form[method="post"] button[type="submit"]`))))
			// The form goes back to the origin, whose demo page is closed now.
			if p.URL != signInURL {
				t.Errorf("after signing out: %q at %s, want the sign-in page %s:\n%s", p.Title, p.URL, signInURL, p.Text)
			}
			wantSessions("signed out", 0)

			// The protected page is closed again, and the session is null.
			p = mustPage(t, "open / again")(tb.open(ctx, srv.origin+"/"))
			if p.URL != signInURL || strings.Contains(p.Text, "Signed in as") {
				t.Errorf("/ after signing out led to %s, want the sign-in page %s:\n%s", p.URL, signInURL, p.Text)
			}
			p = mustPage(t, "open /auth/session again")(tb.open(ctx, srv.origin+"/auth/session"))
			if s := parseSession(t, ctx, p); s != nil {
				t.Errorf("/auth/session after signing out: %+v, want null", s)
			}
			// The server logged each step by path, never a query (which
			// carries the code, the state and the callback URL).
			logs := srv.stderr.String()
			for _, want := range []string{"path=/auth/signin/dev status=302", "path=/auth/callback/dev status=302", "path=/auth/signout status=302"} {
				if !strings.Contains(logs, "msg=request method=POST "+want) && !strings.Contains(logs, "msg=request method=GET "+want) {
					t.Errorf("the server's log lacks %q:\n%s", want, logs)
				}
			}
			for _, leak := range []string{"callbackUrl", "code=", "state=", "csrfToken"} {
				if strings.Contains(logs, leak) {
					t.Errorf("the server's log shows %q:\n%s", leak, logs)
				}
			}
			t.Logf("serve --dev --session %s: signed in and out in %s", tc.strategy, time.Since(start).Round(time.Millisecond))
		})
	}
	t.Logf("TestServe took %s", time.Since(began).Round(time.Millisecond))
}

// servedSession is Auth.js's session JSON.
type servedSession struct {
	User struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"user"`
	Expires string `json:"expires"`
}

// parseSession reads the JSON document the tab shows (Chromium wraps it in
// a <pre>, and may add a pretty-print control around it): nil for null.
func parseSession(t *testing.T, ctx context.Context, p page) *servedSession {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("pre") || document.body).textContent`))
	if err != nil {
		t.Fatalf("read %s: %v", p.URL, err)
	}
	var s *servedSession
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", p.URL, err, raw)
	}
	return s
}

// mustPage fails the test when a step did not end on a loaded page.
func mustPage(t *testing.T, step string) func(page, error) page {
	return func(p page, err error) page {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v (last page %q at %s)", step, err, p.Title, p.URL)
		}
		return p
	}
}

// open navigates the tab to u and returns the page it ends on, after any
// redirects.
func (tb *tab) open(ctx context.Context, u string) (page, error) {
	return tb.act(ctx, markActed, chromedp.Navigate(u))
}

// act runs the actions, which must mark the current document (markActed)
// before they leave it, and returns the next page loaded.
func (tb *tab) act(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) (page, error) {
	if err := chromedp.Do(ctx, actions...); err != nil {
		return page{}, err
	}
	return snapshot(ctx)
}

// served is an `authkit serve --dev` running in-process.
type served struct {
	stderr *testenv.Buffer
	origin string // http://127.0.0.1:port
	db     string // its SQLite database, sqlite:PATH
}

var listeningRE = regexp.MustCompile(`msg=listening url=(http://127\.0\.0\.1:\d+)`)

// startServe runs `authkit serve --dev --addr 127.0.0.1:0 args...` with a
// fresh SQLite database (see runServe).
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	db := "sqlite:" + filepath.Join(t.TempDir(), "authkit.db")
	return runServe(t, db, map[string]string{"AUTHKIT_DATABASE_URL": db}, append([]string{"serve", "--dev", "--addr", "127.0.0.1:0"}, args...)...)
}

// runServe runs `authkit args...` (a serve command) through cli.Run with
// env as its whole environment, reads its URL from its "listening" log
// line, waits for /healthz, and stops it when the test ends (the
// context's cancellation is the signal path), expecting exit 0.
func runServe(t *testing.T, db string, env map[string]string, args ...string) *served {
	t.Helper()
	stderr := &testenv.Buffer{}
	f := &cmdutil.Factory{
		IO: cmdutil.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: stderr},
		// --database-url is a persistent flag bound to f.DatabaseURL, which
		// cobra resets to its default: so the database comes from the
		// environment.
		Getenv: func(k string) string { return env[k] },
		Now:    time.Now,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, f, args)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("authkit serve exited %d after its context ended, want 0:\n%s", code, stderr)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("authkit serve did not stop within 10 s of its context ending:\n%s", stderr)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(stderr.String()); m != nil {
			s := &served{origin: m[1], db: db, stderr: stderr}
			res, err := http.Get(s.origin + "/healthz")
			if err != nil {
				t.Fatalf("GET /healthz: %v", err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || string(body) != "ok\n" {
				t.Fatalf("GET /healthz: %d %q, want 200 \"ok\\n\"", res.StatusCode, body)
			}
			return s
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("authkit serve exited %d before listening:\n%s", code, stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("authkit serve did not log its URL within 10 s:\n%s", stderr)
		}
	}
}
