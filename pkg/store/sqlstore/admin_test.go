package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/pkg/store"
)

// TestAuthkitDuplicatesFromOldRows: the authkit schema stores normalised
// emails, but rows written by other tools (or before a change of the
// normalisation) may collide; FindDuplicates still finds them.
func TestAuthkitDuplicatesFromOldRows(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := openProfile(t, ProfileAuthkit, engine)
		now := s.timeArg(fixedNow)
		for i, email := range []string{"ada@example.test", "ADA@example.test", " ada@example.test", "ａｄａ@example.test", "bob@example.test"} {
			if _, err := s.DB().ExecContext(ctx, s.d.rebind("INSERT INTO users (id, email, created_at, updated_at) VALUES (?, ?, ?, ?)"),
				"raw-"+string(rune('a'+i)), email, now, now); err != nil {
				t.Fatal(err)
			}
		}
		groups, err := s.FindDuplicates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 1 || groups[0].Key != "ada@example.test" || len(groups[0].Users) != 4 || groups[0].SuggestedTarget != "raw-a" {
			t.Fatalf("FindDuplicates = %+v", groups)
		}
		// Merging them leaves one user, found by any variant.
		if _, err := s.MergeUsers(ctx, "raw-a", []string{"raw-b", "raw-c", "raw-d"}, false); err != nil {
			t.Fatal(err)
		}
		if u, err := s.GetUserByEmail(ctx, "ＡＤＡ@Example.test "); err != nil || u.ID != "raw-a" {
			t.Errorf("GetUserByEmail after the merge = %v, %v", u.ID, err)
		}
		if groups, _ := s.FindDuplicates(ctx); len(groups) != 0 {
			t.Errorf("duplicates after the merge: %+v", groups)
		}
	})
}

// TestMergeMovesPassword: the authkit schema keeps a password per user; a
// merge gives the target the newest password of the sources when it has
// none, and never replaces its own.
func TestMergeMovesPassword(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := openProfile(t, ProfileAuthkit, engine)
		mk := func(email string) store.User {
			u, err := s.CreateUser(ctx, store.User{Email: email})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		setPassword := func(userID, hash string, at int) {
			ts := s.timeArg(fixedNow.AddDate(0, 0, at))
			if _, err := s.DB().ExecContext(ctx, s.d.rebind("INSERT INTO credentials (user_id, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)"),
				userID, hash, ts, ts); err != nil {
				t.Fatal(err)
			}
		}
		password := func(userID string) string {
			var h string
			s.DB().QueryRowContext(ctx, s.d.rebind("SELECT password_hash FROM credentials WHERE user_id = ?"), userID).Scan(&h)
			return h
		}
		count := func() int {
			var n int
			s.DB().QueryRowContext(ctx, "SELECT count(*) FROM credentials").Scan(&n)
			return n
		}

		target, old, newer := mk("t@example.test"), mk("old@example.test"), mk("new@example.test")
		setPassword(old.ID, "hash-old", 1)
		setPassword(newer.ID, "hash-new", 2)
		if _, err := s.MergeUsers(ctx, target.ID, []string{old.ID, newer.ID}, false); err != nil {
			t.Fatal(err)
		}
		if got := password(target.ID); got != "hash-new" || count() != 1 {
			t.Errorf("target password %q with %d credentials, want the newest source's and one row", got, count())
		}

		other := mk("other@example.test")
		setPassword(other.ID, "hash-other", 3)
		if _, err := s.MergeUsers(ctx, target.ID, []string{other.ID}, false); err != nil {
			t.Fatal(err)
		}
		if got := password(target.ID); got != "hash-new" || count() != 1 {
			t.Errorf("target password %q with %d credentials, want its own kept", got, count())
		}
	})
}

// accountsOf splits long id lists into several queries and loses none.
func TestAccountsOfChunks(t *testing.T) {
	ctx := context.Background()
	s := openProfile(t, ProfileAuthjsDrizzle, EngineSQLite)
	const n = 2*accountsChunk + 7
	var ids []string
	err := s.WithTx(ctx, func(tx store.Store) error {
		for i := range n {
			u, _, err := tx.CreateUserAndAccount(ctx, store.User{Email: fmt.Sprintf("u%d@example.test", i)},
				store.Account{Type: "oauth", Provider: "github", ProviderAccountID: fmt.Sprint(i)})
			if err != nil {
				return err
			}
			ids = append(ids, u.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	byUser, err := s.accountsOf(ctx, ids, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(byUser) != n {
		t.Fatalf("accountsOf found accounts for %d users, want %d", len(byUser), n)
	}
	for _, id := range ids {
		if len(byUser[id]) != 1 {
			t.Fatalf("user %s has %d accounts, want 1", id, len(byUser[id]))
		}
	}
}

// Info points out user lookups without an index: none in the authkit
// schema, accounts and sessions in every Auth.js one (their DDL has none).
func TestInfoIndexNotes(t *testing.T) {
	forEachProfile(t, func(t *testing.T, pc profileCase) {
		s := openProfile(t, pc.profile, pc.engine)
		info, err := s.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if pc.profile == ProfileAuthkit {
			if len(info.Notes) != 0 {
				t.Fatalf("notes on the authkit schema: %q", info.Notes)
			}
			return
		}
		joined := strings.Join(info.Notes, "\n")
		for _, table := range []string{s.prof.Accounts.Table, s.prof.Sessions.Table} {
			if !strings.Contains(joined, quote(table)+" has no index on") {
				t.Errorf("no note about %s in %q", table, info.Notes)
			}
		}
		stmt := info.Notes[0][strings.Index(info.Notes[0], "CREATE INDEX"):]
		if _, err := s.DB().Exec(stmt); err != nil {
			t.Fatalf("the advised %q does not run: %v", stmt, err)
		}
		info, err = s.Info(context.Background())
		if err != nil || len(info.Notes) != 1 {
			t.Fatalf("after the advised index: notes %q, %v; want the one left", info.Notes, err)
		}
	})
}
