package users_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/internal/cli/clitest"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/cli/users"
	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// testDB is a migrated SQLite database in a temporary directory.
type testDB struct {
	url string
	st  *sqlstore.Store
}

func newTestDB(t *testing.T) *testDB {
	t.Helper()
	return newTestDBAt(t, "sqlite:"+filepath.Join(t.TempDir(), "authkit.db"))
}

// newTestDBAt migrates the database at url.
func newTestDBAt(t *testing.T, url string) *testDB {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, url, sqlstore.Options{Create: true, AllowUnmigrated: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &testDB{url: url, st: st}
}

func (db *testDB) createUser(t *testing.T, u store.User) store.User {
	t.Helper()
	created, err := db.st.CreateUser(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return created
}

// run runs authkit with args over db, with stdin and whether it is a
// terminal as given.
func (db *testDB) run(t *testing.T, stdin string, tty bool, out io.Writer, args ...string) clitest.Result {
	t.Helper()
	return clitest.Run(clitest.Options{DatabaseURL: db.url, Stdin: stdin, TTY: tty, Out: out}, args...)
}

func (db *testDB) countUsers(t *testing.T) int {
	t.Helper()
	var n int
	if err := db.st.DB().QueryRow("SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConfirmOnTerminal: on a terminal, destructive commands ask, and only
// "y" or "yes" goes ahead; anything else cancels with exit 130 and changes
// nothing. Without a terminal and without --yes they refuse (exit 1).
func TestConfirmOnTerminal(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stdin  string
		tty    bool
		code   int
		remove bool
	}{
		{"yes", "y\n", true, cmdutil.ExitOK, true},
		{"yes spelled out", "YES\n", true, cmdutil.ExitOK, true},
		{"no", "n\n", true, cmdutil.ExitCancelled, false},
		{"empty answer", "\n", true, cmdutil.ExitCancelled, false},
		{"end of input", "", true, cmdutil.ExitCancelled, false},
		{"no terminal", "y\n", false, cmdutil.ExitError, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := newTestDB(t)
			db.createUser(t, store.User{Email: "ada@example.com"})
			target := db.createUser(t, store.User{Email: "bob@example.com"})
			source := db.createUser(t, store.User{Email: "bob2@example.com"})

			r := db.run(t, tc.stdin, tc.tty, nil, "users", "delete", "ada@example.com")
			if r.Code != tc.code {
				t.Fatalf("delete: exit %d, want %d; stderr:\n%s", r.Code, tc.code, r.Stderr)
			}
			if tc.tty && !strings.Contains(r.Stderr, `Delete user "`) || tc.tty && !strings.Contains(r.Stderr, "[y/N]") {
				t.Errorf("delete: no prompt on stderr:\n%s", r.Stderr)
			}
			if !tc.tty && !strings.Contains(r.Stderr, "--yes") {
				t.Errorf("delete: the refusal does not name --yes:\n%s", r.Stderr)
			}
			_, err := db.st.GetUserByEmail(context.Background(), "ada@example.com")
			if gone := err != nil; gone != tc.remove {
				t.Errorf("delete: user removed = %v, want %v (err %v)", gone, tc.remove, err)
			}

			r = db.run(t, tc.stdin, tc.tty, nil, "users", "merge", target.ID, source.ID)
			if r.Code != tc.code {
				t.Fatalf("merge: exit %d, want %d; stderr:\n%s", r.Code, tc.code, r.Stderr)
			}
			_, err = db.st.GetUser(context.Background(), source.ID)
			if gone := err != nil; gone != tc.remove {
				t.Errorf("merge: source removed = %v, want %v (err %v)", gone, tc.remove, err)
			}
		})
	}
}

// writeCounter counts the writes that reach the output.
type writeCounter struct {
	bytes.Buffer
	writes int
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

// TestListJSONIsOneValidArray: `users list --json` over several pages is
// one valid JSON array with exactly the documented fields, hostile names
// included, written page by page.
func TestListJSONIsOneValidArray(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	hostile := []string{"\x1b[2J\x1b[31mred", "line\r\nbreak", "abc\u202Efed", "bad \xff\xfe utf8", `quote " and \ backslash`, "nul\x00byte"}
	const total = 2345
	err := db.st.WithTx(ctx, func(tx store.Store) error {
		for i := range total {
			u := store.User{Email: fmt.Sprintf("user%04d@example.com", i)}
			if i < len(hostile) {
				u.Name = hostile[i]
			}
			created, err := tx.CreateUser(ctx, u)
			if err != nil {
				return err
			}
			if i%2 == 0 {
				if _, err := tx.LinkAccount(ctx, store.Account{UserID: created.ID, Type: "oauth", Provider: "github",
					ProviderAccountID: fmt.Sprint(i), AccessToken: "secret-access-token", RefreshToken: "secret-refresh-token"}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"users", "list", "--json"}, total},
		{[]string{"users", "list", "--json", "--limit", "1500"}, 1500},
		{[]string{"users", "list", "--json", "--limit", "1000"}, 1000},
		{[]string{"users", "list", "--json", "--provider", "github"}, (total + 1) / 2},
		{[]string{"users", "list", "--json", "--email", "USER00"}, 100},
		{[]string{"users", "list", "--json", "--email", "nobody"}, 0},
	} {
		t.Run(strings.Join(tc.args[2:], " "), func(t *testing.T) {
			out := &writeCounter{}
			r := db.run(t, "", false, out, tc.args...)
			if r.Code != 0 {
				t.Fatalf("exit %d:\n%s", r.Code, r.Stderr)
			}
			if strings.Contains(out.String(), "secret-") {
				t.Fatal("the output holds a provider token")
			}
			var users []map[string]json.RawMessage
			if err := json.Unmarshal(out.Bytes(), &users); err != nil {
				t.Fatalf("not one valid JSON array: %v\n%.500s", err, out.String())
			}
			if users == nil || len(users) != tc.want {
				t.Fatalf("%d users, want %d", len(users), tc.want)
			}
			ids := map[string]bool{}
			for _, u := range users {
				var keys []string
				for k := range u {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				if want := []string{"accounts", "email", "emailVerified", "id", "image", "name"}; !slices.Equal(keys, want) {
					t.Fatalf("fields %v, want %v", keys, want)
				}
				ids[string(u["id"])] = true
				if string(u["image"]) != "null" || string(u["emailVerified"]) != "null" {
					t.Fatalf("absent values are not null: image %s, emailVerified %s", u["image"], u["emailVerified"])
				}
				var accounts []map[string]string
				if err := json.Unmarshal(u["accounts"], &accounts); err != nil || accounts == nil {
					t.Fatalf("accounts %s: %v", u["accounts"], err)
				}
				for _, a := range accounts {
					if len(a) != 3 || a["provider"] == "" || a["type"] == "" || a["providerAccountId"] == "" {
						t.Fatalf("account %v: want exactly provider, type, providerAccountId", a)
					}
				}
			}
			if len(ids) != len(users) {
				t.Fatalf("%d distinct ids in %d users: pages overlap", len(ids), len(users))
			}
			if tc.want > 1000 && out.writes < 2 {
				t.Errorf("%d users came in %d write(s): the list is not streamed page by page", tc.want, out.writes)
			}
		})
	}

	// The hostile names come back intact in JSON (invalid UTF-8 as U+FFFD)...
	out := &writeCounter{}
	r := db.run(t, "", false, out, "users", "list", "--json", "--limit", "10")
	if r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	var users []struct {
		Name  *string `json:"name"`
		Email string  `json:"email"`
	}
	if err := json.Unmarshal(out.Bytes(), &users); err != nil {
		t.Fatal(err)
	}
	byEmail := map[string]*string{}
	for _, u := range users {
		byEmail[u.Email] = u.Name
	}
	for i, h := range hostile {
		// encoding/json writes each invalid UTF-8 byte as U+FFFD.
		want := strings.Map(func(r rune) rune { return r }, h)
		got := byEmail[fmt.Sprintf("user%04d@example.com", i)]
		if got == nil || *got != want {
			t.Errorf("name %d = %q, want %q", i, deref(got), want)
		}
	}
	// ...and escaped in the table.
	r = db.run(t, "", false, nil, "users", "list", "--limit", "10")
	if r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	for _, bad := range []string{"\x1b", "\r", "\u202E", "\xff", "\x00"} {
		if strings.Contains(r.Stdout, bad) {
			t.Errorf("the table holds the raw character %q:\n%s", bad, r.Stdout)
		}
	}
	for _, want := range []string{`\x1b[2J\x1b[31mred`, `line\r\nbreak`, `abc\u202efed`, `bad \xff\xfe utf8`, `nul\x00byte`} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("the table lacks the escaped %s:\n%s", want, r.Stdout)
		}
	}
	if n := strings.Count(r.Stdout, "\n"); n != 11 {
		t.Errorf("the table has %d lines, want 11 (a header and 10 users)", n)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestListEmptyJSON: no users is an empty array, not null.
func TestListEmptyJSON(t *testing.T) {
	db := newTestDB(t)
	r := db.run(t, "", false, nil, "users", "list", "--json")
	if r.Code != 0 || r.Stdout != "[]\n" {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.Code, r.Stdout, r.Stderr)
	}
	if n := db.countUsers(t); n != 0 {
		t.Fatalf("%d users", n)
	}
}

// TestHostileArguments: arguments that a script cannot spell (invalid
// UTF-8, NUL, raw escape sequences) are refused or looked up literally on
// both engines, never echoed raw to the terminal, and change nothing.
func TestHostileArguments(t *testing.T) {
	engines := map[string]func(t *testing.T) *testDB{
		"sqlite":   newTestDB,
		"postgres": func(t *testing.T) *testDB { return newTestDBAt(t, testenv.PostgresURL(t)) },
	}
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			ada := db.createUser(t, store.User{Email: "ada@example.com"})
			if _, err := db.st.LinkAccount(context.Background(), store.Account{UserID: ada.ID, Type: "oauth", Provider: "github", ProviderAccountID: "1"}); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				code int
				args []string
			}{
				{2, []string{"users", "show", "\xff@example.com"}},
				{2, []string{"users", "show", "ada\xff@example.com"}},
				{2, []string{"users", "show", "ada\x00@example.com"}},
				{2, []string{"users", "list", "--email", "\xfe"}},
				{2, []string{"users", "list", "--provider", "git\x00hub"}},
				{2, []string{"users", "create", "--email", "bob@example.com", "--name", "\xff"}},
				{2, []string{"users", "create", "--email", "b\xffob@example.com"}},
				{2, []string{"users", "create", "--email", "bob\x1b[2J@example.com"}},
				{2, []string{"users", "create", "--email", "bob\u202e@example.com"}},
				{2, []string{"users", "link", ada.ID, "--provider", "\xff", "--account-id", "2"}},
				{2, []string{"users", "link", ada.ID, "--provider", "gitlab", "--account-id", "2\x00"}},
				{2, []string{"users", "unlink", ada.ID, "--provider", "github", "--account-id", "\xff", "--yes"}},
				{2, []string{"users", "merge", ada.ID, "\xff", "--yes"}},
				{2, []string{"users", "delete", "\xff", "--yes"}},
				{3, []string{"users", "show", "\x1b[2J\x1b[31mada@example.com"}},
				{3, []string{"users", "delete", "ada@example.com\r\n\x1b[0m", "--yes"}},
				{3, []string{"users", "show", "\u202emoc.elpmaxe@ada"}},
				{3, []string{"users", "unlink", ada.ID, "--provider", "git\x1b[0mhub", "--yes", "--force"}},
			} {
				r := db.run(t, "", false, nil, tc.args...)
				if r.Code != tc.code {
					t.Errorf("%q: exit %d, want %d\n%s", tc.args, r.Code, tc.code, r.Stderr)
				}
				if !strings.HasPrefix(r.Stderr, "authkit: cannot ") {
					t.Errorf("%q: stderr not in the authkit style: %q", tc.args, r.Stderr)
				}
				for _, raw := range []string{"\x1b", "\r", "\x00", "\xff", "\xfe", "\u202e"} {
					if strings.Contains(r.Stderr, raw) {
						t.Errorf("%q: stderr holds the raw %q: %q", tc.args, raw, r.Stderr)
					}
				}
			}
			if n := db.countUsers(t); n != 1 {
				t.Errorf("%d users, want 1", n)
			}
			accounts, err := db.st.ListAccounts(context.Background(), ada.ID)
			if err != nil || len(accounts) != 1 {
				t.Errorf("accounts %v, %v; want the one github account", accounts, err)
			}
		})
	}
}

// failingWriter is a stdout that takes nothing (a full disk).
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) {
	return 0, errors.New("write /dev/stdout: no space left on device")
}

// TestListWriteFailure: a stdout that fails while users are streamed page
// by page is an output error (exit 1) whose hint is about stdout, not the
// database (`db status` would send the user after the wrong thing).
func TestListWriteFailure(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	err := db.st.WithTx(ctx, func(tx store.Store) error {
		for i := range 2500 {
			if _, err := tx.CreateUser(ctx, store.User{Email: fmt.Sprintf("user%04d@example.com", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"users", "list"}, {"users", "list", "--json"}, {"users", "list", "--limit", "1"}} {
		r := db.run(t, "", false, failingWriter{}, args...)
		if r.Code != cmdutil.ExitError {
			t.Errorf("%q: exit %d, want 1\n%s", args, r.Code, r.Stderr)
		}
		if !strings.HasPrefix(r.Stderr, "authkit: cannot write output: ") || strings.Contains(r.Stderr, "db status") {
			t.Errorf("%q: stderr %q", args, r.Stderr)
		}
	}
}

// TestLinkTypes: `users link --type` accepts the store's account types but
// webauthn, in the store's order.
func TestLinkTypes(t *testing.T) {
	var want []string
	for _, typ := range store.AccountTypes {
		if typ != "webauthn" {
			want = append(want, typ)
		}
	}
	if !slices.Equal(users.LinkTypes, want) {
		t.Errorf("LinkTypes = %v, want %v", users.LinkTypes, want)
	}
	if !slices.Contains(store.AccountTypes, "webauthn") {
		t.Error("store.AccountTypes no longer has webauthn: drop the exception from LinkTypes")
	}
}
