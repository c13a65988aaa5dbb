package serve_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/internal/cli/clitest"
)

// TestDevInbox: serve --dev delivers sign-in mail to /dev/inbox and the
// log, so the email flow works with no mail server.
func TestDevInbox(t *testing.T) {
	s := startDev(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(s.origin + "/auth/csrf")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := regexp.MustCompile(`"csrfToken":"([0-9a-f]+)"`).FindSubmatch(body)
	if tok == nil {
		t.Fatalf("csrf: %s", body)
	}
	resp, err = c.PostForm(s.origin+"/auth/signin/email", url.Values{"csrfToken": {string(tok[1])}, "email": {"dev@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "/auth/verify-request") {
		t.Fatalf("link request: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	code, page, hdr := get(t, s.origin+"/dev/inbox")
	if code != 200 || !strings.Contains(page, "dev@example.com") || !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("inbox: %d %s", code, page)
	}
	if !strings.Contains(s.stderr.String(), "dev inbox: email received") || !strings.Contains(s.stderr.String(), "to=dev@example.com") {
		t.Fatalf("the mail is not in the log:\n%s", s.stderr)
	}
}

func TestEmailNeedsAnSMTPURL(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ yaml, want string }{
		"no url":       {"email:\n  from: a@example.com\n", "the email section has no smtp_url"},
		"remote plain": {"email:\n  from: a@example.com\n  smtp_url: ${SMTP_URL}\n", "read the SMTP URL: it would send the password to mail.example.com without requiring TLS"},
	} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".yaml")
			os.WriteFile(file, []byte("secret: ${AUTH_SECRET}\n"+tc.yaml), 0o600)
			env := map[string]string{"AUTH_SECRET": testSecret, "SMTP_URL": "smtp://u:canary-pw-9d1@mail.example.com:587?starttls=optional",
				"AUTHKIT_DATABASE_URL": "sqlite:" + filepath.Join(dir, "x.db")}
			r := clitest.Run(clitest.Options{Env: env}, "serve", "--config", file, "--addr", "127.0.0.1:"+freePort(t))
			if r.Code != 1 || !strings.Contains(r.Stderr, tc.want) || strings.Contains(r.Stderr, "canary-pw-9d1") || strings.Contains(r.Stderr, "msg=listening") {
				t.Fatalf("exit %d:\n%s", r.Code, r.Stderr)
			}
		})
	}
}
