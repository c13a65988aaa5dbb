package session_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/authkit-dev/authkit/internal/testenv"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/cli"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	authsession "github.com/authkit-dev/authkit/pkg/session"
)

// testSecret is a test-only secret; no output may ever contain it.
const testSecret = "authkit-test-only-cli-unit-secret-value"

var testNow = time.Date(2026, 7, 22, 12, 0, 0, 0, time.UTC)

type result struct {
	code           int
	stdout, stderr string
}

// run runs authkit in-process with env as the whole environment, stdin as
// input (a terminal when tty), and the clock at testNow.
func run(t *testing.T, env map[string]string, stdin string, tty bool, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{
		IO:     cmdutil.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut, InTTY: tty},
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return testNow },
	}
	code := cli.Run(context.Background(), f, args)
	r := result{code, out.String(), errOut.String()}
	for _, v := range env {
		if len(v) >= 16 && (strings.Contains(r.stdout, v) || strings.Contains(r.stderr, v)) {
			t.Fatalf("authkit %q printed a secret:\nstdout:\n%s\nstderr:\n%s", args, r.stdout, r.stderr)
		}
	}
	return r
}

func secretEnv() map[string]string { return map[string]string{"AUTH_SECRET": testSecret} }

func encode(t *testing.T, claims string, args ...string) string {
	t.Helper()
	r := run(t, secretEnv(), claims, false, append([]string{"session", "encode", "--claims", "-"}, args...)...)
	if r.code != 0 {
		t.Fatalf("encode: exit %d\n%s", r.code, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// TestDecodeUsesFactoryClock: without --at, the Factory's clock judges
// expiry and the relative phrases.
func TestDecodeUsesFactoryClock(t *testing.T) {
	token := encode(t, `{"sub":"u1"}`, "--at", "2026-07-22T09:00:00Z", "--max-age", "3d")
	r := run(t, secretEnv(), token, false, "session", "decode")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"(3 hours ago)", "(in 3 days)", "status:   valid"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	old := encode(t, `{"sub":"u1"}`, "--at", "2026-07-20T10:00:00Z", "--max-age", "1d")
	r = run(t, secretEnv(), old, false, "session", "decode")
	if r.code != cmdutil.ExitCredential || !strings.Contains(r.stdout, "EXPIRED (expired 1 day ago)") || !strings.Contains(r.stdout, `"sub": "u1"`) {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestDecodeOnTerminal: on a terminal, decode prompts on stderr and reads
// one line.
func TestDecodeOnTerminal(t *testing.T) {
	token := encode(t, `{"sub":"u1"}`)
	r := run(t, secretEnv(), token+"\nnot read\n", true, "session", "decode")
	if r.code != 0 || !strings.Contains(r.stderr, "Paste the session token") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

// TestDecodeTerminalCut: a line as long as the terminal's line limit was
// cut by the terminal; decode says so (exit 2) and how to pipe the token
// instead, rather than calling the rest of it "not a token".
func TestDecodeTerminalCut(t *testing.T) {
	limit := map[string]int{"linux": 4095, "darwin": 1023}[runtime.GOOS]
	if limit == 0 {
		testenv.Missing(t, "a known terminal line limit on "+runtime.GOOS)
	}
	for _, n := range []int{limit, limit + 1, 10000} {
		r := run(t, secretEnv(), strings.Repeat("a", n)+"\n", true, "session", "decode")
		if r.code != cmdutil.ExitUsage || r.stdout != "" ||
			!strings.Contains(r.stderr, fmt.Sprintf("the terminal cut the pasted line at %d bytes", limit)) ||
			!strings.Contains(r.stderr, "pbpaste | authkit session decode, or authkit session decode < token.txt") {
			t.Fatalf("%d bytes: exit %d\n%s", n, r.code, r.stderr)
		}
	}
	// A shorter line is read as it is; so is a long one from a pipe.
	r := run(t, secretEnv(), strings.Repeat("a", limit-1)+"\n", true, "session", "decode")
	if r.code != cmdutil.ExitCredential || !strings.Contains(r.stderr, "it is not a token") {
		t.Fatalf("%d bytes: exit %d\n%s", limit-1, r.code, r.stderr)
	}
	r = run(t, secretEnv(), strings.Repeat("a", limit)+"\n", false, "session", "decode")
	if r.code != cmdutil.ExitCredential || !strings.Contains(r.stderr, "it is not a token") {
		t.Fatalf("piped: exit %d\n%s", r.code, r.stderr)
	}
	// The Cookie header and the claims, likewise.
	r = run(t, secretEnv(), "a="+strings.Repeat("b", limit)+"\n", true, "session", "decode", "--cookie", "-")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.stderr, "authkit session decode --cookie - < cookie.txt") {
		t.Fatalf("cookie: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, secretEnv(), `{"a":"`+strings.Repeat("b", limit)+`"}`+"\n", true, "session", "encode", "--claims", "-")
	if r.code != cmdutil.ExitUsage || r.stdout != "" || !strings.Contains(r.stderr, "authkit session encode --claims claims.json") {
		t.Fatalf("claims: exit %d\n%s", r.code, r.stderr)
	}
}

func TestDecodeLimits(t *testing.T) {
	huge := strings.Repeat("a", authsession.DefaultMaxTokenSize) + "..b.c.d"
	r := run(t, secretEnv(), huge, false, "session", "decode")
	if r.code != cmdutil.ExitCredential || r.stdout != "" || !strings.Contains(r.stderr, "it is too large") {
		t.Fatalf("16 KiB token: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, secretEnv(), strings.Repeat("a", 1<<20+1), false, "session", "decode")
	if r.code != cmdutil.ExitError || r.stdout != "" || !strings.Contains(r.stderr, "more than 1048576 bytes") {
		t.Fatalf("1 MiB of input: exit %d\n%s", r.code, r.stderr)
	}
}

func TestEncodeRefusesInvalidUTF8(t *testing.T) {
	r := run(t, secretEnv(), "{\"name\":\"\xff\"}", false, "session", "encode", "--claims", "-")
	if r.code != cmdutil.ExitError || r.stdout != "" || !strings.Contains(r.stderr, "not valid UTF-8") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	path := filepath.Join(t.TempDir(), "deep.json")
	if err := os.WriteFile(path, []byte(strings.Repeat(`{"a":`, 100)+"1"+strings.Repeat("}", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, secretEnv(), "", false, "session", "encode", "--claims", path)
	if r.code != cmdutil.ExitError || r.stdout != "" || !strings.Contains(r.stderr, "nests too deeply") {
		t.Fatalf("deep claims: exit %d\n%s", r.code, r.stderr)
	}
}

// TestSecretsNeverPrinted runs decode and encode through their failures
// with secrets set; run fails the test if any output holds one.
func TestSecretsNeverPrinted(t *testing.T) {
	env := map[string]string{"AUTH_SECRET": testSecret, "AUTH_SECRET_1": testSecret + "-one", "NEXTAUTH_SECRET": testSecret + "-next", "X": testSecret + "-x"}
	token := encode(t, `{"sub":"u1"}`)
	for _, args := range [][]string{
		{"session", "decode"},
		{"session", "decode", "--json"},
		{"session", "decode", "--salt", "other"},
		{"session", "decode", "--format", "jws"},
		{"session", "decode", "--secret-env", "X"},
		{"session", "decode", "--secret-env", testSecret},
		{"session", "decode", "--secret-file", testSecret},
		{"session", "encode", "--claims", "-", "--secret-file", testSecret},
		{"session", "decode", "--at", "2000-01-01T00:00:00Z"},
		{"session", "encode", "--claims", "-"},
		{"session", "encode", "--claims", "-", "--format", "jws", "--alg", "HS512"},
		{"session", "encode", "--claims", "-", "--cookie"},
	} {
		input := token
		if args[1] == "encode" {
			input = `{"sub":"u1"}`
		}
		run(t, env, input, false, args...)
		run(t, env, "x."+input, false, args...)
	}
}

// TestOutputFailure: a stdout that takes nothing is exit 1, not success.
func TestOutputFailure(t *testing.T) {
	token := encode(t, `{"sub":"u1"}`)
	for _, args := range [][]string{{"session", "decode"}, {"session", "decode", "--json"}, {"session", "encode", "--claims", "-"}, {"secret"}} {
		var errOut bytes.Buffer
		f := &cmdutil.Factory{
			IO:     cmdutil.IOStreams{In: strings.NewReader(token), Out: failingWriter{}, ErrOut: &errOut},
			Getenv: func(k string) string { return secretEnv()[k] },
			Now:    func() time.Time { return testNow },
		}
		if len(args) > 1 && args[1] == "encode" {
			f.IO.In = strings.NewReader(`{"sub":"u1"}`)
		}
		if code := cli.Run(context.Background(), f, args); code != cmdutil.ExitError || !strings.Contains(errOut.String(), "cannot write output") {
			t.Errorf("%q: exit %d\n%s", args, code, errOut.String())
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }
