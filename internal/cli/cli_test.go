package cli_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/cli"
	"github.com/authkit-dev/authkit/internal/cli/clitest"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/spf13/cobra"
)

// TestEveryCommandValidatesArgs: every command, cobra's completion
// commands included, validates its arguments with cmdutil's validators, so
// that wrong arguments are usage errors (exit 2) in the authkit style and
// never plain cobra errors (which Run treats as runtime failures, exit 1).
func TestEveryCommandValidatesArgs(t *testing.T) {
	f := &cmdutil.Factory{IO: cmdutil.IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}},
		Getenv: func(string) string { return "" }, Now: time.Now}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		t.Run(c.CommandPath(), func(t *testing.T) {
			if c.Args == nil {
				t.Fatal("Args is nil: cobra takes any argument (use cmdutil.NoArgs, ExactArgs, ... or cmdutil.Group)")
			}
			rejected := false
			for _, args := range [][]string{nil, {"a", "b", "c", "d", "e", "f", "g"}} {
				err := c.Args(c, args)
				if err == nil {
					continue
				}
				rejected = true
				var ce *cmdutil.Error
				if !errors.As(err, &ce) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Errorf("Args(%q) = %v (%T): not a usage error", args, err, err)
				}
			}
			if !rejected {
				t.Error("Args accepts both no arguments and seven")
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cli.NewRootCmd(f))
}

// failingWriter is a stdout that takes nothing (a full disk).
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) {
	return 0, errors.New("write /dev/stdout: no space left on device")
}

// newDB migrates a database at url and returns the store over it.
func newDB(t *testing.T, url string) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, url, sqlstore.Options{Create: true, AllowUnmigrated: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

func sqliteURL(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "authkit.db") }

// seed creates ada@example.com with an active and an expired session and an
// event about her.
func seed(t *testing.T, st *sqlstore.Store) store.User {
	t.Helper()
	ctx := context.Background()
	ada, err := st.CreateUser(ctx, store.User{Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for i, expires := range []time.Time{time.Now().Add(time.Hour), time.Now().Add(-time.Hour)} {
		if _, err := st.CreateSession(ctx, store.Session{Token: "token-" + string(rune('a'+i)), UserID: ada.ID, Expires: expires}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RecordEvent(ctx, store.Event{Type: store.EventCreateUser, UserID: ada.ID, Actor: "cli:test"}); err != nil {
		t.Fatal(err)
	}
	return ada
}

// TestOutputFailureExits1: when stdout cannot be written (a full disk, a
// closed pipe), every command fails with exit 1 and `cannot write output`,
// never a usage error (exit 2, "see --help") or a database hint.
func TestOutputFailureExits1(t *testing.T) {
	url := sqliteURL(t)
	seed(t, newDB(t, url))
	for _, args := range [][]string{
		{"version"},
		{"version", "--json"},
		{"db", "status"},
		{"db", "status", "--json"},
		{"db", "inspect"},
		{"db", "inspect", "--json"},
		{"db", "migrate", "--json"},
		{"sessions", "list"},
		{"sessions", "list", "--json"},
		{"sessions", "revoke", "--expired", "--dry-run"},
		{"sessions", "revoke", "--expired", "--dry-run", "--json"},
		{"events", "list"},
		{"events", "list", "--json"},
		{"users", "list"},
		{"users", "list", "--json"},
		{"users", "show", "ada@example.com"},
		{"users", "show", "ada@example.com", "--json"},
		{"users", "duplicates", "--json"},
	} {
		r := clitest.Run(clitest.Options{DatabaseURL: url, Out: failingWriter{}}, args...)
		if r.Code != cmdutil.ExitError {
			t.Errorf("%q: exit %d, want 1\n%s", args, r.Code, r.Stderr)
		}
		if !strings.HasPrefix(r.Stderr, "authkit: cannot write output: write /dev/stdout: no space left on device\n") ||
			strings.Contains(r.Stderr, "--help") || strings.Contains(r.Stderr, "db status") {
			t.Errorf("%q: stderr %q", args, r.Stderr)
		}
	}
	// The writes that failed changed nothing: the expired session is there.
	r := clitest.Run(clitest.Options{DatabaseURL: url}, "sessions", "list", "--expired", "--json")
	if r.Code != 0 || strings.Count(r.Stdout, `"id":`) != 1 {
		t.Errorf("exit %d, stdout %s", r.Code, r.Stdout)
	}
}

// TestHostileArguments: arguments of `sessions` and `events` that a script
// cannot spell (invalid UTF-8, NUL, raw escape sequences) are refused with
// exit 2 before they reach either engine, or looked up literally (exit 3);
// they are never echoed raw, and nothing is revoked.
func TestHostileArguments(t *testing.T) {
	engines := map[string]func(t *testing.T) string{
		"sqlite":   sqliteURL,
		"postgres": func(t *testing.T) string { return testenv.PostgresURL(t) },
	}
	for name, url := range engines {
		t.Run(name, func(t *testing.T) {
			url := url(t)
			st := newDB(t, url)
			ada := seed(t, st)
			sessions, err := st.ListSessions(context.Background(), store.SessionQuery{})
			if err != nil || len(sessions) != 2 {
				t.Fatalf("sessions %v, %v", sessions, err)
			}
			for _, tc := range []struct {
				code int
				args []string
			}{
				{2, []string{"sessions", "revoke", "\xff", "--yes"}},
				{2, []string{"sessions", "revoke", sessions[0].ID + "\x00", "--yes"}},
				{2, []string{"sessions", "revoke", "--user", "\xff@example.com", "--yes"}},
				{2, []string{"sessions", "revoke", "--user", "ada@example.com\x00", "--yes"}},
				{2, []string{"sessions", "revoke", "--user", ada.ID + "\xfe", "--dry-run"}},
				{2, []string{"sessions", "list", "--user", "\xfe"}},
				{2, []string{"sessions", "list", "--user", "ada\x00@example.com", "--json"}},
				{2, []string{"events", "list", "--user", "\xff"}},
				{2, []string{"events", "list", "--user", ada.ID + "\x00"}},
				{2, []string{"events", "list", "--type", "user.create\x00"}},
				{2, []string{"events", "list", "--type", "\xff", "--json"}},
				{2, []string{"users", "\x1b[2J\x1b[31mlist"}},
				{2, []string{"sessions", "\xff"}},
				{2, []string{"db", "\u202emigrate"}},
				{3, []string{"sessions", "revoke", "\x1b[2J" + sessions[0].ID, "--yes"}},
				{3, []string{"sessions", "revoke", "\u202e" + sessions[0].ID, "--yes"}},
				{3, []string{"sessions", "revoke", "--user", "ada@example.com\r\n\x1b[0m", "--yes"}},
				{3, []string{"sessions", "list", "--user", "\x1b[31mada@example.com"}},
				{0, []string{"events", "list", "--user", "\x1b[2J"}},
				{0, []string{"events", "list", "--type", "user.create\u202e", "--json"}},
			} {
				r := clitest.Run(clitest.Options{DatabaseURL: url}, tc.args...)
				if r.Code != tc.code {
					t.Errorf("%q: exit %d, want %d\n%s", tc.args, r.Code, tc.code, r.Stderr)
				}
				if tc.code != 0 && !strings.HasPrefix(r.Stderr, "authkit: cannot ") {
					t.Errorf("%q: stderr not in the authkit style: %q", tc.args, r.Stderr)
				}
				for _, raw := range []string{"\x1b", "\r", "\x00", "\xff", "\xfe", "\u202e"} {
					if strings.Contains(r.Stderr, raw) || strings.Contains(r.Stdout, raw) {
						t.Errorf("%q: output holds the raw %q: stdout %q, stderr %q", tc.args, raw, r.Stdout, r.Stderr)
					}
				}
			}
			after, err := st.ListSessions(context.Background(), store.SessionQuery{})
			if err != nil || len(after) != 2 {
				t.Errorf("sessions after: %v, %v; want both", after, err)
			}
		})
	}
}
