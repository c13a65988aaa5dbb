package secret_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"github.com/authkit-dev/authkit/internal/testenv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/cli"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/cli/secret"
	"github.com/authkit-dev/authkit/internal/cli/secret/dotenv"
)

func TestNew(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s, err := secret.New()
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 44 {
			t.Fatalf("%d characters", len(s))
		}
		b, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil || len(b) != 32 {
			t.Fatalf("not 32 bytes of base64: %v", err)
		}
		if seen[s] {
			t.Fatal("the same secret twice")
		}
		seen[s] = true
	}
}

func TestNewBytes(t *testing.T) {
	for _, n := range []int{secret.MinBytes, 48, 64, secret.MaxBytes} {
		s, err := secret.NewBytes(n)
		if err != nil {
			t.Fatal(err)
		}
		b, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil || len(b) != n {
			t.Fatalf("NewBytes(%d): %d bytes, %v", n, len(b), err)
		}
		// As an HMAC secret, the string is at least n bytes long: --bytes
		// 64 is enough for HS512.
		if len(s) < n {
			t.Fatalf("NewBytes(%d) is %d characters", n, len(s))
		}
	}
	for _, n := range []int{0, -1, secret.MinBytes - 1, secret.MaxBytes + 1} {
		if _, err := secret.NewBytes(n); err == nil {
			t.Errorf("NewBytes(%d) accepted", n)
		}
	}
}

// TestWriteMissingDirectory: --write into a directory that does not exist
// says so, names no temporary file and creates nothing.
func TestWriteMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "no", "such", ".env")
	code, stdout, stderr := run(t, "", false, "secret", "--write", path)
	if code != cmdutil.ExitError || stdout != "" || !strings.Contains(stderr, "does not exist") ||
		!strings.Contains(stderr, "create the directory first (mkdir -p ") || strings.Contains(stderr, ".tmp-") {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("%d entries created", len(entries))
	}
}

func run(t *testing.T, stdin string, tty bool, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{
		IO:     cmdutil.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut, InTTY: tty},
		Getenv: func(string) string { return "" },
		Now:    time.Now,
	}
	code := cli.Run(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

// TestWriteConfirm: replacing AUTH_SECRET on a terminal goes ahead on
// "y" only; any other answer leaves the file as it was (exit 130).
func TestWriteConfirm(t *testing.T) {
	const before = "A=1\nAUTH_SECRET=old\n"
	for _, tc := range []struct {
		answer  string
		code    int
		changed bool
	}{
		{"y\n", cmdutil.ExitOK, true},
		{"yes\n", cmdutil.ExitOK, true},
		{"n\n", cmdutil.ExitCancelled, false},
		{"\n", cmdutil.ExitCancelled, false},
		{"", cmdutil.ExitCancelled, false},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, ".env")
		if err := os.WriteFile(path, []byte(before), 0o600); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := run(t, tc.answer, true, "secret", "--write", path)
		if code != tc.code || stdout != "" {
			t.Fatalf("answer %q: exit %d, stdout %q, stderr %s", tc.answer, code, stdout, stderr)
		}
		data, _ := os.ReadFile(path)
		if changed := string(data) != before; changed != tc.changed {
			t.Fatalf("answer %q: changed %v:\n%s", tc.answer, changed, data)
		}
		if v, _, _ := dotenv.Lookup(data, "AUTH_SECRET"); tc.changed && (len(v) != 44 || strings.Contains(stderr, v)) {
			t.Fatalf("answer %q: AUTH_SECRET %q, stderr %s", tc.answer, v, stderr)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Fatalf("answer %q: %d files left in the directory", tc.answer, len(entries))
		}
	}
}

// TestWriteKeepsSymlink: --write through a symbolic link rewrites its
// target and leaves the link a link.
func TestWriteKeepsSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.env")
	link := filepath.Join(dir, ".env")
	if err := os.WriteFile(target, []byte("A=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.env", link); err != nil {
		testenv.Missing(t, "symbolic links: "+err.Error())
	}
	if code, _, stderr := run(t, "", false, "secret", "--write", link); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	data, _ := os.ReadFile(target)
	if !strings.HasPrefix(string(data), "A=1\nAUTH_SECRET=\"") {
		t.Fatalf("target:\n%s", data)
	}
}
