package serve_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"github.com/authkit-dev/authkit/internal/testenv"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/cli"
	"github.com/authkit-dev/authkit/internal/cli/clitest"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
)

const testSecret = "serve-test-secret-test-only-0123456789abcdef"

// server is `authkit serve` running in-process through cli.Run.
type server struct {
	origin string // http://127.0.0.1:port, from its "listening" log line
	addr   string // 127.0.0.1:port
	stderr *testenv.Buffer
	cancel context.CancelFunc
	done   chan int // its exit code, once
}

var listeningRE = regexp.MustCompile(`msg=listening url=http://(127\.0\.0\.1:\d+)`)

// start runs `authkit args...` (a serve command on 127.0.0.1:0) with env as
// its whole environment, and waits for its "listening" log line. Cancelling
// its context is the signal path (Ctrl-C and SIGTERM end the same context);
// the test's end does so, and expects exit 0 unless stop was called.
func start(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	s := &server{stderr: &testenv.Buffer{}, done: make(chan int, 1)}
	f := &cmdutil.Factory{
		IO:     cmdutil.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: s.stderr},
		Getenv: func(k string) string { return env[k] },
		Now:    time.Now,
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.done <- cli.Run(ctx, f, args) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code, ok := <-s.done:
			if ok && code != 0 {
				t.Errorf("authkit serve exited %d, want 0:\n%s", code, s.stderr)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("authkit serve did not stop within 10 s of its context ending:\n%s", s.stderr)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(s.stderr.String()); m != nil {
			s.addr, s.origin = m[1], "http://"+m[1]
			return s
		}
		select {
		case code := <-s.done:
			close(s.done)
			t.Fatalf("authkit %s exited %d before listening:\n%s", strings.Join(args, " "), code, s.stderr)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("authkit serve logged no URL within 10 s:\n%s", s.stderr)
		}
	}
}

// startDev starts `authkit serve --dev` on a fresh SQLite database.
func startDev(t *testing.T, args ...string) *server {
	t.Helper()
	env := map[string]string{"AUTHKIT_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "authkit.db")}
	return start(t, env, append([]string{"serve", "--dev", "--addr", "127.0.0.1:0"}, args...)...)
}

// get answers GET url's status and body.
func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res.StatusCode, string(body), res.Header
}

func TestHealthz(t *testing.T) {
	check := func(t *testing.T, s *server) {
		t.Helper()
		code, body, h := get(t, s.origin+"/healthz")
		if code != http.StatusOK || body != "ok\n" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
			t.Errorf("GET /healthz: %d %q (%s), want 200 \"ok\\n\" text/plain", code, body, h.Get("Content-Type"))
		}
		if !strings.Contains(s.stderr.String(), "msg=request method=GET path=/healthz status=200") {
			t.Errorf("no request log line for /healthz:\n%s", s.stderr)
		}
	}
	t.Run("dev, with its SQLite database", func(t *testing.T) {
		check(t, startDev(t))
	})
	t.Run("config, JWT sessions and no database", func(t *testing.T) {
		s := start(t, map[string]string{"AUTH_SECRET": testSecret, "AUTH_GITHUB_ID": "id", "AUTH_GITHUB_SECRET": "secret"},
			"serve", "--config", filepath.Join("testdata", "jwt.yaml"), "--addr", "127.0.0.1:0")
		check(t, s)
		// The auth routes are served at the listening origin.
		code, body, _ := get(t, s.origin+"/auth/providers")
		want := `"callbackUrl":"` + s.origin + `/auth/callback/github"`
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET /auth/providers: %d %s, want 200 with %s", code, body, want)
		}
	})
}

// TestBaseURL: with base_url (a proxy in front, or localhost while the
// server listens on 127.0.0.1), the routes are still served at the base
// path on the listening address, and the URLs they give are base_url's.
func TestBaseURL(t *testing.T) {
	s := start(t, map[string]string{"AUTH_SECRET": testSecret, "AUTH_GITHUB_ID": "id", "AUTH_GITHUB_SECRET": "secret"},
		"serve", "--config", filepath.Join("testdata", "base-url.yaml"), "--addr", "127.0.0.1:0")
	if !strings.Contains(s.stderr.String(), "auth=http://localhost:3000/auth") {
		t.Errorf("the listening line does not name the public auth URL:\n%s", s.stderr)
	}
	code, body, _ := get(t, s.origin+"/auth/providers")
	want := `"callbackUrl":"http://localhost:3000/auth/callback/github"`
	if code != http.StatusOK || !strings.Contains(body, want) {
		t.Errorf("GET %s/auth/providers with base_url http://localhost:3000: %d %q, want 200 with %s", s.origin, code, body, want)
	}
}

// TestGracefulShutdown: when the context ends (Ctrl-C, SIGTERM), the
// server stops accepting connections, lets the request in flight finish
// with its answer, returns nil (exit 0) and releases the port.
func TestGracefulShutdown(t *testing.T) {
	s := startDev(t, "--session", "jwt")

	// A CSRF token, for a POST /auth/session that answers 200.
	res, err := http.Get(s.origin + "/auth/csrf")
	if err != nil {
		t.Fatal(err)
	}
	var csrf struct{ CSRFToken string }
	err = json.NewDecoder(res.Body).Decode(&csrf)
	res.Body.Close()
	if err != nil || csrf.CSRFToken == "" {
		t.Fatalf("GET /auth/csrf: %v %+v", err, csrf)
	}
	var cookies []string
	for _, c := range res.Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}

	// The request in flight: the handler runs and reads the body, which
	// the client sends only after the shutdown began. Expect:
	// 100-continue tells when the handler has started reading it.
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(15 * time.Second))
	body := "csrfToken=" + url.QueryEscape(csrf.CSRFToken)
	head := "POST /auth/session HTTP/1.1\r\nHost: " + s.addr + "\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n" +
		"Cookie: " + strings.Join(cookies, "; ") + "\r\nExpect: 100-continue\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("no 100 Continue: %q %v", line, err)
	}
	if blank, err := br.ReadString('\n'); err != nil || blank != "\r\n" {
		t.Fatalf("100 Continue not followed by a blank line: %q %v", blank, err)
	}

	s.cancel()
	waitFor(t, "the shutdown log line", func() bool {
		return strings.Contains(s.stderr.String(), `msg="shutting down; requests in flight finish"`)
	})
	// New connections are refused once the listener is closed. A
	// connection that gets through before is closed at once, so that it
	// does not hold the shutdown up.
	waitFor(t, "new connections refused", func() bool {
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err == nil {
			c.Close()
			return false
		}
		return true
	})
	// The server waits for the request in flight.
	select {
	case code := <-s.done:
		close(s.done)
		t.Fatalf("authkit serve exited %d with a request in flight:\n%s", code, s.stderr)
	case <-time.After(200 * time.Millisecond):
	}

	began := time.Now()
	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v\n%s", err, s.stderr)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(got) != "null\n" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("the request in flight: %d %q (%s), want 200 null JSON", resp.StatusCode, got, resp.Header.Get("Content-Type"))
	}
	if !resp.Close {
		t.Errorf("the last answer does not close the connection (Connection: %q)", resp.Header.Get("Connection"))
	}

	select {
	case code := <-s.done:
		close(s.done)
		if code != 0 {
			t.Errorf("authkit serve exited %d, want 0:\n%s", code, s.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("authkit serve did not return after its last request:\n%s", s.stderr)
	}
	t.Logf("returned %s after the last request finished", time.Since(began).Round(time.Millisecond))
	for _, want := range []string{"msg=request method=POST path=/auth/session status=200", "msg=stopped"} {
		if !strings.Contains(s.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, s.stderr)
		}
	}
	// The port is free again.
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		t.Fatalf("the port is still held after authkit serve returned: %v", err)
	}
	ln.Close()
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestAddrInUse: an address that is taken (or wrong) is exit 1 with the
// address, the cause and the fix, before any database is created.
func TestAddrInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, tc := range []struct {
		addr, cause string
	}{
		{taken.Addr().String(), "address already in use"},
		{"127.0.0.1:99999", "invalid port"},
		{"nonsense", "missing port in address"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "authkit.db")
			r := clitest.Run(clitest.Options{DatabaseURL: "sqlite:" + path}, "serve", "--dev", "--addr", tc.addr)
			if r.Code != 1 {
				t.Fatalf("exit %d, want 1:\n%s", r.Code, r.Stderr)
			}
			for _, want := range []string{"authkit: cannot serve the auth routes: cannot listen on " + tc.addr + ": ", tc.cause, "pass --addr with a free address, such as 127.0.0.1:0"} {
				if !strings.Contains(r.Stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
				}
			}
			if strings.Contains(r.Stderr, "msg=listening") {
				t.Errorf("it logged listening:\n%s", r.Stderr)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the SQLite database was created (%v)", err)
			}
		})
	}
}

// TestMissingCredentials: a configured provider without its credentials
// is exit 1 naming the missing variables, the file and the line, and the
// port is not left held.
func TestMissingCredentials(t *testing.T) {
	file := filepath.Join("testdata", "missing-credentials.yaml")
	for _, tc := range []struct {
		name         string
		env          map[string]string
		want, absent []string
	}{
		{"both unset", map[string]string{},
			[]string{"set AUTH_GITHUB_ID and AUTH_GITHUB_SECRET"}, nil},
		{"secret unset", map[string]string{"AUTH_GITHUB_ID": "id"},
			[]string{"no client secret; set AUTH_GITHUB_SECRET"}, []string{"AUTH_GITHUB_ID"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["AUTH_SECRET"] = testSecret
			port := freePort(t)
			r := clitest.Run(clitest.Options{Env: tc.env}, "serve", "--config", file, "--addr", "127.0.0.1:"+port)
			if r.Code != 1 {
				t.Fatalf("exit %d, want 1:\n%s", r.Code, r.Stderr)
			}
			want := append([]string{"authkit: cannot serve the auth routes: use provider github: ", file + ", line 4",
				"set the missing variables, or fix the providers in " + file}, tc.want...)
			for _, w := range want {
				if !strings.Contains(r.Stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.Stderr)
				}
			}
			for _, n := range tc.absent {
				if strings.Contains(r.Stderr, n) {
					t.Errorf("stderr names %q, which is set:\n%s", n, r.Stderr)
				}
			}
			if strings.Contains(r.Stderr, "msg=listening") {
				t.Errorf("it logged listening:\n%s", r.Stderr)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:"+port)
			if err != nil {
				t.Fatalf("the port is still held after exit 1: %v", err)
			}
			ln.Close()
		})
	}
}

// freePort returns a port of 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
