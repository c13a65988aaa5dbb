package sqlstore

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/storetest"
)

// profileCase is one schema profile on one engine, with what the
// conformance suite may expect of it.
type profileCase struct {
	profile string
	engine  string
	caps    storetest.Capabilities
}

var profileCases = []profileCase{
	{ProfileAuthkit, EngineSQLite, storetest.Capabilities{Events: true, NormalizedEmails: true, UniqueEmail: true, VerificationTokens: true, RevokedTokens: true, Passwords: true}},
	{ProfileAuthjsPrisma, EngineSQLite, storetest.Capabilities{UniqueEmail: true, VerificationTokens: true}},
	{ProfileAuthjsDrizzle, EngineSQLite, storetest.Capabilities{UniqueEmail: true, DerivedSessionIDs: true, VerificationTokens: true}},
	{ProfileAuthkit, EnginePostgres, storetest.Capabilities{Events: true, NormalizedEmails: true, UniqueEmail: true, VerificationTokens: true, RevokedTokens: true, Passwords: true}},
	{ProfileAuthjsPrisma, EnginePostgres, storetest.Capabilities{UniqueEmail: true, EmailRequired: true, DerivedSessionIDs: true, VerificationTokens: true}},
	{ProfileAuthjsPg, EnginePostgres, storetest.Capabilities{SerialIDs: true, VerificationTokens: true}},
	{ProfileAuthjsDrizzle, EnginePostgres, storetest.Capabilities{UniqueEmail: true, DerivedSessionIDs: true, VerificationTokens: true}},
}

// ddl returns the Auth.js DDL of a profile on an engine, from testdata/ddl.
func ddl(t testing.TB, profile, engine string) string {
	t.Helper()
	path := filepath.Join(testenv.RepoRoot(t), "testdata", "ddl", profile+"."+engine+".sql")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the DDL of %s on %s: %v", profile, engine, err)
	}
	return string(b)
}

// execScript runs a multi-statement SQL script on a raw connection.
func execScript(t testing.TB, db *sql.DB, script string) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), script); err != nil {
		t.Fatalf("run SQL script: %v", err)
	}
}

// rawDB opens the database at url with the bare driver, bypassing Store.
func rawDB(t testing.TB, url string) *sql.DB {
	t.Helper()
	target, err := ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	var db *sql.DB
	if target.Engine == EngineSQLite {
		db, err = sql.Open("sqlite", "file:"+target.Path+"?mode=rwc&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	} else {
		db, err = sql.Open("pgx", target.DSN)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newDatabase makes an empty database of the engine and returns its URL.
func newDatabase(t testing.TB, engine string) string {
	t.Helper()
	if engine == EnginePostgres {
		return testenv.PostgresURL(t)
	}
	return "sqlite:" + filepath.Join(t.TempDir(), "authkit.db")
}

// prepare creates the tables of a profile in the empty database at url:
// the authkit migrations, or the Auth.js DDL.
func prepare(t testing.TB, url, profile, engine string) {
	t.Helper()
	ctx := context.Background()
	if profile == ProfileAuthkit {
		s, err := Open(ctx, url, Options{Create: true, AllowUnmigrated: true})
		if err != nil {
			t.Fatalf("open for migration: %v", err)
		}
		defer s.Close()
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		return
	}
	db := rawDB(t, url)
	execScript(t, db, ddl(t, profile, engine))
	db.Close()
}

// openProfile returns a fresh store of the profile on the engine.
func openProfile(t testing.TB, profile, engine string) *Store {
	t.Helper()
	url := newDatabase(t, engine)
	prepare(t, url, profile, engine)
	s, err := Open(context.Background(), url, Options{})
	if err != nil {
		t.Fatalf("open %s on %s: %v", profile, engine, err)
	}
	t.Cleanup(func() { s.Close() })
	if s.Profile() != profile {
		t.Fatalf("detected the profile %s, want %s", s.Profile(), profile)
	}
	return s
}

// forEachProfile runs fn for every profile case as a subtest.
func forEachProfile(t *testing.T, fn func(t *testing.T, pc profileCase)) {
	for _, pc := range profileCases {
		t.Run(pc.engine+"/"+pc.profile, func(t *testing.T) { fn(t, pc) })
	}
}

var _ store.Store = (*Store)(nil)

var fixedNow = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
