package e2e_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/authkit-dev/authkit/internal/cli"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/mailtest"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// TestEmailSignIn runs the magic-link flow end to end: `authkit serve
// --config` with an email section sends through a real SMTP server (go-smtp,
// with AUTH), and a real Chromium types the address on the sign-in page,
// follows the link from the delivered mail to the confirmation page, and
// presses its button to end signed in with a database session. Opening
// the link first changes nothing (scanners), and the used link is refused.
func TestEmailSignIn(t *testing.T) {
	b := startBrowser(t)
	smtpd := mailtest.Start(t, mailtest.Options{Username: "authkit", Password: "smtp-canary-password-7f3a"})
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "authkit.db")
	cfg := filepath.Join(dir, "authkit.yaml")
	os.WriteFile(cfg, []byte("secret: ${AUTH_SECRET}\nsession:\n  strategy: database\nemail:\n  from: Acme <no-reply@example.com>\n  smtp_url: ${SMTP_URL}\n  max_age: 15m\n"), 0o600)
	env := map[string]string{"AUTHKIT_DATABASE_URL": db, "AUTH_SECRET": "e2e-email-secret-0123456789abcdef0123456789", "SMTP_URL": smtpd.URL()}
	migrate := &cmdutil.Factory{IO: cmdutil.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}, Getenv: func(k string) string { return env[k] }, Now: time.Now}
	if code := cli.Run(context.Background(), migrate, []string{"db", "migrate"}); code != 0 {
		t.Fatalf("authkit db migrate exited %d", code)
	}
	srv := runServe(t, db, env, "serve", "--config", cfg, "--addr", "127.0.0.1:0")
	tb := b.newTab(t)
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	tables := func() map[string]int64 {
		st, err := sqlstore.Open(context.Background(), db, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		return tableRows(t, st)
	}

	signIn := srv.origin + "/auth/signin?callbackUrl=" + srv.origin + "/auth/session"
	p := mustPage(t, "open the sign-in page")(tb.open(ctx, signIn))
	if !strings.Contains(p.Text, "Email address") {
		t.Fatalf("the sign-in page has no email form:\n%s", p.Text)
	}
	p = mustPage(t, "ask for a link")(tb.act(ctx,
		chromedp.SendKeys(chromedp.CSS(`#email-address`), "Ada@Example.com"),
		markActed,
		chromedp.Click(chromedp.CSS(`form[data-provider-type="email"] button[type="submit"]`))))
	if !strings.HasPrefix(p.URL, srv.origin+"/auth/verify-request") || !strings.Contains(p.Text, "Check your email") {
		t.Fatalf("after asking for a link: %s\n%s", p.URL, p.Text)
	}
	mails := smtpd.WaitFor(t, 1, 10*time.Second)
	m := mails[0]
	if len(m.To) != 1 || m.To[0] != "ada@example.com" || !strings.HasPrefix(m.Subject, "Sign in to 127.0.0.1:") {
		t.Fatalf("mail to %v, subject %q", m.To, m.Subject)
	}
	link := m.Link(srv.origin + "/auth/callback/email?")
	if link == "" {
		t.Fatalf("no sign-in link in the mail:\n%s", m.Text)
	}
	if n := tables(); n["verification_tokens"] != 1 || n["users"] != 0 || n["sessions"] != 0 {
		t.Fatalf("rows after sending: %v", n)
	}

	p = mustPage(t, "open the link")(tb.open(ctx, link))
	if !strings.Contains(p.Text, "Sign in as ada@example.com?") {
		t.Fatalf("the link did not open the confirmation page:\n%s", p.Text)
	}
	if n := tables(); n["verification_tokens"] != 1 || n["sessions"] != 0 {
		t.Fatalf("opening the link changed rows: %v", n)
	}
	p = mustPage(t, "confirm")(tb.act(ctx, markActed, chromedp.Click(chromedp.CSS(`form[method="post"] button[type="submit"]`))))
	s := parseSession(t, ctx, p)
	if p.URL != srv.origin+"/auth/session" || s == nil || s.User.Email != "ada@example.com" {
		t.Fatalf("after confirming: %s, session %+v", p.URL, s)
	}
	if n := tables(); n["verification_tokens"] != 0 || n["users"] != 1 || n["sessions"] != 1 || n["accounts"] != 0 {
		t.Fatalf("rows after signing in: %v", n)
	}
	users := readRows(t, db).users
	if len(users) != 1 || users[0].EmailVerified == nil {
		t.Fatalf("users %+v, want ada with the email verified", users)
	}

	p = mustPage(t, "open the used link")(tb.open(ctx, link))
	p = mustPage(t, "confirm again")(tb.act(ctx, markActed, chromedp.Click(chromedp.CSS(`form[method="post"] button[type="submit"]`))))
	if !strings.HasPrefix(p.URL, srv.origin+"/auth/error?error=Verification") {
		t.Fatalf("the used link led to %s:\n%s", p.URL, p.Text)
	}
	if n := tables(); n["sessions"] != 1 || n["users"] != 1 {
		t.Fatalf("the used link changed rows: %v", n)
	}
	token := strings.TrimPrefix(link[strings.Index(link, "token=")+len("token="):], "")
	token, _, _ = strings.Cut(token, "&")
	for _, leak := range []string{token, "smtp-canary-password-7f3a"} {
		if strings.Contains(srv.stderr.String(), leak) {
			t.Fatalf("the server's log shows a secret:\n%s", srv.stderr)
		}
	}
}
