package sqlstore

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/storetest"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// mergeFixture is a target and two sources with accounts and sessions,
// plus a bystander.
type mergeFixture struct {
	target, src1, src2, bystander store.User
}

func newMergeFixture(t testing.TB, s store.Store) mergeFixture {
	t.Helper()
	ctx := context.Background()
	var f mergeFixture
	mk := func(email, name string, accounts ...string) store.User {
		u, err := s.CreateUser(ctx, store.User{Email: email, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range accounts {
			if _, err := s.LinkAccount(ctx, store.Account{UserID: u.ID, Type: "oauth", Provider: "github", ProviderAccountID: a}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateSession(ctx, store.Session{UserID: u.ID, Token: "tok-" + a, Expires: fixedNow}); err != nil {
				t.Fatal(err)
			}
		}
		return u
	}
	f.target = mk("target@example.test", "", "t1")
	f.src1 = mk("src1@example.test", "Source One", "s1a", "s1b")
	f.src2 = mk("src2@example.test", "Source Two", "s2")
	f.bystander = mk("by@example.test", "By", "b1")
	return f
}

// snapshot renders who owns what: every user, account and session.
func snapshot(t testing.TB, s store.Store) string {
	t.Helper()
	ctx := context.Background()
	page, err := s.ListUsers(ctx, store.UserQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, u := range page.Users {
		fmt.Fprintf(&b, "user %s %q %q\n", u.ID, u.Email, u.Name)
		for _, a := range u.Accounts {
			fmt.Fprintf(&b, "  account %s/%s\n", a.Provider, a.ProviderAccountID)
		}
	}
	sessions, err := s.ListSessions(ctx, store.SessionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sess := range sessions {
		fmt.Fprintf(&b, "session %s of %s\n", sess.ID, sess.UserID)
	}
	if evs, err := s.ListEvents(ctx, store.EventQuery{Limit: 1000}); err == nil {
		fmt.Fprintf(&b, "%d events\n", len(evs))
	}
	return b.String()
}

// sqliteSound checks integrity_check and foreign_key_check on a store's
// SQLite database; nothing on Postgres.
func sqliteSound(t testing.TB, s *Store) {
	t.Helper()
	if s.Engine() != EngineSQLite {
		return
	}
	var res string
	if err := s.DB().QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check = %q, %v", res, err)
	}
	var n int
	if err := s.DB().QueryRow("SELECT count(*) FROM pragma_foreign_key_check").Scan(&n); err != nil || n != 0 {
		t.Errorf("foreign_key_check: %d violations, %v", n, err)
	}
}

var errFailpoint = errors.New("failpoint")

// TestMergeFailpoints fails a merge between each pair of its statements,
// by an error and by cancelling its context, and checks that nothing of it
// stays (catalogue 157), on every profile.
func TestMergeFailpoints(t *testing.T) {
	forEachProfile(t, func(t *testing.T, pc profileCase) {
		ctx := context.Background()
		s := openProfile(t, pc.profile, pc.engine)
		f := newMergeFixture(t, s)
		sources := []string{f.src1.ID, f.src2.ID}

		// Find the points of a merge: run one and roll it back.
		var points []string
		s.hook = func(_ context.Context, p string) error {
			if !slices.Contains(points, p) {
				points = append(points, p)
			}
			return nil
		}
		errRollback := errors.New("roll back")
		err := s.WithTx(ctx, func(tx store.Store) error {
			if _, err := tx.MergeUsers(ctx, f.target.ID, sources, false); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("probe merge: %v", err)
		}
		points = slices.DeleteFunc(points, func(p string) bool { return strings.HasPrefix(p, "tx:") })
		points = append(points, "tx:commit")
		for _, want := range []string{"merge:target-locked", "merge:sources-locked", "merge:deleted-source", "merge:filled-target"} {
			if !slices.Contains(points, want) {
				t.Fatalf("the merge never reached %s; points %v", want, points)
			}
		}

		before := snapshot(t, s)
		counts := storetest.Counts(t, s)
		for _, p := range points {
			for _, mode := range []string{"error", "cancel"} {
				t.Run(p+"/"+mode, func(t *testing.T) {
					mctx, cancel := context.WithCancel(ctx)
					defer cancel()
					fired := false
					s.hook = func(_ context.Context, at string) error {
						if at != p || fired {
							return nil
						}
						fired = true
						if mode == "cancel" {
							cancel()
							return nil
						}
						return errFailpoint
					}
					_, err := s.MergeUsers(mctx, f.target.ID, sources, false)
					s.hook = nil
					if !fired {
						t.Fatalf("failpoint %s not reached", p)
					}
					want := errFailpoint
					if mode == "cancel" {
						want = context.Canceled
					}
					if !errors.Is(err, want) {
						t.Errorf("merge failed at %s with %v, want %v", p, err, want)
					}
					if after := snapshot(t, s); after != before {
						t.Errorf("a merge failed at %s changed the data:\nbefore:\n%s\nafter:\n%s", p, before, after)
					}
					storetest.AssertCounts(t, s, counts)
					sqliteSound(t, s)
				})
			}
		}
		// After all that, the merge still works.
		if _, err := s.MergeUsers(ctx, f.target.ID, sources, false); err != nil {
			t.Fatalf("merge after the failpoints: %v", err)
		}
		if owner, err := s.GetUserByAccount(ctx, "github", "s2"); err != nil || owner.ID != f.target.ID {
			t.Errorf("after the merge github/s2 belongs to %v, %v", owner.ID, err)
		}
		sqliteSound(t, s)
	})
}

// TestSignupFailpoint fails CreateUserAndAccount between the user and the
// account: no user without an account stays (catalogue 156).
func TestSignupFailpoint(t *testing.T) {
	forEachProfile(t, func(t *testing.T, pc profileCase) {
		ctx := context.Background()
		s := openProfile(t, pc.profile, pc.engine)
		for _, mode := range []string{"error", "cancel"} {
			before := storetest.Counts(t, s)
			cctx, cancel := context.WithCancel(ctx)
			s.hook = func(_ context.Context, at string) error {
				if at != "signup:user-created" {
					return nil
				}
				if mode == "cancel" {
					cancel()
					return nil
				}
				return errFailpoint
			}
			_, _, err := s.CreateUserAndAccount(cctx, store.User{Email: "half@example.test"}, store.Account{Type: "oauth", Provider: "github", ProviderAccountID: "half"})
			s.hook = nil
			cancel()
			if err == nil {
				t.Fatalf("%s: CreateUserAndAccount succeeded through the failpoint", mode)
			}
			storetest.AssertCounts(t, s, before)
			if _, err := s.GetUserByEmail(ctx, "half@example.test"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: a half sign-up left its user: %v", mode, err)
			}
		}
	})
}

// TestKillMidMerge kills -9 a process in the middle of a merge (R13,
// catalogue 157): after it, the data is as before and sound.
func TestKillMidMerge(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		url := newDatabase(t, engine)
		prepare(t, url, ProfileAuthkit, engine)
		s := openURL(t, url, Options{})
		f := newMergeFixture(t, s)
		before := snapshot(t, s)
		counts := storetest.Counts(t, s)

		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMergeProcess$", "-test.v")
		cmd.Env = append(os.Environ(), "AUTHKIT_HELPER_MERGE_URL="+url,
			"AUTHKIT_HELPER_MERGE_IDS="+strings.Join([]string{f.target.ID, f.src1.ID, f.src2.ID}, ","))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		paused := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "PAUSED-MID-MERGE") {
					paused <- true
				}
			}
			close(paused)
		}()
		select {
		case ok := <-paused:
			if !ok {
				cmd.Wait()
				t.Fatal("the helper ended without reaching the middle of the merge")
			}
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			t.Fatal("the helper never reached the middle of the merge")
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		cmd.Wait()

		s.Close()
		s2 := openURL(t, url, Options{})
		if after := snapshot(t, s2); after != before {
			t.Errorf("a killed merge changed the data:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		storetest.AssertCounts(t, s2, counts)
		sqliteSound(t, s2)
		// The locks of the dead process are gone: the merge runs now.
		mctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := s2.MergeUsers(mctx, f.target.ID, []string{f.src1.ID, f.src2.ID}, false); err != nil {
			t.Fatalf("merge after the kill: %v", err)
		}
	})
}

// TestHelperMergeProcess is the process TestKillMidMerge kills: it starts
// a merge, says so, and waits in its middle.
func TestHelperMergeProcess(t *testing.T) {
	url := os.Getenv("AUTHKIT_HELPER_MERGE_URL")
	if url == "" {
		return
	}
	ids := strings.Split(os.Getenv("AUTHKIT_HELPER_MERGE_IDS"), ",")
	s, err := Open(context.Background(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.hook = func(_ context.Context, at string) error {
		if at == "merge:deleted-source" {
			fmt.Println("PAUSED-MID-MERGE")
			os.Stdout.Sync()
			time.Sleep(time.Minute)
		}
		return nil
	}
	_, err = s.MergeUsers(context.Background(), ids[0], ids[1:], false)
	t.Fatalf("the merge ended (%v) instead of being killed", err)
}

// TestConcurrentMerges runs two merges in opposite directions at once. On
// Postgres both first lock their target and then wait for each other's:
// a deadlock, which WithTx retries (R5). Either way one merge wins, the
// other finds its user gone, and no row is lost.
func TestConcurrentMerges(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := openProfile(t, ProfileAuthkit, engine)
		f := newMergeFixture(t, s)
		counts := storetest.Counts(t, s)

		type who struct{}
		var begins atomic.Int32
		var arrived sync.WaitGroup
		arrived.Add(2)
		released := make(chan struct{})
		var once [2]sync.Once
		if engine == EnginePostgres {
			s.hook = func(ctx context.Context, at string) error {
				switch at {
				case "tx:begin":
					begins.Add(1)
				case "merge:target-locked":
					i := ctx.Value(who{}).(int)
					once[i].Do(func() {
						arrived.Done()
						select {
						case <-released:
						case <-time.After(10 * time.Second):
						}
					})
				}
				return nil
			}
			go func() { arrived.Wait(); close(released) }()
		}
		pairs := [2][2]string{{f.src1.ID, f.src2.ID}, {f.src2.ID, f.src1.ID}}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, p := range pairs {
			wg.Go(func() {
				_, errs[i] = s.MergeUsers(context.WithValue(ctx, who{}, i), p[0], []string{p[1]}, false)
			})
		}
		wg.Wait()
		s.hook = nil
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("merges ended with %v and %v; want one success and one not found", errs[0], errs[1])
		}
		winner := 0
		if errs[0] != nil {
			winner = 1
		}
		if !errors.Is(errs[1-winner], store.ErrNotFound) {
			t.Errorf("the losing merge: %v, want ErrNotFound", errs[1-winner])
		}
		if engine == EnginePostgres && begins.Load() < 3 {
			t.Errorf("%d transactions began; want a deadlock retry (3)", begins.Load())
		}
		survivor := pairs[winner][0]
		for _, acct := range []string{"s1a", "s1b", "s2"} {
			if owner, err := s.GetUserByAccount(ctx, "github", acct); err != nil || owner.ID != survivor {
				t.Errorf("github/%s belongs to %v (%v), want %s", acct, owner.ID, err, survivor)
			}
		}
		after := storetest.Counts(t, s)
		want := maps.Clone(counts)
		want["users"]--
		want["auth_events"]++
		if !maps.Equal(after, want) {
			t.Errorf("counts %v, want %v", after, want)
		}
	})
}

// TestPostgresTerminatedConnection kills the server side of the pooled
// connections, as a Postgres restart does (R4). Reads retry on a fresh
// connection and never fail; a write fails at most once, with
// ErrUnavailable, and running it again creates no duplicate.
func TestPostgresTerminatedConnection(t *testing.T) {
	ctx := context.Background()
	url := newDatabase(t, EnginePostgres)
	prepare(t, url, ProfileAuthkit, EnginePostgres)
	s := openURL(t, url, Options{})
	u, err := s.CreateUser(ctx, store.User{Email: "r4@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateSession(ctx, store.Session{UserID: u.ID, Token: "r4", Expires: fixedNow}); err != nil {
		t.Fatal(err)
	}
	admin := rawDB(t, url)
	terminate := func() {
		t.Helper()
		// Warm several pooled connections, then end every backend of this
		// database but the admin's.
		parallelReads := make(chan error, 4)
		for range 4 {
			go func() { _, err := s.GetUser(ctx, u.ID); parallelReads <- err }()
		}
		for range 4 {
			if err := <-parallelReads; err != nil {
				t.Fatal(err)
			}
		}
		var killed int
		if err := admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&killed); err != nil {
			t.Fatal(err)
		}
		if killed == 0 {
			t.Fatal("no backend to terminate")
		}
	}
	for round := range 3 {
		terminate()
		for i := range 6 {
			if _, err := s.GetUser(ctx, u.ID); err != nil {
				t.Errorf("round %d: read %d after pg_terminate_backend: %v", round, i, err)
			}
			if _, _, err := s.GetSessionAndUser(ctx, "r4"); err != nil {
				t.Errorf("round %d: session read %d after pg_terminate_backend: %v", round, i, err)
			}
		}
		terminate()
		email := fmt.Sprintf("after%d@example.test", round)
		failures := 0
		for {
			_, err := s.CreateUser(ctx, store.User{Email: email})
			if err == nil {
				break
			}
			failures++
			if !errors.Is(err, store.ErrUnavailable) || failures > 1 {
				t.Fatalf("round %d: write attempt %d after pg_terminate_backend: %v (want at most one ErrUnavailable)", round, failures, err)
			}
		}
		t.Logf("round %d: the write failed %d time(s)", round, failures)
		// Writes in a transaction rerun it when the connection died
		// before the commit: they do not fail at all.
		terminate()
		if _, _, err := s.CreateUserAndAccount(ctx, store.User{Email: fmt.Sprintf("tx%d@example.test", round)},
			store.Account{Type: "oauth", Provider: "github", ProviderAccountID: fmt.Sprint(round)}); err != nil {
			t.Errorf("round %d: CreateUserAndAccount after pg_terminate_backend: %v", round, err)
		}
	}
	var n int
	if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil || n != 7 {
		t.Errorf("%d users, want 7 (no duplicates, no losses)", n)
	}
}

// TestErrorMapping produces real constraint errors on both engines and
// checks their sentinels (catalogue 159).
func TestErrorMapping(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		url := newDatabase(t, engine)
		db := rawDB(t, url)
		execScript(t, db, `CREATE TABLE parent (id INTEGER PRIMARY KEY, u TEXT UNIQUE, nn TEXT NOT NULL)`)
		execScript(t, db, `CREATE TABLE child (pid INTEGER REFERENCES parent (id))`)
		execScript(t, db, `INSERT INTO parent (id, u, nn) VALUES (1, 'a', 'x')`)
		cases := []struct {
			name, stmt string
			want       error
			sqlite     int
			pg         string
		}{
			{"unique", `INSERT INTO parent (id, u, nn) VALUES (2, 'a', 'x')`, store.ErrConflict, 2067, "23505"},
			{"primary key", `INSERT INTO parent (id, u, nn) VALUES (1, 'b', 'x')`, store.ErrConflict, 1555, "23505"},
			{"not null", `INSERT INTO parent (id, u, nn) VALUES (3, 'c', NULL)`, store.ErrSchemaMismatch, 1299, "23502"},
			{"foreign key", `INSERT INTO child (pid) VALUES (42)`, store.ErrNotFound, 787, "23503"},
		}
		for _, tc := range cases {
			_, raw := db.ExecContext(ctx, tc.stmt)
			if raw == nil {
				t.Errorf("%s: no error", tc.name)
				continue
			}
			var se *sqlite.Error
			var pe *pgconn.PgError
			switch {
			case errors.As(raw, &se):
				if se.Code() != tc.sqlite {
					t.Errorf("%s: SQLite code %d, want %d", tc.name, se.Code(), tc.sqlite)
				}
			case errors.As(raw, &pe):
				if pe.Code != tc.pg {
					t.Errorf("%s: Postgres code %s, want %s", tc.name, pe.Code, tc.pg)
				}
			default:
				t.Errorf("%s: unexpected driver error %T %v", tc.name, raw, raw)
			}
			if err := mapError(raw); !errors.Is(err, tc.want) {
				t.Errorf("%s: mapError(%v) = %v, want %v", tc.name, raw, err, tc.want)
			}
			if transient(raw) {
				t.Errorf("%s: a constraint error counts as transient", tc.name)
			}
		}
	})
	t.Run("transient", func(t *testing.T) {
		for _, code := range []string{"40001", "40P01"} {
			if err := fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code}); !transient(err) || !transient(mapError(err)) {
				t.Errorf("Postgres %s is not transient", code)
			}
		}
		for _, code := range []string{"23505", "57P01", "42P01"} {
			if transient(&pgconn.PgError{Code: code}) {
				t.Errorf("Postgres %s counts as transient", code)
			}
		}
		// A real SQLITE_BUSY: a second connection without busy_timeout
		// wants the write lock another holds.
		path := t.TempDir() + "/busy.db"
		a, _ := sql.Open("sqlite", "file:"+path+"?mode=rwc")
		b, _ := sql.Open("sqlite", "file:"+path+"?mode=rwc")
		defer a.Close()
		defer b.Close()
		ctx := context.Background()
		ca, _ := a.Conn(ctx)
		cb, _ := b.Conn(ctx)
		defer ca.Close()
		defer cb.Close()
		if _, err := ca.ExecContext(ctx, "CREATE TABLE t (x)"); err != nil {
			t.Fatal(err)
		}
		if _, err := ca.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
		_, err := cb.ExecContext(ctx, "BEGIN IMMEDIATE")
		if err == nil || !transient(err) {
			t.Errorf("SQLITE_BUSY %v is not transient", err)
		}
		ca.ExecContext(ctx, "ROLLBACK")
	})
	t.Run("context", func(t *testing.T) {
		for _, err := range []error{context.Canceled, context.DeadlineExceeded, fmt.Errorf("x: %w", context.Canceled)} {
			if got := mapError(err); got != err {
				t.Errorf("mapError(%v) = %v, want it unchanged", err, got)
			}
		}
	})
}

// TestUnreachable opens unreachable or malformed databases: each fails
// fast with ErrUnavailable, and no error text contains the password (R1).
func TestUnreachable(t *testing.T) {
	const secret = "s3cretPW"
	pg := os.Getenv("AUTHKIT_TEST_POSTGRES_URL")
	urls := []string{
		"postgres://u:" + secret + "@127.0.0.1:1/db?sslmode=disable",
		"postgresql://u:" + secret + "@127.0.0.1:1/db?connect_timeout=1&sslmode=disable",
		"postgres://u:" + secret + "@host.invalid/db?sslmode=disable",
		"postgres://u:" + secret + "@127.0.0.1:badport/db",
		"postgres://u:" + secret + "@127.0.0.1:1/db?sslmode=bogus",
		"postgres://u:p%40" + secret + "@127.0.0.1:1/db?sslmode=disable",
		"postgres://u:" + secret + "/x@127.0.0.1:1/db?sslmode=disable",
		"postgres://u@127.0.0.1:1/db?password=" + secret + "&sslmode=disable",
		"postgres:/u:" + secret + "@127.0.0.1/db",
		"postgres:u:" + secret + "@127.0.0.1/db",
		"host=127.0.0.1 user=u password=" + secret + " dbname=db",
		"mysql://u:" + secret + "@127.0.0.1/db",
		"postgres://u:" + secret + "@/db",
	}
	if pg != "" {
		// A server that is up, with a role or database that is not.
		urls = append(urls, pgVariant(t, pg, "no_such_role_x", secret, ""), pgVariant(t, pg, "", "", "no_such_db_x"))
	} else if testenv.RequireAll() {
		t.Fatal("AUTHKIT_REQUIRE_ALL=1 but AUTHKIT_TEST_POSTGRES_URL is not set")
	}
	for _, raw := range urls {
		t.Run(RedactURL(raw), func(t *testing.T) {
			start := time.Now()
			s, err := Open(context.Background(), raw, Options{ConnectTimeout: 3 * time.Second})
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded", RedactURL(raw))
			}
			t.Log(err)
			if !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("Open: %v, want ErrUnavailable", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error reveals the password: %v", err)
			}
			if d := time.Since(start); d > 8*time.Second {
				t.Errorf("Open took %s", d)
			}
		})
	}
}

// pgVariant returns the base URL with another user and password, or
// another database, where they are not empty.
func pgVariant(t *testing.T, base, user, password, db string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		u.User = url.UserPassword(user, password)
	}
	if db != "" {
		u.Path = "/" + db
	}
	return u.String()
}

func TestMapErrorIdempotent(t *testing.T) {
	raw := fmt.Errorf("insert: %w", &pgconn.PgError{Code: "23505", Message: "duplicate key"})
	once := mapError(raw)
	if twice := mapError(once); twice.Error() != once.Error() || !errors.Is(twice, store.ErrConflict) {
		t.Errorf("mapError twice = %q, once = %q", twice, once)
	}
	if strings.Count(once.Error(), store.ErrConflict.Error()) != 1 {
		t.Errorf("mapError = %q", once)
	}
}
