package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/storetest"
)

// migratedSQLite returns the URL of a migrated authkit SQLite file.
func migratedSQLite(t testing.TB) (url, path string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "authkit.db")
	url = "sqlite:" + path
	prepare(t, url, ProfileAuthkit, EngineSQLite)
	return url, path
}

func openURL(t testing.TB, url string, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSQLitePragmasOnEveryConnection holds several pooled connections at
// once (so each is a new one) and reads the per-connection settings (R12,
// catalogue 158).
func TestSQLitePragmasOnEveryConnection(t *testing.T) {
	ctx := context.Background()
	url, _ := migratedSQLite(t)
	s := openURL(t, url, Options{})
	const n = 6
	conns := make([]*sql.Conn, n)
	for i := range conns {
		c, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	if st := s.DB().Stats(); st.OpenConnections < n {
		t.Fatalf("%d open connections, want %d distinct ones", st.OpenConnections, n)
	}
	for i, c := range conns {
		for _, p := range []struct {
			pragma string
			want   string
		}{
			{"foreign_keys", "1"},
			{"busy_timeout", "10000"},
			{"synchronous", "1"},
			{"journal_mode", "wal"},
		} {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != p.want {
				t.Errorf("connection %d: PRAGMA %s = %s, want %s", i, p.pragma, got, p.want)
			}
		}
	}
	// And foreign keys are enforced on a fresh connection: deleting
	// through it cascades.
	for _, c := range conns {
		c.Close()
	}
	s.DB().SetMaxIdleConns(0)
	u, err := s.CreateUser(ctx, store.User{Email: "fk@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LinkAccount(ctx, store.Account{UserID: u.ID, Type: "oauth", Provider: "p", ProviderAccountID: "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "DELETE FROM users WHERE id = ?", u.ID); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM accounts").Scan(&left); err != nil || left != 0 {
		t.Errorf("a raw DELETE on a fresh connection left %d accounts (%v): foreign keys are off", left, err)
	}
	if _, err := s.DB().ExecContext(ctx, "INSERT INTO sessions (id, token_hash, user_id, expires, created_at, updated_at) VALUES ('s', 'h', 'nobody', 0, 0, 0)"); !errors.Is(mapError(err), store.ErrNotFound) {
		t.Errorf("a session of an unknown user: %v, want a foreign key violation", err)
	}
}

// TestSQLitePaths opens files whose names need escaping in a SQLite URI.
func TestSQLitePaths(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, name := range []string{"with space.db", "percent%41.db", "hash#1.db", "ünïcode.db"} {
		path := filepath.Join(dir, name)
		s, err := Open(ctx, "sqlite:"+path, Options{Create: true, AllowUnmigrated: true})
		if err != nil {
			t.Errorf("Open(%q): %v", name, err)
			continue
		}
		_, err = s.Migrate(ctx)
		s.Close()
		if err != nil {
			t.Errorf("Migrate(%q): %v", name, err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the file %q was not created where asked: %v", name, err)
		}
	}
	if _, err := Open(ctx, "sqlite:"+filepath.Join(dir, "missing.db"), Options{}); !errors.Is(err, store.ErrNotMigrated) {
		t.Errorf("Open of a missing file without Create: %v, want ErrNotMigrated", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Error("Open without Create created the file")
	}
	if _, err := Open(ctx, "sqlite:"+filepath.Join(dir, "no", "such", "dir.db"), Options{Create: true}); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open in a missing directory: %v, want ErrUnavailable", err)
	}
}

func integrityOK(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check = %q, %v", res, err)
	}
	rows, err := db.Query("PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Error("foreign_key_check reports violations")
	}
}

// TestSQLiteFull fills a capped file (R8): the failing write returns
// ErrStorageFull and writes nothing, the file stays sound, and writes work
// again without the cap.
func TestSQLiteFull(t *testing.T) {
	ctx := context.Background()
	url, path := migratedSQLite(t)
	var pages int
	func() {
		s := openURL(t, url, Options{})
		defer s.Close()
		if err := s.DB().QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
			t.Fatal(err)
		}
	}()
	capped := fmt.Sprintf("%s?max_page_count=%d", url, pages+6)
	s := openURL(t, capped, Options{})
	big := strings.Repeat("x", 2000)
	var fullErr error
	var before map[string]int64
	for i := range 200 {
		before = storetest.Counts(t, s)
		_, _, err := s.CreateUserAndAccount(ctx, store.User{Name: big, Email: fmt.Sprintf("full%d@example.test", i), Image: big},
			store.Account{Type: "oauth", Provider: "github", ProviderAccountID: fmt.Sprint(i), AccessToken: big})
		if err != nil {
			fullErr = err
			break
		}
	}
	if !errors.Is(fullErr, store.ErrStorageFull) {
		t.Fatalf("filling the file: %v, want ErrStorageFull", fullErr)
	}
	storetest.AssertCounts(t, s, before)
	// A session and an event are refused the same way.
	if _, err := s.RevokeSessions(ctx, store.SessionQuery{UserID: "nobody"}); err != nil {
		t.Errorf("a write of nothing on a full file: %v", err)
	}
	s.Close()
	integrityOK(t, path)

	s2 := openURL(t, url, Options{})
	if _, err := s2.CreateUser(ctx, store.User{Name: big, Email: "after@example.test"}); err != nil {
		t.Errorf("write after lifting the cap: %v", err)
	}
	integrityOK(t, path)
}

// TestSQLiteReadOnly: mode=ro (and a read-only file when not root) refuse
// every write with ErrReadOnly and write nothing (R9).
func TestSQLiteReadOnly(t *testing.T) {
	ctx := context.Background()
	url, path := migratedSQLite(t)
	func() {
		s := openURL(t, url, Options{})
		defer s.Close()
		u, err := s.CreateUser(ctx, store.User{Email: "ro@example.test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateSession(ctx, store.Session{UserID: u.ID, Token: "ro-token", Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}()
	check := func(t *testing.T, s *Store) {
		u, err := s.GetUserByEmail(ctx, "ro@example.test")
		if err != nil {
			t.Fatalf("a read on a read-only store: %v", err)
		}
		writes := map[string]func() error{
			"CreateUser": func() error { _, err := s.CreateUser(ctx, store.User{Email: "new@example.test"}); return err },
			"CreateUserAndAccount": func() error {
				_, _, err := s.CreateUserAndAccount(ctx, store.User{Email: "new@example.test"}, store.Account{Type: "oauth", Provider: "p", ProviderAccountID: "1"})
				return err
			},
			"LinkAccount": func() error {
				_, err := s.LinkAccount(ctx, store.Account{UserID: u.ID, Type: "oauth", Provider: "p", ProviderAccountID: "1"})
				return err
			},
			"UpdateSession": func() error { _, err := s.UpdateSession(ctx, "ro-token", time.Now()); return err },
			"DeleteUser":    func() error { return s.DeleteUser(ctx, u.ID) },
			"RevokeSessions": func() error {
				_, err := s.RevokeSessions(ctx, store.SessionQuery{UserID: u.ID})
				return err
			},
			"RecordEvent": func() error { return s.RecordEvent(ctx, store.Event{Type: "x"}) },
		}
		for name, w := range writes {
			t.Run(name, func(t *testing.T) { storetest.Reject(t, s, store.ErrReadOnly, w) })
		}
	}
	t.Run("mode=ro", func(t *testing.T) {
		check(t, openURL(t, url+"?mode=ro", Options{}))
	})
	t.Run("chmod 0444", func(t *testing.T) {
		if os.Geteuid() == 0 {
			// root writes through file permissions; mode=ro above covers
			// the read-only path.
			return
		}
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if err := os.Chmod(p, 0o444); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
		}
		t.Cleanup(func() {
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				os.Chmod(p, 0o644)
			}
		})
		s, err := Open(ctx, url, Options{})
		if err != nil {
			if !errors.Is(err, store.ErrReadOnly) && !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("Open of a read-only file: %v", err)
			}
			return
		}
		t.Cleanup(func() { s.Close() })
		check(t, s)
	})
	integrityOK(t, path)
}

// TestSQLiteConcurrentWriters runs many sign-ups at once from one store
// and, at the same time, another store on the same file (another process,
// the CLI): no "database is locked" reaches a caller and the counts are
// exact (R10). Auth.js files keep their journal mode (authkit never changes
// it), so this runs on them too.
func TestSQLiteConcurrentWriters(t *testing.T) {
	for _, profile := range []string{ProfileAuthkit, ProfileAuthjsPrisma, ProfileAuthjsDrizzle} {
		t.Run(profile, func(t *testing.T) { concurrentWriters(t, profile) })
	}
}

func concurrentWriters(t *testing.T, profile string) {
	ctx := context.Background()
	url := newDatabase(t, EngineSQLite)
	prepare(t, url, profile, EngineSQLite)
	s := openURL(t, url, Options{})
	cli := openURL(t, url, Options{})
	workers, per := 20, 50
	if raceEnabled {
		per = 10
	}
	if profile != ProfileAuthkit {
		per /= 2
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*per*2+1000)
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				u, _, err := s.CreateUserAndAccount(ctx, store.User{Email: fmt.Sprintf("w%d-%d@example.test", w, i)},
					store.Account{Type: "oauth", Provider: "github", ProviderAccountID: fmt.Sprintf("%d-%d", w, i)})
				if err != nil {
					errs <- err
					continue
				}
				if _, err := s.CreateSession(ctx, store.Session{UserID: u.ID, Token: fmt.Sprintf("t-%d-%d", w, i), Expires: time.Now().Add(time.Hour)}); err != nil {
					errs <- err
				}
				if _, _, err := s.GetSessionAndUser(ctx, fmt.Sprintf("t-%d-%d", w, i)); err != nil {
					errs <- err
				}
			}
		})
	}
	done := make(chan struct{})
	var cliWrites int
	var cliWG sync.WaitGroup
	cliWG.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := cli.RevokeSessions(ctx, store.SessionQuery{ExpiredAt: time.Now().Add(-time.Hour)}); err != nil {
				errs <- fmt.Errorf("cli: %w", err)
			}
			if _, err := cli.CreateUser(ctx, store.User{Email: fmt.Sprintf("cli%d@example.test", cliWrites)}); err != nil {
				errs <- fmt.Errorf("cli: %w", err)
			}
			cliWrites++
			time.Sleep(time.Millisecond)
		}
	})
	wg.Wait()
	close(done)
	cliWG.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a writer got: %v", err)
	}
	counts := storetest.Counts(t, s)
	want := int64(workers * per)
	p := s.prof
	if counts[p.Users.Table] != want+int64(cliWrites) || counts[p.Accounts.Table] != want || counts[p.Sessions.Table] != want {
		t.Errorf("counts = %v, want %d users, %d accounts and sessions", counts, want+int64(cliWrites), want)
	}
	s.Close()
	cli.Close()
	integrityOK(t, strings.TrimPrefix(url, "sqlite:"))
}
