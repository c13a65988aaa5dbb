// Package interop proves that authkit reads and edits what the real Auth.js
// libraries (from npm, driven by the Node scripts in this directory) write,
// and that they read back what authkit changed.
package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/clitest"
	"github.com/authkit-dev/authkit/internal/testenv"
)

// adapter runs one pg-adapter.mjs command against db and decodes its JSON.
func adapter(t *testing.T, db string, stdin string, args ...string) any {
	t.Helper()
	node := testenv.Command(t, "node")
	if _, err := os.Stat(filepath.Join("node_modules", "@auth", "pg-adapter")); err != nil {
		testenv.Missing(t, "interop/node_modules is missing (run `npm ci` in interop/)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{"pg-adapter.mjs"}, args...)...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+db)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node pg-adapter.mjs %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var v any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("pg-adapter.mjs %s printed no JSON: %v\n%s", args[0], err, out)
	}
	return v
}

// authkit runs the authkit CLI in-process against db and returns stdout,
// stderr and the exit code.
func authkit(t *testing.T, db string, args ...string) (string, string, int) {
	t.Helper()
	r := clitest.Run(clitest.Options{DatabaseURL: db}, args...)
	return r.Stdout, r.Stderr, r.Code
}

func mustAuthkit(t *testing.T, db string, args ...string) string {
	t.Helper()
	out, errOut, code := authkit(t, db, args...)
	if code != 0 {
		t.Fatalf("authkit %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func field(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func idOf(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return x
	}
	return ""
}

const seedSpec = `{"users": [
 {"name": "Alice", "email": "alice@example.com", "emailVerified": "2024-05-01T10:20:30.123Z",
  "accounts": [{"provider": "github", "providerAccountId": "1001", "type": "oauth"}],
  "sessions": [{"sessionToken": "tok-alice-1", "expires": "2100-01-01T00:00:00Z"}]},
 {"email": "Alice@Example.com ",
  "accounts": [{"provider": "google", "providerAccountId": "2002", "type": "oidc"}],
  "sessions": [{"sessionToken": "tok-alice-2", "expires": "2100-01-01T00:00:00Z"}]},
 {"name": "Bob", "email": "bob@example.com",
  "accounts": [{"provider": "github", "providerAccountId": "3003", "type": "oauth"}],
  "sessions": [{"sessionToken": "tok-bob-1", "expires": "2100-01-01T00:00:00Z"},
               {"sessionToken": "tok-bob-2", "expires": "2100-01-01T00:00:00Z"}]}
]}`

// TestPgAdapterRoundTrip: @auth/pg-adapter writes users, accounts and
// sessions; authkit lists, links, merges and revokes them; the adapter reads
// the result back.
func TestPgAdapterRoundTrip(t *testing.T) {
	db := testenv.PostgresURL(t)
	adapter(t, db, "", "schema")
	seeded := adapter(t, db, seedSpec, "seed")
	users := field(seeded, "users").([]any)
	alice, alice2, bob := idOf(field(users[0], "id")), idOf(field(users[1], "id")), idOf(field(users[2], "id"))

	var inspect map[string]any
	if err := json.Unmarshal([]byte(mustAuthkit(t, db, "db", "inspect", "--json")), &inspect); err != nil {
		t.Fatal(err)
	}
	if inspect["profile"] != "authjs-pg" {
		t.Fatalf("db inspect detected %v, want authjs-pg", inspect["profile"])
	}

	var listed []map[string]any
	if err := json.Unmarshal([]byte(mustAuthkit(t, db, "users", "list", "--json")), &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 3 {
		t.Fatalf("users list: %d users, want 3", len(listed))
	}
	first := listed[0]
	if first["id"] != alice || first["email"] != "alice@example.com" || first["name"] != "Alice" {
		t.Errorf("users list[0] = %v, want alice with id %s", first, alice)
	}
	if !strings.HasPrefix(first["emailVerified"].(string), "2024-05-01T10:20:30.123") {
		t.Errorf("emailVerified = %v, want the adapter's 2024-05-01T10:20:30.123Z", first["emailVerified"])
	}
	accounts := first["accounts"].([]any)
	if len(accounts) != 1 || field(accounts[0], "provider") != "github" || field(accounts[0], "providerAccountId") != "1001" {
		t.Errorf("alice's accounts = %v", accounts)
	}

	dups := mustAuthkit(t, db, "users", "duplicates", "--json")
	if !strings.Contains(dups, `"alice@example.com"`) || !strings.Contains(dups, `"`+alice2+`"`) {
		t.Errorf("users duplicates does not group the two alices:\n%s", dups)
	}

	// link: the adapter finds bob by the new account
	mustAuthkit(t, db, "users", "link", bob, "--provider", "gitlab", "--account-id", "77")
	if got := idOf(field(adapter(t, db, "", "get-user-by-account", "gitlab", "77"), "id")); got != bob {
		t.Errorf("adapter getUserByAccount(gitlab, 77) = %q, want bob %s", got, bob)
	}

	// linking an account another user holds is refused, names the owner, writes nothing
	_, errOut, code := authkit(t, db, "users", "link", alice, "--provider", "github", "--account-id", "3003")
	if code != 1 || !strings.Contains(errOut, bob) {
		t.Errorf("linking bob's account to alice: exit %d, stderr %q; want exit 1 naming user %s", code, errOut, bob)
	}
	if got := idOf(field(adapter(t, db, "", "get-user-by-account", "github", "3003"), "id")); got != bob {
		t.Errorf("after the refused link, github/3003 belongs to %q, want bob %s", got, bob)
	}

	// merge: the adapter sees the second alice's account and session on the first
	mustAuthkit(t, db, "users", "merge", alice, alice2, "--yes")
	if got := idOf(field(adapter(t, db, "", "get-user-by-account", "google", "2002"), "id")); got != alice {
		t.Errorf("after merge, getUserByAccount(google, 2002) = %q, want alice %s", got, alice)
	}
	if got := idOf(field(adapter(t, db, "", "get-session-and-user", "tok-alice-2"), "user", "id")); got != alice {
		t.Errorf("after merge, getSessionAndUser(tok-alice-2).user = %q, want alice %s", got, alice)
	}
	if v := adapter(t, db, "", "get-user", alice2); v != nil {
		t.Errorf("after merge, getUser(%s) = %v, want null", alice2, v)
	}

	// revoke: bob's sessions are gone for the adapter, alice's stay
	mustAuthkit(t, db, "sessions", "revoke", "--user", "bob@example.com", "--yes")
	for _, tok := range []string{"tok-bob-1", "tok-bob-2"} {
		if v := adapter(t, db, "", "get-session-and-user", tok); v != nil {
			t.Errorf("after revoke, getSessionAndUser(%s) = %v, want null", tok, v)
		}
	}
	if got := idOf(field(adapter(t, db, "", "get-session-and-user", "tok-alice-1"), "user", "id")); got != alice {
		t.Errorf("alice's session was lost: getSessionAndUser(tok-alice-1).user = %q", got)
	}

	// users authkit creates are users the adapter can read
	var created map[string]any
	if err := json.Unmarshal([]byte(mustAuthkit(t, db, "users", "create", "--email", "carol@example.com", "--name", "Carol", "--json")), &created); err != nil {
		t.Fatal(err)
	}
	if got := field(adapter(t, db, "", "get-user-by-email", "carol@example.com"), "name"); got != "Carol" {
		t.Errorf("adapter getUserByEmail(carol) name = %v, want Carol", got)
	}
}
