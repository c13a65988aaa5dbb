package cli_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"strconv"

	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdPgdb points the script at a fresh throwaway Postgres database, dropped
// when the script ends. Scripts guard it with `[!postgres] skip`.
func cmdPgdb(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! pgdb")
	}
	base := os.Getenv("AUTHKIT_TEST_POSTGRES_URL")
	if base == "" {
		ts.Fatalf("AUTHKIT_TEST_POSTGRES_URL is not set (AUTHKIT_REQUIRE_ALL=1 makes Postgres scripts mandatory)")
	}
	url, drop, err := testenv.CreatePostgresDB(context.Background(), base)
	ts.Check(err)
	ts.Defer(func() {
		if err := drop(); err != nil {
			ts.Logf("drop throwaway database: %v", err)
		}
	})
	ts.Setenv("AUTHKIT_DATABASE_URL", url)
}

// hasPostgres is the [postgres] condition: a server is configured, or
// AUTHKIT_REQUIRE_ALL=1 demands one (and pgdb then fails loudly).
func hasPostgres() bool {
	return os.Getenv("AUTHKIT_TEST_POSTGRES_URL") != "" || testenv.RequireAll()
}

func scriptDB(ts *testscript.TestScript) (*sql.DB, func()) {
	raw := ts.Getenv("AUTHKIT_DATABASE_URL")
	target, err := sqlstore.ParseURL(raw)
	ts.Check(err)
	var db *sql.DB
	if target.Engine == sqlstore.EngineSQLite {
		db, err = sql.Open("sqlite", "file:"+ts.MkAbs(target.Path)+"?mode=rw")
	} else {
		db, err = sql.Open("pgx", raw)
	}
	ts.Check(err)
	return db, func() { db.Close() }
}

func cmdSQLCount(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sqlcount TABLE N")
	}
	db, done := scriptDB(ts)
	defer done()
	var n int
	ts.Check(db.QueryRowContext(context.Background(), `SELECT count(*) FROM "`+args[0]+`"`).Scan(&n))
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	if (n == want) == neg {
		ts.Fatalf("table %s has %d rows, want %s%d", args[0], n, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

func cmdSQLExec(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: sqlexec 'SQL'")
	}
	db, done := scriptDB(ts)
	defer done()
	_, err := db.ExecContext(context.Background(), args[0])
	if (err != nil) != neg {
		ts.Fatalf("sqlexec: %v", err)
	}
}

// cmdExits runs a command and asserts its exit code: `exits 3 authkit users show x`.
// Its stdout and stderr are kept for the stdout and stderr commands.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

// cmdSQLFile runs the statements of a file on the database in force:
// `sqlfile $DDL/authjs-pg.postgres.sql`.
func cmdSQLFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sqlfile FILE")
	}
	db, done := scriptDB(ts)
	defer done()
	_, err := db.ExecContext(context.Background(), ts.ReadFile(args[0]))
	ts.Check(err)
}
