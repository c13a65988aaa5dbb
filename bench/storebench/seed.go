package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"
)

const batchUsers = 50_000

func cmdSeed(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	var c commonFlags
	addCommon(fs, &c)
	fs.Parse(args)
	t, err := sqlstore.ParseURL(c.url)
	if err != nil {
		return err
	}
	if c.gen.users <= 0 {
		return fmt.Errorf("--users must be positive")
	}
	start := time.Now()
	switch c.schema {
	case sqlstore.ProfileAuthkit:
		// The schema comes from authkit itself: sqlstore.Open + Migrate is
		// what `authkit db migrate` runs.
		st, err := sqlstore.Open(ctx, c.url, sqlstore.Options{Create: true, AllowUnmigrated: true, Schema: sqlstore.ProfileAuthkit})
		if err != nil {
			return err
		}
		if _, err := st.Migrate(ctx); err != nil {
			st.Close()
			return fmt.Errorf("migrate: %w", err)
		}
		st.Close()
	case sqlstore.ProfileAuthjsPg, sqlstore.ProfileAuthjsDrizzle:
		if c.ddl == "" {
			c.ddl = fmt.Sprintf("testdata/ddl/%s.%s.sql", c.schema, t.Engine)
		}
	default:
		return fmt.Errorf("--schema %q: use authkit, authjs-pg or authjs-drizzle", c.schema)
	}
	switch {
	case t.Engine == sqlstore.EngineSQLite && c.schema != sqlstore.ProfileAuthjsPg:
		err = seedSQLite(ctx, t, c)
	case t.Engine == sqlstore.EnginePostgres && c.schema != sqlstore.ProfileAuthjsDrizzle:
		err = seedPostgres(ctx, t, c)
	default:
		return fmt.Errorf("the benchmark seeds %s only on %s", c.schema, map[string]string{
			sqlstore.ProfileAuthjsPg: "Postgres", sqlstore.ProfileAuthjsDrizzle: "SQLite"}[c.schema])
	}
	if err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Printf("seeded %d users, %d accounts, %d sessions, %d duplicate groups (%s, %s) in %s: %.0f users/s\n",
		c.gen.users, 2*c.gen.users, c.gen.sessionCount(), c.gen.groups(), t.Engine, c.schema, d.Round(time.Millisecond),
		float64(c.gen.users)/d.Seconds())
	return nil
}

func sqliteBulkDSN(path string) string {
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + p + "?mode=rwc&_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_pragma=foreign_keys(0)" +
		"&_pragma=cache_size(-262144)&_pragma=temp_store(MEMORY)&_pragma=busy_timeout(10000)"
}

// seedSQLite inserts in transactions of 50,000 users (and their 100,000
// accounts) through prepared statements on one connection, without
// fsync and without foreign-key checks: the rows are consistent by
// construction.
func seedSQLite(ctx context.Context, t sqlstore.Target, c commonFlags) error {
	db, err := sql.Open("sqlite", sqliteBulkDSN(t.Path))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	native := c.schema == sqlstore.ProfileAuthkit
	usersTable := "users"
	if !native {
		usersTable = "user"
		if err := execDDL(ctx, db, c.ddl); err != nil {
			return err
		}
	}
	var n int
	if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %q", usersTable)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%s already holds %d users; seed an empty database (bench/store.sh --fresh)", t.Path, n)
	}
	var userSQL, accountSQL, sessionSQL string
	if native {
		sessionSQL = `INSERT INTO sessions (id, token_hash, user_id, expires, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`
		userSQL = `INSERT INTO users (id, name, email, email_verified, image, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`
		accountSQL = `INSERT INTO accounts (user_id, type, provider, provider_account_id, refresh_token, access_token, expires_at,
			token_type, scope, id_token, session_state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	} else {
		userSQL = "INSERT INTO `user` (id, name, email, emailVerified, image) VALUES (?, ?, ?, ?, ?)"
		accountSQL = "INSERT INTO `account` (userId, type, provider, providerAccountId, refresh_token, access_token, expires_at," +
			" token_type, scope, id_token, session_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		sessionSQL = "INSERT INTO `session` (sessionToken, userId, expires) VALUES (?, ?, ?)"
	}
	for lo := 0; lo < c.gen.users; lo += batchUsers {
		hi := min(lo+batchUsers, c.gen.users)
		err := func() error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			us, err := tx.PrepareContext(ctx, userSQL)
			if err != nil {
				return err
			}
			as, err := tx.PrepareContext(ctx, accountSQL)
			if err != nil {
				return err
			}
			ss, err := tx.PrepareContext(ctx, sessionSQL)
			if err != nil {
				return err
			}
			for i := lo; i < hi; i++ {
				u := c.gen.user(i)
				ms := u.created.UnixMilli()
				var verified any
				if u.verified != nil {
					verified = u.verified.UnixMilli()
				}
				id := u.id
				if native {
					_, err = us.ExecContext(ctx, u.id, u.name, u.email, verified, null(u.image), ms, ms)
				} else {
					id = u.uuid4
					_, err = us.ExecContext(ctx, id, u.name, u.email, verified, null(u.image))
				}
				if err != nil {
					return fmt.Errorf("user %d: %w", i, err)
				}
				for _, a := range c.gen.accounts(i) {
					var exp any
					if a.expiresAt != nil {
						exp = *a.expiresAt
					}
					args := []any{id, a.typ, a.provider, a.providerAccountID, null(a.refresh), null(a.access), exp,
						null(a.tokenType), null(a.scope), null(a.idToken), nil}
					if native {
						args = append(args, ms, ms)
					}
					if _, err := as.ExecContext(ctx, args...); err != nil {
						return fmt.Errorf("account %s of user %d: %w", a.provider, i, err)
					}
				}
				if c.gen.hasSession(i) {
					se := c.gen.session(i)
					if native {
						_, err = ss.ExecContext(ctx, se.id, hashHex(se.token), id, se.expires.UnixMilli(), se.created.UnixMilli(), se.created.UnixMilli())
					} else {
						_, err = ss.ExecContext(ctx, se.token, id, se.expires.UnixMilli())
					}
					if err != nil {
						return fmt.Errorf("session of user %d: %w", i, err)
					}
				}
			}
			return tx.Commit()
		}()
		if err != nil {
			return err
		}
		progress(hi, c.gen.users)
	}
	_, err = db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

func execDDL(ctx context.Context, db *sql.DB, path string) error {
	ddl, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read the DDL: %w (run from the repository root or pass --ddl)", err)
	}
	if _, err := db.ExecContext(ctx, string(ddl)); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func hashHex(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func progress(done, total int) {
	if done == total || done%(total/10+1) < batchUsers {
		fmt.Fprintf(os.Stderr, "  %d/%d users\n", done, total)
	}
}

// seedPostgres streams the tables with COPY (pgx CopyFrom) in one
// transaction with foreign-key triggers off (session_replication_role =
// replica), then VACUUM ANALYZEs them, as autovacuum would have on a live
// database, and checkpoints.
func seedPostgres(ctx context.Context, t sqlstore.Target, c commonFlags) error {
	conn, err := pgx.Connect(ctx, t.DSN)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	native := c.schema == sqlstore.ProfileAuthkit
	if !native {
		ddl, err := os.ReadFile(c.ddl)
		if err != nil {
			return fmt.Errorf("read the DDL: %w (run from the repository root or pass --ddl)", err)
		}
		if _, err := conn.Exec(ctx, string(ddl)); err != nil {
			return fmt.Errorf("%s: %w", c.ddl, err)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the database already holds %d users; seed an empty database (bench/store.sh --fresh)", n)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	for _, s := range []string{"SET LOCAL session_replication_role = replica", "SET LOCAL synchronous_commit = off"} {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	tm := func(ms *time.Time) any {
		if ms == nil {
			return nil
		}
		return *ms
	}
	i := 0
	var userCols []string
	if native {
		userCols = []string{"id", "name", "email", "email_verified", "image", "created_at", "updated_at"}
	} else {
		userCols = []string{"id", "name", "email", "emailVerified", "image"}
	}
	n64, err := tx.CopyFrom(ctx, pgx.Identifier{"users"}, userCols, pgx.CopyFromFunc(func() ([]any, error) {
		if i >= c.gen.users {
			return nil, nil
		}
		u := c.gen.user(i)
		i++
		if i%(c.gen.users/10+1) == 0 {
			progress(i, c.gen.users)
		}
		if native {
			return []any{u.id, u.name, u.email, tm(u.verified), null(u.image), u.created, u.created}, nil
		}
		return []any{int64(u.index + 1), u.name, u.email, tm(u.verified), null(u.image)}, nil
	}))
	if err != nil {
		return fmt.Errorf("copy users: %w", err)
	}
	if int(n64) != c.gen.users {
		return fmt.Errorf("copied %d users, want %d", n64, c.gen.users)
	}
	var accountCols []string
	if native {
		accountCols = []string{"user_id", "type", "provider", "provider_account_id", "refresh_token", "access_token",
			"expires_at", "token_type", "scope", "id_token", "session_state", "created_at", "updated_at"}
	} else {
		accountCols = []string{"id", "userId", "type", "provider", "providerAccountId", "refresh_token", "access_token",
			"expires_at", "token_type", "scope", "id_token", "session_state"}
	}
	i = 0
	var pending []any
	var accs [2]accountRow
	var user userRow
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"accounts"}, accountCols, pgx.CopyFromFunc(func() ([]any, error) {
		k := i % 2
		if k == 0 {
			if i/2 >= c.gen.users {
				return nil, nil
			}
			user = c.gen.user(i / 2)
			accs = c.gen.accounts(i / 2)
		}
		i++
		a := accs[k]
		var exp any
		if a.expiresAt != nil {
			exp = *a.expiresAt
		}
		if native {
			pending = []any{user.id, a.typ, a.provider, a.providerAccountID, null(a.refresh), null(a.access), exp,
				null(a.tokenType), null(a.scope), null(a.idToken), nil, user.created, user.created}
		} else {
			pending = []any{int64(i), int64(user.index + 1), a.typ, a.provider, a.providerAccountID, null(a.refresh), null(a.access),
				exp, null(a.tokenType), null(a.scope), null(a.idToken), nil}
		}
		return pending, nil
	}))
	if err != nil {
		return fmt.Errorf("copy accounts: %w", err)
	}
	var sessionCols []string
	if native {
		sessionCols = []string{"id", "token_hash", "user_id", "expires", "created_at", "updated_at"}
	} else {
		sessionCols = []string{"id", "userId", "expires", "sessionToken"}
	}
	i = 0
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"sessions"}, sessionCols, pgx.CopyFromFunc(func() ([]any, error) {
		for i < c.gen.users && !c.gen.hasSession(i) {
			i++
		}
		if i >= c.gen.users {
			return nil, nil
		}
		u, se := c.gen.user(i), c.gen.session(i)
		i++
		if native {
			return []any{se.id, hashHex(se.token), u.id, se.expires, se.created, se.created}, nil
		}
		return []any{int64(u.index/c.gen.sessions + 1), int64(u.index + 1), se.expires, se.token}, nil
	}))
	if err != nil {
		return fmt.Errorf("copy sessions: %w", err)
	}
	if !native {
		for _, tbl := range []string{"users", "accounts", "sessions"} {
			q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s))", tbl, tbl)
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "  VACUUM (ANALYZE), CHECKPOINT")
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) users, accounts, sessions"); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	// Write the loaded pages out now rather than during the measurements.
	if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
		fmt.Fprintf(os.Stderr, "  CHECKPOINT: %v (needs a superuser; measurements may see its I/O)\n", err)
	}
	return nil
}

func cmdCheck(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	var c commonFlags
	addCommon(fs, &c)
	fs.Parse(args)
	t, err := sqlstore.ParseURL(c.url)
	if err != nil {
		return err
	}
	var db *sql.DB
	switch t.Engine {
	case sqlstore.EngineSQLite:
		if _, err := os.Stat(t.Path); err != nil {
			return errMismatch{fmt.Sprintf("%s does not exist", t.Path)}
		}
		db, err = sql.Open("sqlite", "file:"+t.Path+"?mode=ro")
	default:
		db, err = sql.Open("pgx", t.DSN)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	users, accounts, sessions, idCol := `"users"`, `"accounts"`, `"sessions"`, "id"
	last := c.gen.user(c.gen.users - 1)
	lastID := any(last.id)
	switch c.schema {
	case sqlstore.ProfileAuthjsDrizzle:
		users, accounts, sessions, lastID = `"user"`, `"account"`, `"session"`, last.uuid4
	case sqlstore.ProfileAuthjsPg:
		lastID = int64(c.gen.users)
	}
	ph := "?"
	if t.Engine == sqlstore.EnginePostgres {
		ph = "$1"
	}
	var nu, na, ns int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+sessions).Scan(&ns); err != nil {
		return errMismatch{fmt.Sprintf("no seeded sessions table: %v", err)}
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+users).Scan(&nu); err != nil {
		return errMismatch{fmt.Sprintf("no seeded users table: %v", err)}
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+accounts).Scan(&na); err != nil {
		return errMismatch{fmt.Sprintf("no seeded accounts table: %v", err)}
	}
	if nu != c.gen.users || na != 2*c.gen.users || ns != c.gen.sessionCount() {
		return errMismatch{fmt.Sprintf("the database holds %d users, %d accounts and %d sessions, not %d, %d and %d",
			nu, na, ns, c.gen.users, 2*c.gen.users, c.gen.sessionCount())}
	}
	var email string
	err = db.QueryRowContext(ctx, fmt.Sprintf("SELECT email FROM %s WHERE %s = %s", users, idCol, ph), lastID).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && email != last.email) {
		return errMismatch{"the database holds another data set (different --dup-every or generator)"}
	}
	if err != nil {
		return err
	}
	var access sql.NullString
	q := fmt.Sprintf("SELECT access_token FROM %s WHERE provider = 'google' AND %s = %s", accounts, quoteIdent(accountIDCol(c.schema)), ph)
	if err := db.QueryRowContext(ctx, q, c.gen.accounts(0)[1].providerAccountID).Scan(&access); err != nil {
		return errMismatch{fmt.Sprintf("the database holds another data set: %v", err)}
	}
	if access.String != c.gen.accounts(0)[1].access {
		return errMismatch{"the database holds another data set (--tokens differs)"}
	}
	fmt.Printf("ok: %d users, %d accounts, %d sessions\n", nu, na, ns)
	return nil
}

func accountIDCol(schema string) string {
	if schema == sqlstore.ProfileAuthkit {
		return "provider_account_id"
	}
	return "providerAccountId"
}

func quoteIdent(s string) string { return `"` + s + `"` }
