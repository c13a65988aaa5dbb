package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

const migrationsTable = "authkit_schema_migrations"

// Migration is one step of the authkit schema.
type Migration struct {
	Version int        `json:"version"`
	Name    string     `json:"name"`
	Applied *time.Time `json:"appliedAt,omitempty"`
	sql     string
}

// Migrations returns the migrations this build knows, in order.
func Migrations() []Migration {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		panic(err)
	}
	var out []Migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			panic("authkit: migration file " + e.Name() + " is not named NNNN_name.sql")
		}
		body, _ := migrationFiles.ReadFile("migrations/" + e.Name())
		out = append(out, Migration{Version: v, Name: name, sql: string(body)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	return out
}

// Status is the migration state of an authkit database.
type Status struct {
	Engine     string      `json:"engine"`
	Profile    string      `json:"profile"`
	Current    int         `json:"currentVersion"`
	Latest     int         `json:"latestVersion"`
	Migrations []Migration `json:"migrations"`
	Pending    []Migration `json:"pending"`
}

// UpToDate reports whether no migration is pending.
func (st Status) UpToDate() bool { return len(st.Pending) == 0 && st.Current == st.Latest }

// Status reports which migrations are applied and which are pending. For an
// Auth.js profile there is nothing to migrate.
func (s *Store) Status(ctx context.Context) (Status, error) {
	known := Migrations()
	st := Status{Engine: s.engine, Profile: s.prof.Name, Latest: known[len(known)-1].Version}
	if s.prof.Name != ProfileAuthkit {
		st.Latest = 0
		return st, nil
	}
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return st, err
	}
	for _, m := range known {
		if at, ok := applied[m.Version]; ok {
			m.Applied = &at
			st.Migrations = append(st.Migrations, m)
			st.Current = max(st.Current, m.Version)
		} else {
			st.Pending = append(st.Pending, m)
		}
	}
	for v := range applied {
		st.Current = max(st.Current, v)
	}
	return st, nil
}

func (s *Store) appliedMigrations(ctx context.Context) (map[int]time.Time, error) {
	tables, err := s.tables(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int]time.Time{}
	if !slices.Contains(tables, migrationsTable) {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, "SELECT version, applied_at FROM "+migrationsTable)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		var at any
		if err := rows.Scan(&v, &at); err != nil {
			return nil, mapError(err)
		}
		t, _ := mustTime(at)
		out[v] = t
	}
	return out, mapError(rows.Err())
}

// Migrate applies the pending migrations of the authkit schema, each in
// its own transaction, and returns those it applied. It refuses to touch a
// database of an Auth.js profile and one migrated by a newer authkit.
func (s *Store) Migrate(ctx context.Context) ([]Migration, error) {
	if s.prof.Name != ProfileAuthkit {
		return nil, fmt.Errorf("%w: this is an %s database; authkit uses it as it is and never alters its tables", store.ErrUnsupported, s.prof.Name)
	}
	if s.engine == EngineSQLite {
		// Switching to WAL needs the file to itself; SQLite answers busy at
		// once, without waiting, while another connection migrates.
		if err := retry(ctx, func() error {
			_, err := s.db.ExecContext(ctx, "PRAGMA journal_mode=WAL")
			return err
		}); err != nil {
			return nil, err
		}
	}
	st, err := s.Status(ctx)
	if err != nil {
		return nil, err
	}
	if st.Current > st.Latest {
		return nil, fmt.Errorf("%w: version %d, this build knows up to %d", store.ErrSchemaTooNew, st.Current, st.Latest)
	}
	first := Migrations()[0].Version
	var done []Migration
	for _, m := range st.Pending {
		body := strings.NewReplacer("{{time}}", s.d.timeType, "{{bigint}}", s.d.bigint).Replace(m.sql)
		skipped := false
		err := s.WithTx(ctx, func(txs store.Store) error {
			tx := txs.(*Store)
			q := tx.q()
			// Another authkit may be migrating at the same time (replicas
			// starting together): take turns, and skip what it applied.
			if err := tx.lockKey(ctx, "authkit:migrate"); err != nil {
				return err
			}
			// The bookkeeping table is created in the same transaction as
			// the first migration: a failure leaves no trace of either.
			if _, err := q.ExecContext(ctx, fmt.Sprintf(
				"CREATE TABLE IF NOT EXISTS %s (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at %s NOT NULL)",
				migrationsTable, s.d.timeType)); err != nil {
				return mapError(err)
			}
			var one int
			err := q.QueryRowContext(ctx, s.d.rebind("SELECT 1 FROM "+migrationsTable+" WHERE version = ?"), m.Version).Scan(&one)
			if err == nil {
				skipped = true
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return mapError(err)
			}
			skipped = false
			if m.Version == first {
				if err := tx.refuseForeignTables(ctx); err != nil {
					return err
				}
			}
			for _, stmt := range splitStatements(body) {
				if _, err := q.ExecContext(ctx, stmt); err != nil {
					return mapError(fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err))
				}
			}
			_, err = q.ExecContext(ctx, s.d.rebind("INSERT INTO "+migrationsTable+" (version, name, applied_at) VALUES (?, ?, ?)"),
				m.Version, m.Name, s.timeArg(time.Now()))
			return mapError(err)
		})
		if err != nil {
			return done, err
		}
		if skipped {
			continue
		}
		now := time.Now().UTC()
		m.Applied = &now
		done = append(done, m)
	}
	return done, nil
}

// refuseForeignTables stops a first migration when tables of the authkit
// schema's names exist already: they belong to something else (an Auth.js
// schema forced with --schema authkit, another application).
func (s *Store) refuseForeignTables(ctx context.Context) error {
	present, err := s.tables(ctx)
	if err != nil {
		return err
	}
	if other, ok := detectProfile(s.engine, present); ok && other != ProfileAuthkit {
		return fmt.Errorf("%w: the database holds an %s schema; authkit will not add its own beside it: "+
			"use an empty database, or drop --schema to use the Auth.js tables as they are", store.ErrUnsupported, other)
	}
	native, _ := builtinProfile(ProfileAuthkit)
	var clash []string
	for _, t := range []string{native.Users.Table, native.Accounts.Table, native.Sessions.Table, native.Tokens.Table, native.Credentials, native.Events} {
		if slices.Contains(present, t) {
			clash = append(clash, t)
		}
	}
	if len(clash) == 0 {
		return nil
	}
	return fmt.Errorf("%w: the database already has tables named %s that authkit did not create (an Auth.js schema?); "+
		"authkit will not migrate over them: use an empty database, or drop --schema to use these tables as they are",
		store.ErrUnsupported, strings.Join(clash, ", "))
}

func splitStatements(body string) []string {
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			lines = append(lines, l)
		}
	}
	var out []string
	for _, stmt := range strings.Split(strings.Join(lines, "\n"), ";") {
		if strings.TrimSpace(stmt) != "" {
			out = append(out, strings.TrimSpace(stmt))
		}
	}
	return out
}
