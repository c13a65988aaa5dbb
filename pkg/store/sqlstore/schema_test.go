package sqlstore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

var engines = []string{EngineSQLite, EnginePostgres}

func forEachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	for _, e := range engines {
		t.Run(e, func(t *testing.T) { fn(t, e) })
	}
}

func TestDetectProfile(t *testing.T) {
	cases := []struct {
		engine string
		tables []string
		want   string
		ok     bool
	}{
		{EnginePostgres, []string{"accounts", "auth_events", "authkit_schema_migrations", "credentials", "sessions", "users", "verification_tokens"}, ProfileAuthkit, true},
		{EnginePostgres, []string{"Account", "Authenticator", "Session", "User", "VerificationToken"}, ProfileAuthjsPrisma, true},
		{EnginePostgres, []string{"Account", "Session", "User"}, ProfileAuthjsPrisma, true},
		{EnginePostgres, []string{"accounts", "sessions", "users", "verification_token"}, ProfileAuthjsPg, true},
		{EnginePostgres, []string{"accounts", "sessions", "users"}, ProfileAuthjsPg, true},
		{EnginePostgres, []string{"account", "authenticator", "session", "user", "verificationToken"}, ProfileAuthjsDrizzle, true},
		{EnginePostgres, []string{"account", "session"}, "", false},
		{EnginePostgres, []string{"users", "posts"}, "", false},
		{EnginePostgres, []string{"ACCOUNT", "SESSION", "USER"}, "", false},
		{EnginePostgres, nil, "", false},
		{EngineSQLite, []string{"accounts", "sessions", "users", "verification_token"}, "", false},
		{EngineSQLite, []string{"account", "session", "user", "verificationToken"}, ProfileAuthjsDrizzle, true},
	}
	for _, tc := range cases {
		got, ok := detectProfile(tc.engine, tc.tables)
		if got != tc.want || ok != tc.ok {
			t.Errorf("detectProfile(%s, %v) = %q, %v; want %q, %v", tc.engine, tc.tables, got, ok, tc.want, tc.ok)
		}
	}
}

// TestProfileDetection opens each profile's real tables without --schema.
func TestProfileDetection(t *testing.T) {
	forEachProfile(t, func(t *testing.T, pc profileCase) {
		s := openProfile(t, pc.profile, pc.engine) // fails unless detected as pc.profile
		info, err := s.Info(context.Background())
		if err != nil || info.Profile != pc.profile || info.Engine != pc.engine {
			t.Errorf("Info = %+v, %v", info, err)
		}
	})
}

func TestSchemaOverride(t *testing.T) {
	ctx := context.Background()
	forEachEngine(t, func(t *testing.T, engine string) {
		// A database holding both the authkit and the Drizzle tables is
		// detected as authkit (detection order); --schema picks Drizzle.
		url := newDatabase(t, engine)
		prepare(t, url, ProfileAuthkit, engine)
		prepare(t, url, ProfileAuthjsDrizzle, engine)
		s, err := Open(ctx, url, Options{})
		if err != nil || s.Profile() != ProfileAuthkit {
			t.Fatalf("detected %v, %v; want %s", s, err, ProfileAuthkit)
		}
		s.Close()
		s, err = Open(ctx, url, Options{Schema: ProfileAuthjsDrizzle})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.Profile() != ProfileAuthjsDrizzle {
			t.Fatalf("profile %s, want %s", s.Profile(), ProfileAuthjsDrizzle)
		}
		u, err := s.CreateUser(ctx, store.User{Email: "drizzle@example.test"})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.DB().QueryRowContext(ctx, s.d.rebind(`SELECT count(*) FROM "user" WHERE id = ?`), u.ID).Scan(&n); err != nil || n != 1 {
			t.Errorf("the user is not in the Drizzle table: %d, %v", n, err)
		}
		if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil || n != 0 {
			t.Errorf("the authkit table got rows: %d, %v", n, err)
		}
		// Info counts the tables of the profile in use, and only those.
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tc := range info.Tables {
			names = append(names, tc.Name)
			if tc.Name == "user" && tc.Rows != 1 {
				t.Errorf("Info counts %d users, want 1", tc.Rows)
			}
		}
		if want := []string{"user", "account", "session", "verificationToken"}; !slices.Equal(names, want) {
			t.Errorf("Info lists the tables %v, want %v", names, want)
		}
	})
	t.Run("wrong schema", func(t *testing.T) {
		url := newDatabase(t, EngineSQLite)
		prepare(t, url, ProfileAuthjsDrizzle, EngineSQLite)
		_, err := Open(ctx, url, Options{Schema: ProfileAuthjsPrisma})
		if !errors.Is(err, store.ErrUnknownSchema) || !strings.Contains(err.Error(), `"User"`) {
			t.Errorf("Open(--schema authjs-prisma) on Drizzle tables: %v; want ErrUnknownSchema naming the missing table", err)
		}
	})
	t.Run("unknown schema name", func(t *testing.T) {
		url := newDatabase(t, EngineSQLite)
		prepare(t, url, ProfileAuthjsDrizzle, EngineSQLite)
		_, err := Open(ctx, url, Options{Schema: "authjs-mongo"})
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "authjs-mongo") {
			t.Errorf("unknown --schema: %v", err)
		}
	})
	t.Run("profile not on this engine", func(t *testing.T) {
		url := newDatabase(t, EngineSQLite)
		prepare(t, url, ProfileAuthjsDrizzle, EngineSQLite)
		_, err := Open(ctx, url, Options{Schema: ProfileAuthjsPg})
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "postgres") {
			t.Errorf("--schema authjs-pg on SQLite: %v", err)
		}
	})
}

func TestUnknownSchema(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		url := newDatabase(t, engine)
		execScript(t, rawDB(t, url), `CREATE TABLE posts (id INTEGER PRIMARY KEY); CREATE TABLE comments (id INTEGER PRIMARY KEY)`)
		_, err := Open(ctx, url, Options{})
		if !errors.Is(err, store.ErrUnknownSchema) {
			t.Fatalf("Open on unrelated tables: %v, want ErrUnknownSchema", err)
		}
		for _, want := range []string{"comments", "posts", "--schema"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %q", err, want)
			}
		}
	})
}

func TestMissingColumn(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		url := newDatabase(t, engine)
		prepare(t, url, ProfileAuthjsDrizzle, engine)
		db := rawDB(t, url)
		execScript(t, db, `ALTER TABLE "account" DROP COLUMN "scope"`)
		execScript(t, db, `ALTER TABLE "session" DROP COLUMN "expires"`)
		_, err := Open(ctx, url, Options{})
		if !errors.Is(err, store.ErrUnknownSchema) {
			t.Fatalf("Open with missing columns: %v, want ErrUnknownSchema", err)
		}
		for _, want := range []string{`"account"."scope"`, `"session"."expires"`, ProfileAuthjsDrizzle} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
		}
	})
}

func TestOptionalColumnsAndTables(t *testing.T) {
	ctx := context.Background()
	forEachEngine(t, func(t *testing.T, engine string) {
		// A Prisma database without the timestamps and without the
		// verification token table (never used email sign-in) works.
		url := newDatabase(t, engine)
		prepare(t, url, ProfileAuthjsPrisma, engine)
		db := rawDB(t, url)
		for _, stmt := range []string{`DROP TABLE "VerificationToken"`, `ALTER TABLE "User" DROP COLUMN "createdAt"`,
			`ALTER TABLE "User" DROP COLUMN "updatedAt"`, `ALTER TABLE "Account" DROP COLUMN "updatedAt"`} {
			execScript(t, db, stmt)
		}
		s, err := Open(ctx, url, Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		if _, _, err := s.CreateUserAndAccount(ctx, store.User{Email: "opt@example.test"}, store.Account{Type: "oauth", Provider: "github", ProviderAccountID: "1"}); err != nil {
			t.Fatalf("CreateUserAndAccount: %v", err)
		}
		err = s.CreateVerificationToken(ctx, store.VerificationToken{Identifier: "a", Token: "b"})
		if !errors.Is(err, store.ErrUnsupported) {
			t.Errorf("CreateVerificationToken without its table: %v, want ErrUnsupported", err)
		}
	})
}

func TestMigrations(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		known := Migrations()
		t.Run("fresh and idempotent", func(t *testing.T) {
			url := newDatabase(t, engine)
			_, err := Open(ctx, url, Options{Create: true})
			if !errors.Is(err, store.ErrNotMigrated) {
				t.Errorf("Open on an empty database: %v, want ErrNotMigrated", err)
			}
			s, err := Open(ctx, url, Options{Create: true, AllowUnmigrated: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			st, err := s.Status(ctx)
			if err != nil || st.UpToDate() || len(st.Pending) != len(known) || st.Current != 0 {
				t.Fatalf("status before = %+v, %v", st, err)
			}
			done, err := s.Migrate(ctx)
			if err != nil || len(done) != len(known) {
				t.Fatalf("Migrate = %d, %v; want %d", len(done), err, len(known))
			}
			again, err := s.Migrate(ctx)
			if err != nil || len(again) != 0 {
				t.Fatalf("second Migrate = %+v, %v; want nothing to do", again, err)
			}
			st, err = s.Status(ctx)
			if err != nil || !st.UpToDate() || st.Current != known[len(known)-1].Version || len(st.Migrations) != len(known) {
				t.Fatalf("status after = %+v, %v", st, err)
			}
			for _, m := range st.Migrations {
				if m.Applied == nil || m.Applied.IsZero() {
					t.Errorf("migration %d has no applied time", m.Version)
				}
			}
			tables, _ := s.tables(ctx)
			for _, want := range []string{"users", "accounts", "sessions", "verification_tokens", "credentials", "auth_events", migrationsTable} {
				if !slices.Contains(tables, want) {
					t.Errorf("table %s missing after migrate: %v", want, tables)
				}
			}
			// It opens normally now.
			s2, err := Open(ctx, url, Options{})
			if err != nil {
				t.Fatalf("Open after migrate: %v", err)
			}
			s2.Close()
		})
		t.Run("newer than this build", func(t *testing.T) {
			url := newDatabase(t, engine)
			prepare(t, url, ProfileAuthkit, engine)
			db := rawDB(t, url)
			s, err := Open(ctx, url, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.ExecContext(ctx, s.d.rebind("INSERT INTO "+migrationsTable+" (version, name, applied_at) VALUES (?, ?, ?)"), 9999, "future", s.timeArg(fixedNow))
			s.Close()
			if err != nil {
				t.Fatal(err)
			}
			for _, opts := range []Options{{}, {AllowUnmigrated: true}} {
				_, err := Open(ctx, url, opts)
				if !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "9999") {
					t.Errorf("Open(%+v) on a newer schema: %v, want ErrSchemaTooNew naming 9999", opts, err)
				}
			}
		})
		t.Run("transactional", func(t *testing.T) {
			// An index name in the way makes the migration fail at its
			// last statement; none of the earlier ones may stay, nor the
			// bookkeeping table.
			url := newDatabase(t, engine)
			execScript(t, rawDB(t, url), `CREATE TABLE other (x INTEGER); CREATE INDEX auth_events_type ON other (x)`)
			s, err := Open(ctx, url, Options{Schema: ProfileAuthkit, AllowUnmigrated: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			done, err := s.Migrate(ctx)
			if err == nil || len(done) != 0 {
				t.Fatalf("Migrate over a conflicting table = %v, %v; want a failure", done, err)
			}
			if !strings.Contains(err.Error(), "0001") {
				t.Errorf("error %q does not name the migration", err)
			}
			tables, _ := s.tables(ctx)
			for _, gone := range []string{"users", "accounts", "sessions", "credentials", migrationsTable} {
				if slices.Contains(tables, gone) {
					t.Errorf("table %s survived a failed migration: %v", gone, tables)
				}
			}
			st, err := s.Status(ctx)
			if err != nil || st.Current != 0 {
				t.Errorf("status after a failed migration = %+v, %v", st, err)
			}
		})
		t.Run("refuses Auth.js databases", func(t *testing.T) {
			url := newDatabase(t, engine)
			prepare(t, url, ProfileAuthjsDrizzle, engine)
			s, err := Open(ctx, url, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			before, _ := s.tables(ctx)
			if _, err := s.Migrate(ctx); !errors.Is(err, store.ErrUnsupported) {
				t.Errorf("Migrate on an Auth.js database: %v, want ErrUnsupported", err)
			}
			if after, _ := s.tables(ctx); !slices.Equal(before, after) {
				t.Errorf("tables changed: %v → %v", before, after)
			}
		})
	})
}

// TestPrismaSQLiteTimes: a Prisma SQLite database keeps times as integer
// milliseconds (Prisma ≤ 6) or ISO text (Prisma 7 driver adapters), often
// both after an upgrade. authkit writes what the newest rows use, reads
// both, and compares them correctly.
func TestPrismaSQLiteTimes(t *testing.T) {
	ctx := context.Background()
	past, future := fixedNow.Add(-time.Hour), fixedNow.Add(24*time.Hour*365*10)
	for _, tc := range []struct {
		name  string
		newer string // format of the newest rows: "text" or "integer"
	}{{"upgraded to Prisma 7", "text"}, {"still Prisma 6", "integer"}} {
		t.Run(tc.name, func(t *testing.T) {
			url := newDatabase(t, EngineSQLite)
			prepare(t, url, ProfileAuthjsPrisma, EngineSQLite)
			db := rawDB(t, url)
			enc := func(format string, tm time.Time) any {
				if format == "text" {
					return tm.UTC().Format("2006-01-02T15:04:05.000Z")
				}
				return tm.UnixMilli()
			}
			older := map[string]string{"text": "integer", "integer": "text"}[tc.newer]
			rows := []struct {
				id, format string
				expires    time.Time
			}{{"old-expired", older, past}, {"old-valid", older, future}, {"new-expired", tc.newer, past}, {"new-valid", tc.newer, future}}
			for _, r := range rows {
				if _, err := db.ExecContext(ctx, `INSERT INTO "User" (id, email, "emailVerified", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?)`,
					r.id, r.id+"@example.test", enc(r.format, fixedNow), enc(r.format, fixedNow), enc(r.format, fixedNow)); err != nil {
					t.Fatal(err)
				}
				if _, err := db.ExecContext(ctx, `INSERT INTO "Session" (id, "sessionToken", "userId", expires, "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?)`,
					"s-"+r.id, "tok-"+r.id, r.id, enc(r.format, r.expires), enc(r.format, fixedNow), enc(r.format, fixedNow)); err != nil {
					t.Fatal(err)
				}
			}
			s := openURL(t, url, Options{})
			for _, r := range rows {
				sess, u, err := s.GetSessionAndUser(ctx, "tok-"+r.id)
				if err != nil {
					t.Fatalf("GetSessionAndUser(%s): %v", r.id, err)
				}
				if !sess.Expires.Equal(r.expires) || u.EmailVerified == nil || !u.EmailVerified.Equal(fixedNow) {
					t.Errorf("%s (%s): expires %v, verified %v", r.id, r.format, sess.Expires, u.EmailVerified)
				}
			}
			expired, err := s.ListSessions(ctx, store.SessionQuery{ExpiredAt: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			if got := sessionIDsOf(expired); !slices.Equal(got, []string{"s-new-expired", "s-old-expired"}) && !slices.Equal(got, []string{"s-old-expired", "s-new-expired"}) {
				t.Errorf("expired sessions = %v, want both encodings", got)
			}
			all, _ := s.ListSessions(ctx, store.SessionQuery{})
			if len(all) != 4 || !all[0].Expires.Equal(past) || !all[3].Expires.Equal(future) {
				t.Errorf("sessions not in expiry order across encodings: %+v", all)
			}
			if n, err := s.RevokeSessions(ctx, store.SessionQuery{ExpiredAt: fixedNow}); err != nil || n != 2 {
				t.Errorf("RevokeSessions(expired) = %d, %v; want 2", n, err)
			}
			// New rows follow the newest encoding.
			u, err := s.CreateUser(ctx, store.User{Email: "fresh@example.test", EmailVerified: &fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateSession(ctx, store.Session{UserID: u.ID, Token: "fresh", Expires: future}); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{`SELECT typeof(expires) FROM "Session" WHERE "sessionToken" = 'fresh'`,
				`SELECT typeof("emailVerified") FROM "User" WHERE email = 'fresh@example.test'`,
				`SELECT typeof("createdAt") FROM "User" WHERE email = 'fresh@example.test'`} {
				var kind string
				if err := db.QueryRowContext(ctx, q).Scan(&kind); err != nil || kind != tc.newer {
					t.Errorf("%s = %s, %v; want %s", q, kind, err, tc.newer)
				}
			}
			if tc.newer == "text" {
				var text string
				db.QueryRowContext(ctx, `SELECT expires || '' FROM "Session" WHERE "sessionToken" = 'fresh'`).Scan(&text)
				if want := future.UTC().Format("2006-01-02T15:04:05.000Z"); text != want {
					t.Errorf("written as %q, want Prisma's %q", text, want)
				}
			}
		})
	}
	t.Run("empty database", func(t *testing.T) {
		// Nothing to go by: write what Prisma 7 writes (Prisma 6 reads it too).
		s := openProfile(t, ProfileAuthjsPrisma, EngineSQLite)
		u, err := s.CreateUser(ctx, store.User{Email: "a@example.test"})
		if err != nil {
			t.Fatal(err)
		}
		var kind string
		if err := s.DB().QueryRowContext(ctx, `SELECT typeof("createdAt") FROM "User" WHERE id = ?`, u.ID).Scan(&kind); err != nil || kind != "text" {
			t.Errorf("createdAt stored as %s, %v; want text", kind, err)
		}
	})
}

func sessionIDsOf(sessions []store.Session) []string {
	var out []string
	for _, s := range sessions {
		out = append(out, s.ID)
	}
	return out
}

// TestConcurrentMigrate: replicas that start together all run migrate; it
// applies each migration once and none of them fails.
func TestConcurrentMigrate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		url := newDatabase(t, engine)
		const n = 4
		stores := make([]*Store, n)
		for i := range stores {
			stores[i] = openURL(t, url, Options{Create: true, AllowUnmigrated: true})
		}
		applied := make([]int, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, s := range stores {
			wg.Go(func() {
				done, err := s.Migrate(ctx)
				applied[i], errs[i] = len(done), err
			})
		}
		wg.Wait()
		total := 0
		for i, err := range errs {
			if err != nil {
				t.Errorf("migrate %d: %v", i, err)
			}
			total += applied[i]
		}
		if total != len(Migrations()) {
			t.Errorf("%d migrations applied in all, want %d once each: %v", total, len(Migrations()), applied)
		}
		st, err := stores[0].Status(ctx)
		if err != nil || !st.UpToDate() {
			t.Errorf("status = %+v, %v", st, err)
		}
	})
}
