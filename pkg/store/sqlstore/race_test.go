package sqlstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

// Unlink removes the account only where the user holds it: in the
// @auth/pg-adapter schema (no unique key) another user may hold the same
// provider account, and keeps it.
func TestUnlinkLeavesOtherHoldersAlone(t *testing.T) {
	ctx := context.Background()
	s := openProfile(t, ProfileAuthjsPg, EnginePostgres)
	db := s.DB()
	execScript(t, db, `INSERT INTO users (name, email) VALUES ('one', 'one@example.test'), ('two', 'two@example.test');
		INSERT INTO accounts ("userId", type, provider, "providerAccountId") VALUES (1, 'oauth', 'github', '42'), (2, 'oauth', 'github', '42'), (1, 'oidc', 'google', 'g1')`)
	removed, err := store.Unlink(ctx, s, "1", "github", "", "test", false)
	if err != nil || len(removed) != 1 {
		t.Fatalf("Unlink = %v, %v; want user 1's github account", removed, err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM accounts WHERE "userId" = 2 AND provider = 'github'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("user 2's github/42 rows = %d, %v; want 1", n, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM accounts`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("accounts left = %d, %v; want 2", n, err)
	}
}

// Two spellings of one serial id are one user: merging it into itself is
// refused and changes nothing.
func TestMergeSameUserSpelledTwice(t *testing.T) {
	ctx := context.Background()
	s := openProfile(t, ProfileAuthjsPg, EnginePostgres)
	u, _, err := s.CreateUserAndAccount(ctx, store.User{Email: "four@example.test"}, store.Account{Type: "oauth", Provider: "github", ProviderAccountID: "4"})
	if err != nil {
		t.Fatal(err)
	}
	for _, sources := range [][]string{{"0" + u.ID}, {" " + u.ID}} {
		_, err := s.MergeUsers(ctx, u.ID, sources, false)
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("MergeUsers(%s, %q) = %v, want ErrInvalid", u.ID, sources, err)
		}
	}
	if got, err := s.GetUser(ctx, u.ID); err != nil || got.Email != "four@example.test" {
		t.Fatalf("the user is gone: %v, %v", got, err)
	}
	if accounts, _ := s.ListAccounts(ctx, "0"+u.ID); len(accounts) != 1 {
		t.Fatalf("ListAccounts(0%s) = %v, want the user's account", u.ID, accounts)
	}
}

// A link or a new session that races a delete of the user never leaves an
// orphan: it waits for the delete and then finds the user gone.
func TestLinkRacingDelete(t *testing.T) {
	forEachProfile(t, func(t *testing.T, pc profileCase) {
		if pc.engine != EnginePostgres {
			return // SQLite serialises writers: no interleaving to test
		}
		ctx := context.Background()
		s := openProfile(t, pc.profile, pc.engine)
		victim, err := s.CreateUser(ctx, store.User{Email: "victim@example.test"})
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range []struct {
			name string
			run  func() error
		}{
			{"link", func() error {
				_, err := s.LinkAccount(ctx, store.Account{UserID: victim.ID, Type: "oauth", Provider: "github", ProviderAccountID: "race"})
				return err
			}},
			{"session", func() error {
				_, err := s.CreateSession(ctx, store.Session{UserID: victim.ID, Token: "race-token", Expires: time.Now().Add(time.Hour)})
				return err
			}},
		} {
			t.Run(op.name, func(t *testing.T) {
				deleter, err := s.db.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer deleter.Rollback()
				arg, _ := s.idArg(victim.ID)
				if _, err := deleter.ExecContext(ctx, s.d.rebind("DELETE FROM "+quote(s.prof.Users.Table)+" WHERE "+quote(s.prof.Users.ID)+" = ?"), arg); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- op.run() }()
				select {
				case err := <-done:
					t.Fatalf("%s did not wait for the uncommitted delete: %v", op.name, err)
				case <-time.After(300 * time.Millisecond):
				}
				if err := deleter.Commit(); err != nil {
					t.Fatal(err)
				}
				if err := <-done; !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("%s after the delete = %v, want ErrNotFound", op.name, err)
				}
				for _, table := range []string{s.prof.Accounts.Table, s.prof.Sessions.Table} {
					var n int
					if err := s.db.QueryRow("SELECT count(*) FROM " + quote(table)).Scan(&n); err != nil || n != 0 {
						t.Fatalf("%s rows = %d, %v; want 0 (an orphan was written)", table, n, err)
					}
				}
				if victim, err = s.CreateUser(ctx, store.User{Email: "victim@example.test"}); err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

// Forcing the authkit schema onto an Auth.js database must not migrate over
// its tables, nor leave a trace: later commands still see the Auth.js schema.
func TestMigrateRefusesForeignTables(t *testing.T) {
	forEachProfile(t, func(t *testing.T, pc profileCase) {
		if pc.profile == ProfileAuthkit {
			return
		}
		ctx := context.Background()
		url := newDatabase(t, pc.engine)
		prepare(t, url, pc.profile, pc.engine)
		forced, err := Open(ctx, url, Options{Schema: ProfileAuthkit, AllowUnmigrated: true})
		if err != nil {
			t.Fatal(err)
		}
		before, _ := forced.tables(ctx)
		_, err = forced.Migrate(ctx)
		after, _ := forced.tables(ctx)
		forced.Close()
		if !errors.Is(err, store.ErrUnsupported) {
			t.Fatalf("Migrate over %s = %v, want ErrUnsupported", pc.profile, err)
		}
		if len(after) != len(before) {
			t.Fatalf("tables before %v, after %v: the failed migration left a trace", before, after)
		}
		s, err := Open(ctx, url, Options{})
		if err != nil || s.Profile() != pc.profile {
			t.Fatalf("reopened as %v, %v; want %s", s, err, pc.profile)
		}
		s.Close()
	})
}

// The DATABASE_URL that `prisma init` writes (?schema=public) and Prisma's
// pool settings open as they do for Prisma; the schema becomes the search path.
func TestPrismaDatabaseURL(t *testing.T) {
	ctx := context.Background()
	base := newDatabase(t, EnginePostgres)
	execScript(t, rawDB(t, base), `CREATE SCHEMA app`)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	prismaURL := base + sep + "schema=app&connection_limit=5&pool_timeout=10&pgbouncer=true"
	s, err := Open(ctx, prismaURL, Options{AllowUnmigrated: true})
	if err != nil {
		t.Fatalf("open %s: %v", RedactURL(prismaURL), err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.DB().QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'app' AND table_name = 'users'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("users in schema app: %d, %v; want the migration there", n, err)
	}
}

// A URL without its scheme is refused before it can be taken for a file
// name, and the refusal never shows the password.
func TestSchemelessURL(t *testing.T) {
	for _, raw := range []string{"user:hunter22@localhost/db", "postgres//postgres:hunter22@localhost/db"} {
		_, err := ParseURL(raw)
		if err == nil || strings.Contains(err.Error(), "hunter22") || !strings.Contains(err.Error(), "without its scheme") {
			t.Errorf("ParseURL(%q) = %v; want a refusal naming the missing scheme, without the password", raw, err)
		}
	}
}

// --email folds every letter's case on both engines, not only ASCII.
func TestEmailContainsFoldsUnicode(t *testing.T) {
	forEachProfile(t, func(t *testing.T, pc profileCase) {
		ctx := context.Background()
		s := openProfile(t, pc.profile, pc.engine)
		u, err := s.CreateUser(ctx, store.User{Email: "Zoë.Ärger@example.test"})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"ZOË", "zoë.ä", "ÄRGER@"} {
			var got []string
			if err := s.EachUser(ctx, store.UserQuery{EmailContains: q}, func(x store.UserWithAccounts) error {
				got = append(got, x.ID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != u.ID {
				t.Errorf("EmailContains %q = %v, want the user %s", q, got, u.ID)
			}
		}
	})
}
