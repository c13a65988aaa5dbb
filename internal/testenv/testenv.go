// Package testenv gives tests the real services they need (a throwaway
// Postgres database, node, chromium) and enforces AUTHKIT_REQUIRE_ALL: when
// it is set, a missing dependency fails the test instead of skipping it.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// RequireAll reports whether AUTHKIT_REQUIRE_ALL is set (CI sets it).
func RequireAll() bool { return os.Getenv("AUTHKIT_REQUIRE_ALL") == "1" }

// Missing skips the test because a dependency is missing, or fails it when
// AUTHKIT_REQUIRE_ALL=1.
func Missing(t testing.TB, what string) {
	t.Helper()
	if RequireAll() {
		t.Fatalf("AUTHKIT_REQUIRE_ALL=1 but %s", what)
	}
	t.Skipf("skipping: %s (set it up, or see the README)", what)
}

// PostgresURL creates a throwaway database on the server named by
// AUTHKIT_TEST_POSTGRES_URL, drops it when the test ends, and returns its URL.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("AUTHKIT_TEST_POSTGRES_URL")
	if base == "" {
		Missing(t, "AUTHKIT_TEST_POSTGRES_URL is not set")
	}
	dbURL, drop, err := CreatePostgresDB(context.Background(), base)
	if errors.Is(err, errUnreachable) {
		Missing(t, err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return dbURL
}

var errUnreachable = errors.New("the Postgres server of AUTHKIT_TEST_POSTGRES_URL is unreachable")

// CreatePostgresDB creates a database with a random name on the server of
// base and returns its URL and a function that drops it.
func CreatePostgresDB(ctx context.Context, base string) (string, func() error, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("AUTHKIT_TEST_POSTGRES_URL is malformed: %v", err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("%w: %v", errUnreachable, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "authkit_t_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create throwaway database: %v", err)
	}
	drop := func() error {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop throwaway database %s: %v", name, err)
		}
		return nil
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// Command returns the path of an executable, or skips (fails under
// AUTHKIT_REQUIRE_ALL) when it is not installed.
func Command(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" is not installed")
	}
	return p
}

var (
	rootOnce sync.Once
	rootDir  string
)

// RepoRoot returns the directory of the module's go.mod (from `go env
// GOMOD`, or by walking up from the working directory), for tests that
// read the repository's testdata from another package.
func RepoRoot(t testing.TB) string {
	t.Helper()
	rootOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if gomod := strings.TrimSpace(string(out)); err == nil && gomod != "" && gomod != os.DevNull {
			rootDir = filepath.Dir(gomod)
			return
		}
		dir, err := os.Getwd()
		for err == nil {
			if _, serr := os.Stat(filepath.Join(dir, "go.mod")); serr == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return
			}
			dir = parent
		}
	})
	if rootDir == "" {
		t.Fatal("cannot find the module root (go.mod)")
	}
	return rootDir
}
