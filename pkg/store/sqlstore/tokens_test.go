package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

// TestDeleteExpiredVerificationTokensRawRows: tokens written the way the
// Auth.js adapters write them, not through authkit, are pruned at the
// right instant on every profile: Postgres timestamps (with and without
// time zone, under a session time zone far from UTC) and, on SQLite,
// epoch milliseconds (Drizzle, Prisma ≤ 6, authkit) and ISO text (Prisma 7),
// both in one Prisma table after an upgrade.
func TestDeleteExpiredVerificationTokensRawRows(t *testing.T) {
	ctx := context.Background()
	forEachProfile(t, func(t *testing.T, pc profileCase) {
		url := newDatabase(t, pc.engine)
		prepare(t, url, pc.profile, pc.engine)
		db := rawDB(t, url)
		if pc.engine == EnginePostgres {
			// Timestamps without time zone must not shift with the
			// session's zone: authkit and the adapters write UTC.
			execScript(t, db, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'Pacific/Chatham'); END $$`)
		}
		// The encodings of the table's expires column the adapters use.
		encodings := []string{"millis"}
		switch {
		case pc.engine == EnginePostgres:
			encodings = []string{"timestamp"}
		case pc.profile == ProfileAuthjsPrisma:
			encodings = []string{"millis", "text"}
		}
		prof, _ := builtinProfile(pc.profile)
		tt := prof.Tokens
		insert := fmt.Sprintf("INSERT INTO %s (%s, %s, %s) VALUES ", quote(tt.Table), quote(tt.Identifier), quote(tt.Token), quote(tt.Expires))
		type row struct {
			token   string
			expires time.Time
			expired bool
		}
		var rows []row
		for _, enc := range encodings {
			for _, r := range []row{
				{"year-ago", fixedNow.AddDate(-1, 0, 0), true},
				{"1ms-ago", fixedNow.Add(-time.Millisecond), true},
				{"now", fixedNow, true},
				{"in-1ms", fixedNow.Add(time.Millisecond), false},
				{"in-a-year", fixedNow.AddDate(1, 0, 0), false},
			} {
				r.token = enc + "-" + r.token
				var err error
				switch enc {
				case "timestamp":
					// A literal with an offset: timestamptz honours it,
					// timestamp drops it and keeps the UTC wall clock.
					_, err = db.ExecContext(ctx, insert+fmt.Sprintf("($1, $2, '%s')", r.expires.UTC().Format("2006-01-02 15:04:05.000-07")),
						"raw@example.test", r.token)
				case "millis":
					_, err = db.ExecContext(ctx, insert+"(?, ?, ?)", "raw@example.test", r.token, r.expires.UnixMilli())
				case "text":
					_, err = db.ExecContext(ctx, insert+"(?, ?, ?)", "raw@example.test", r.token, r.expires.UTC().Format("2006-01-02T15:04:05.000Z"))
				}
				if err != nil {
					t.Fatalf("insert %s: %v", r.token, err)
				}
				rows = append(rows, r)
			}
		}
		db.Close()

		s := openURL(t, url, Options{})
		want := 0
		for _, r := range rows {
			if r.expired {
				want++
			}
		}
		n, err := s.DeleteExpiredVerificationTokens(ctx, fixedNow)
		if err != nil || n != want {
			t.Fatalf("DeleteExpiredVerificationTokens = %d, %v; want %d", n, err, want)
		}
		var left []string
		for _, r := range rows {
			v, err := s.UseVerificationToken(ctx, "raw@example.test", r.token)
			switch {
			case r.expired && !errors.Is(err, store.ErrNotFound):
				t.Errorf("%s: expired token survived: %+v, %v", r.token, v, err)
			case !r.expired && err != nil:
				t.Errorf("%s: valid token deleted: %v", r.token, err)
			case !r.expired && !v.Expires.Equal(r.expires):
				t.Errorf("%s: expires %v, want %v", r.token, v.Expires, r.expires)
			}
			if err == nil {
				left = append(left, r.token)
			}
		}
		if len(left) != len(rows)-want {
			t.Errorf("tokens left = %v", left)
		}
	})
}

// TestDeleteExpiredVerificationTokensWithoutTable: a database without the
// token table has nothing to prune and says so like the other token
// methods.
func TestDeleteExpiredVerificationTokensWithoutTable(t *testing.T) {
	ctx := context.Background()
	forEachEngine(t, func(t *testing.T, engine string) {
		url := newDatabase(t, engine)
		prepare(t, url, ProfileAuthjsPrisma, engine)
		execScript(t, rawDB(t, url), `DROP TABLE "VerificationToken"`)
		s := openURL(t, url, Options{})
		if n, err := s.DeleteExpiredVerificationTokens(ctx, fixedNow); !errors.Is(err, store.ErrUnsupported) || n != 0 {
			t.Errorf("DeleteExpiredVerificationTokens without its table = %d, %v; want ErrUnsupported", n, err)
		}
	})
}

// TestDeleteExpiredVerificationTokensInTx: pruning joins the caller's
// transaction and is undone with it.
func TestDeleteExpiredVerificationTokensInTx(t *testing.T) {
	ctx := context.Background()
	forEachEngine(t, func(t *testing.T, engine string) {
		s := openProfile(t, ProfileAuthkit, engine)
		v := store.VerificationToken{Identifier: "tx@example.test", Token: "t", Expires: fixedNow}
		if err := s.CreateVerificationToken(ctx, v); err != nil {
			t.Fatal(err)
		}
		rollback := errors.New("roll back")
		err := s.WithTx(ctx, func(tx store.Store) error {
			if n, err := tx.DeleteExpiredVerificationTokens(ctx, fixedNow); err != nil || n != 1 {
				t.Errorf("in tx: %d, %v; want 1", n, err)
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("WithTx = %v", err)
		}
		if _, err := s.UseVerificationToken(ctx, v.Identifier, v.Token); err != nil {
			t.Errorf("token gone after the rollback: %v", err)
		}
	})
}
