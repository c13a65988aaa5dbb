// Package sqlstore implements store.Store once over database/sql for SQLite
// (modernc.org/sqlite, pure Go) and Postgres (pgx). Queries are written once;
// the differences between the engines are a table of strings (dialect), and
// the differences between the authkit and Auth.js schemas are data
// (profile).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Options tune Open.
type Options struct {
	// Schema forces a profile ("authkit", "authjs-prisma", "authjs-pg",
	// "authjs-drizzle"); empty detects it from the tables present.
	Schema string
	// Create allows creating a missing SQLite file (db migrate does).
	Create bool
	// AllowUnmigrated opens an authkit database that is not (fully)
	// migrated, for db migrate, db status and db inspect.
	AllowUnmigrated bool
	// ConnectTimeout bounds the first connection; 0 means 10 seconds.
	ConnectTimeout time.Duration
}

// Store is a store.Store over SQLite or Postgres.
type Store struct {
	db     *sql.DB
	tx     *sql.Tx
	d      dialect
	engine string
	prof   profile
	target Target
	// hook, set by tests only, runs at the named points between the
	// statements of multi-statement operations; an error it returns fails
	// the operation there (a failpoint).
	hook func(ctx context.Context, point string) error
}

// at runs the test hook at a named point.
func (s *Store) at(ctx context.Context, point string) error {
	if s.hook == nil {
		return nil
	}
	return s.hook(ctx, point)
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at rawURL (see ParseURL), detects or
// applies the schema profile and checks the authkit schema version.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	target, err := ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	d := dialects[target.Engine]
	var dsn string
	switch target.Engine {
	case EngineSQLite:
		if _, err := os.Stat(target.Path); errors.Is(err, os.ErrNotExist) && !opts.Create {
			return nil, fmt.Errorf("%w: the SQLite file %s does not exist", store.ErrNotMigrated, target.Path)
		}
		dsn = target.sqliteDSN(opts.Create)
	case EnginePostgres:
		dsn = target.DSN
	}
	db, err := sql.Open(d.driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	if target.Engine == EngineSQLite {
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	} else {
		db.SetMaxOpenConns(16)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{db: db, d: d, engine: target.Engine, target: target}
	timeout := opts.ConnectTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	pingCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %s", store.ErrUnavailable, cleanDriverError(err, target))
	}
	if err := s.setProfile(ctx, opts); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// cleanDriverError keeps the cause of a connection failure but never the
// password of the URL.
func cleanDriverError(err error, t Target) string {
	msg := err.Error()
	if t.Engine == EnginePostgres {
		if redacted := RedactURL(t.DSN); redacted != t.DSN {
			msg = strings.ReplaceAll(msg, t.DSN, redacted)
		}
		for _, secret := range t.secrets() {
			msg = strings.ReplaceAll(msg, secret, "xxxxx")
		}
	}
	return msg
}

func (s *Store) setProfile(ctx context.Context, opts Options) error {
	tables, err := s.tables(ctx)
	if err != nil {
		return err
	}
	name := opts.Schema
	if name == "" {
		detected, ok := detectProfile(s.engine, tables)
		switch {
		case ok:
			name = detected
		case len(userTables(tables)) == 0:
			name = ProfileAuthkit
		default:
			return fmt.Errorf("%w: found the tables %s; pass --schema with one of %s",
				store.ErrUnknownSchema, strings.Join(userTables(tables), ", "), strings.Join(Profiles, ", "))
		}
	}
	p, ok := builtinProfile(name)
	if !ok {
		return fmt.Errorf("%w: unknown schema %q; use one of %s", store.ErrInvalid, name, strings.Join(Profiles, ", "))
	}
	if !slices.Contains(p.Engines, s.engine) {
		return fmt.Errorf("%w: the %s schema exists only on %s", store.ErrInvalid, name, strings.Join(p.Engines, ", "))
	}
	s.prof = p
	if name == ProfileAuthkit {
		st, err := s.Status(ctx)
		if err != nil {
			return err
		}
		if st.Current > st.Latest {
			return fmt.Errorf("%w: it is at version %d and this build knows up to %d; upgrade authkit", store.ErrSchemaTooNew, st.Current, st.Latest)
		}
		if !st.UpToDate() && !opts.AllowUnmigrated {
			return fmt.Errorf("%w: %d migration(s) pending", store.ErrNotMigrated, len(st.Pending))
		}
		return nil
	}
	for _, t := range p.requiredTables() {
		if !slices.Contains(tables, t) {
			return fmt.Errorf("%w: the %s schema needs the table %q, which is missing", store.ErrUnknownSchema, name, t)
		}
	}
	columns := map[string][]string{}
	for _, t := range []string{p.Users.Table, p.Accounts.Table, p.Sessions.Table, p.Tokens.Table} {
		if !slices.Contains(tables, t) {
			continue
		}
		cols, err := s.columns(ctx, t)
		if err != nil {
			return err
		}
		columns[t] = cols
	}
	if err := s.prof.resolve(columns); err != nil {
		return fmt.Errorf("%w: %v", store.ErrUnknownSchema, err)
	}
	if err := s.detectIDKinds(ctx); err != nil {
		return err
	}
	return s.detectSQLiteTime(ctx)
}

// detectIDKinds fits the profile to the id columns the database has: an
// integer id is made by the database (a Prisma schema with
// `Int @id @default(autoincrement())`, the pg-adapter's SERIAL), a text id
// by authkit.
func (s *Store) detectIDKinds(ctx context.Context) error {
	integer := func(table, col string) (bool, error) {
		var typ string
		if err := s.q().QueryRowContext(ctx, s.d.rebind(s.d.columnType), table, col).Scan(&typ); err != nil {
			return false, mapError(err)
		}
		return strings.Contains(strings.ToLower(typ), "int"), nil
	}
	p := &s.prof
	isInt, err := integer(p.Users.Table, p.Users.ID)
	if err != nil {
		return err
	}
	switch {
	case isInt:
		p.IDs = idSerial
	case p.IDs == idSerial:
		p.IDs = idUUIDv4
	}
	if p.Accounts.ID != "" {
		if isInt, err = integer(p.Accounts.Table, p.Accounts.ID); err != nil {
			return err
		}
		if isInt {
			p.Accounts.ID = "" // the database numbers them
		}
	}
	if p.Sessions.ID != "" {
		if p.Sessions.SerialID, err = integer(p.Sessions.Table, p.Sessions.ID); err != nil {
			return err
		}
	}
	return nil
}

func userTables(tables []string) []string {
	var out []string
	for _, t := range tables {
		if t != migrationsTable {
			out = append(out, t)
		}
	}
	return out
}

func (s *Store) tables(ctx context.Context) ([]string, error) {
	return s.strings(ctx, s.d.listTables)
}

func (s *Store) columns(ctx context.Context, table string) ([]string, error) {
	return s.strings(ctx, s.d.rebind(s.d.listColumns), table)
}

func (s *Store) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.q().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, mapError(err)
		}
		out = append(out, v)
	}
	return out, mapError(rows.Err())
}

// Engine is EngineSQLite or EnginePostgres.
func (s *Store) Engine() string { return s.engine }

// Profile is the name of the schema profile in use.
func (s *Store) Profile() string { return s.prof.Name }

// DB is the underlying connection pool, for tests and diagnostics.
func (s *Store) DB() *sql.DB { return s.db }

// Close releases the store's connections.
func (s *Store) Close() error {
	if s.tx != nil {
		return nil
	}
	return s.db.Close()
}

// Ping checks that the database answers (for health checks).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return mapError(err)
	}
	return nil
}
