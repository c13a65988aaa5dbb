package cli_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

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

// cmdEnvFile sets an environment variable to a file's content, surrounding
// white space trimmed: `envfile TOKEN token.txt`, then `$TOKEN`.
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile NAME FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// cmdTamper copies a compact token from IN to OUT with one character of
// its second-to-last part (the JWE ciphertext, or the JWS payload)
// changed: `tamper token.txt tampered.txt`.
func cmdTamper(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: tamper IN OUT")
	}
	token := strings.TrimSpace(ts.ReadFile(args[0]))
	parts := strings.Split(token, ".")
	if len(parts) < 3 {
		ts.Fatalf("tamper: %s is not a compact token", args[0])
	}
	part := []byte(parts[len(parts)-2])
	i := len(part) / 2
	if part[i] == 'A' {
		part[i] = 'B'
	} else {
		part[i] = 'A'
	}
	parts[len(parts)-2] = string(part)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(parts, ".")+"\n"), 0o644))
}

// cmdCookieHeader turns Set-Cookie lines (with or without the
// "Set-Cookie: " prefix) into one Cookie request header, in order:
// `cookieheader setcookies.txt header.txt`. Extra pairs given after the
// files are added first: `cookieheader in out theme=dark`.
func cmdCookieHeader(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: cookieheader IN OUT [name=value...]")
	}
	pairs := append([]string(nil), args[2:]...)
	for _, line := range strings.Split(ts.ReadFile(args[0]), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "Set-Cookie: ")
		if pair, _, _ := strings.Cut(line, ";"); pair != "" {
			pairs = append(pairs, pair)
		}
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(pairs, "; ")+"\n"), 0o644))
}

// cmdFileMode asserts a file's permission bits: `filemode .env 0600`.
func cmdFileMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filemode FILE MODE")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	st, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	if got := st.Mode().Perm(); (got == os.FileMode(want)) == neg {
		ts.Fatalf("%s has mode %04o, want %s%04o", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// cmdMaskSecrets copies a dotenv file from IN to OUT with the value of
// every AUTH_SECRET line replaced by ***, so that a file holding a fresh
// random secret can be compared with cmp: `masksecrets .env masked`.
func cmdMaskSecrets(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: masksecrets IN OUT")
	}
	re := regexp.MustCompile(`(?m)^(\s*(?:export\s+)?AUTH_SECRET\s*=).*?(\r?)$`)
	out := re.ReplaceAllString(ts.ReadFile(args[0]), "${1}***${2}")
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(out), 0o644))
}

// cmdVector writes a field of one of the Auth.js interop vectors
// (testdata/session/vectors.json, minted by the real @auth/core and
// next-auth) to a file: `vector v5-plain token token.txt`, or
// `vector v5-large-chunked cookies setcookies.txt` for its Set-Cookie
// lines, one a line.
func cmdVector(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 || (args[1] != "token" && args[1] != "cookies") {
		ts.Fatalf("usage: vector NAME token|cookies OUT")
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "session", "vectors.json"))
	ts.Check(err)
	var file struct {
		Vectors []struct {
			Name    string   `json:"name"`
			Token   string   `json:"token"`
			Cookies []string `json:"cookies"`
		} `json:"vectors"`
	}
	ts.Check(json.Unmarshal(data, &file))
	for _, v := range file.Vectors {
		if v.Name != args[0] {
			continue
		}
		out := v.Token + "\n"
		if args[1] == "cookies" {
			if len(v.Cookies) == 0 {
				ts.Fatalf("vector %s has no cookies", v.Name)
			}
			out = strings.Join(v.Cookies, "\n") + "\n"
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(out), 0o644))
		return
	}
	ts.Fatalf("no vector named %q", args[0])
}
