package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/cli"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// TestInitApp is `authkit init --template go` for real: the generated app
// is built against this checkout (a replace directive in its go.mod) and
// run, and a client with a cookie jar signs in to it through the dev
// identity provider (the generic "oidc" provider, its issuer and
// credentials written into the generated .env), reads the protected
// dashboard, and signs out. Once per session strategy with SQLite (which
// the app creates and migrates at start), and with Postgres (migrated
// first with authkit db migrate) when AUTHKIT_TEST_POSTGRES_URL is set.
func TestInitApp(t *testing.T) {
	gobin := testenv.Command(t, "go")
	for _, tc := range []struct {
		name, session, db string
	}{
		{"database-sqlite", "database", "sqlite"},
		{"jwt-sqlite", "jwt", "sqlite"},
		{"database-postgres", "database", "postgres"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var dbURL string
			if tc.db == "postgres" {
				dbURL = testenv.PostgresURL(t)
			}
			dir := filepath.Join(t.TempDir(), "myapp")
			initRunAuthkit(t, "init", "--yes", "--dir", dir, "--providers", "oidc", "--session", tc.session, "--db", tc.db)
			bin := initBuildApp(t, gobin, dir)

			idp := devidp.StartTest(t, devidp.Options{
				ClientID: "myapp-client", ClientSecret: "myapp-secret",
				Users: []devidp.User{{Email: "ada@example.com", Name: "Ada Lovelace"}},
			})
			initFillEnv(t, filepath.Join(dir, ".env"), map[string]string{
				"AUTH_OIDC_ID": "myapp-client", "AUTH_OIDC_SECRET": "myapp-secret", "AUTH_OIDC_ISSUER": idp.Issuer(),
			})
			env := []string{"AUTH_URL=" + "http://127.0.0.1:" + initFreePort(t)}
			if dbURL != "" {
				env = append(env, "DATABASE_URL="+dbURL)
				initRunAuthkit(t, "db", "migrate", "--database-url", dbURL)
			} else {
				dbURL = "sqlite:" + filepath.Join(dir, "authkit.db")
			}
			origin := strings.TrimPrefix(env[0], "AUTH_URL=")
			stop := initStartApp(t, bin, dir, origin, env)

			c := initClient(t)
			// The dashboard sends a visitor without a session to sign in.
			resp, _ := initGet(t, c, origin+"/dashboard")
			wantLoc := origin + "/auth/signin?callbackUrl=" + url.QueryEscape(origin+"/dashboard")
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != wantLoc {
				t.Fatalf("GET /dashboard without a session: %d → %q, want 302 → %q", resp.StatusCode, resp.Header.Get("Location"), wantLoc)
			}
			if _, body := initGet(t, c, origin+"/"); !strings.Contains(body, "This page is public") {
				t.Fatalf("the home page:\n%s", body)
			}

			// Sign in: the form POST, the provider (which approves at
			// once), the callback, back to the dashboard.
			resp, _ = initPost(t, c, origin+"/auth/signin/oidc", url.Values{"csrfToken": {initCSRF(t, c, origin)}, "callbackUrl": {origin + "/dashboard"}})
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, idp.URL()) {
				t.Fatalf("sign-in POST: %d → %q, want the provider", resp.StatusCode, loc)
			}
			resp, _ = initGet(t, c, resp.Header.Get("Location"))
			if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, origin+"/auth/callback/oidc?") {
				t.Fatalf("the provider sent the client to %q", loc)
			}
			resp, body := initGet(t, c, resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != origin+"/dashboard" {
				t.Fatalf("callback: %d → %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
			}
			resp, body = initGet(t, c, origin+"/dashboard")
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<strong id="user">Ada Lovelace</strong>`) ||
				!strings.Contains(body, `<dd id="email">ada@example.com</dd>`) || !strings.Contains(body, tc.session+", until ") {
				t.Fatalf("the dashboard after signing in: %d\n%s", resp.StatusCode, body)
			}

			// The user, and with database sessions the session, are rows of
			// the database the app created.
			st, err := sqlstore.Open(context.Background(), dbURL, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			u, err := st.GetUserByEmail(context.Background(), "ada@example.com")
			if err != nil {
				t.Fatalf("the signed-in user is not in the database: %v", err)
			}
			id := regexp.MustCompile(`<dd id="user-id">([^<]+)</dd>`).FindStringSubmatch(body)
			if id == nil || id[1] != u.ID {
				t.Errorf("the dashboard shows user id %q, the database has %q", id, u.ID)
			}

			// Sign out; the dashboard is closed again.
			resp, _ = initPost(t, c, origin+"/auth/signout", url.Values{"csrfToken": {initCSRF(t, c, origin)}, "callbackUrl": {origin + "/"}})
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("sign-out POST: %d", resp.StatusCode)
			}
			if resp, _ := initGet(t, c, origin+"/dashboard"); resp.StatusCode != http.StatusFound {
				t.Fatalf("GET /dashboard after signing out: %d, want 302", resp.StatusCode)
			}
			stop()
		})
	}
}

// initApp runs authkit in-process, without a terminal, and fails the
// test unless it succeeds.
func initRunAuthkit(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	f := cmdutil.NewFactory()
	f.IO = cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	f.Getenv = func(string) string { return "" }
	if code := cli.Run(context.Background(), f, args); code != 0 {
		t.Fatalf("authkit %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	}
	return out.String()
}

// buildApp points the app's go.mod at this checkout and builds it.
func initBuildApp(t *testing.T, gobin, dir string) string {
	t.Helper()
	root := testenv.RepoRoot(t)
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(gobin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("mod", "edit", "-replace", "github.com/authkit-dev/authkit="+root)
	// The checkout's go.sum covers every module the app needs, so that the
	// build takes them from the module cache without asking the network.
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	bin := filepath.Join(dir, "myapp")
	run("build", "-o", bin, ".")
	run("vet", ".")
	t.Logf("built the app in %s", time.Since(began).Round(time.Millisecond))
	return bin
}

// fillEnv sets variables in the generated .env, whose lines assign them
// empty.
func initFillEnv(t *testing.T, name string, vars map[string]string) {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for k, v := range vars {
		line := "\n" + k + "=\n"
		if !strings.Contains(s, line) {
			t.Fatalf("%s has no empty %s line:\n%s", name, k, s)
		}
		s = strings.Replace(s, line, "\n"+k+"="+v+"\n", 1)
	}
	if err := os.WriteFile(name, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func initFreePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// startApp runs the app in dir with only env (and PATH, HOME) in its
// environment, waits until /healthz answers, and returns a function that
// stops it with SIGTERM and checks that it exits cleanly. The test's end
// stops it too.
func initStartApp(t *testing.T, bin, dir, origin string, env []string) (stop func()) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	stderr := &testenv.Buffer{}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("the app exited with %v after SIGTERM\n%s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("the app did not stop within 10s of SIGTERM; killed\n%s", stderr.String())
		}
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(origin + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return stop
			}
		}
		select {
		case err := <-exited:
			stopped = true
			t.Fatalf("the app exited before it answered: %v\n%s", err, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the app did not answer /healthz within 30s\n%s", stderr.String())
		}
	}
}

// newClient is a browser without JavaScript: a cookie jar, redirects not
// followed (each step is checked).
func initClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func initGet(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func initPost(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func initCSRF(t *testing.T, c *http.Client, origin string) string {
	t.Helper()
	_, body := initGet(t, c, origin+"/auth/csrf")
	var v struct {
		CSRFToken string `json:"csrfToken"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || v.CSRFToken == "" {
		t.Fatalf("GET /auth/csrf: %q (%v)", body, err)
	}
	return v.CSRFToken
}
