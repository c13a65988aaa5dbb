package sqlstore

import (
	"context"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/storetest"
)

// TestConformance runs the store conformance suite on every schema profile:
// SQLite always, Postgres through AUTHKIT_TEST_POSTGRES_URL.
func TestConformance(t *testing.T) {
	forEachProfile(t, func(t *testing.T, pc profileCase) {
		storetest.Run(t, func(t *testing.T) store.Store { return openProfile(t, pc.profile, pc.engine) }, pc.caps)
	})
}

// prismaIntIDs turns the Prisma DDL into the variant with
// `Int @id @default(autoincrement())` ids, which the Prisma docs show too.
func prismaIntIDs(t testing.TB, engine string) string {
	body := ddl(t, ProfileAuthjsPrisma, engine)
	if engine == EngineSQLite {
		body = strings.ReplaceAll(body, `"id" TEXT NOT NULL PRIMARY KEY`, `"id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT`)
		return strings.ReplaceAll(body, `"userId" TEXT NOT NULL`, `"userId" INTEGER NOT NULL`)
	}
	body = strings.ReplaceAll(body, `"id" TEXT NOT NULL`, `"id" SERIAL NOT NULL`)
	return strings.ReplaceAll(body, `"userId" TEXT NOT NULL`, `"userId" INTEGER NOT NULL`)
}

// TestConformancePrismaIntIDs: a Prisma schema with integer ids passes the
// suite too; authkit sees the column types and lets the database number rows.
func TestConformancePrismaIntIDs(t *testing.T) {
	for _, engine := range []string{EngineSQLite, EnginePostgres} {
		t.Run(engine, func(t *testing.T) {
			caps := storetest.Capabilities{UniqueEmail: true, SerialIDs: true, VerificationTokens: true}
			if engine == EnginePostgres {
				caps.EmailRequired = true
				caps.DerivedSessionIDs = true
			}
			storetest.Run(t, func(t *testing.T) store.Store {
				url := newDatabase(t, engine)
				execScript(t, rawDB(t, url), prismaIntIDs(t, engine))
				s, err := Open(context.Background(), url, Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if s.Profile() != ProfileAuthjsPrisma || s.prof.IDs != idSerial {
					t.Fatalf("opened as %s with id kind %d, want authjs-prisma with serial ids", s.Profile(), s.prof.IDs)
				}
				return s
			}, caps)
		})
	}
}
