// Package storetest is the conformance suite every store.Store must pass.
//
// A store package runs it from its tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openFresh(t) }, storetest.Capabilities{...})
//	}
//
// open must return an empty store of its own (a fresh database) and
// arrange its cleanup with t.Cleanup. Capabilities says where the store
// legitimately differs (Auth.js schemas keep no events and compare emails
// exactly, for instance); everything else is the same for every store.
//
// Every negative case follows the REJECT contract of the security
// catalogue: a typed error that errors.Is an exported sentinel, and no row
// written (the row counts of every table are compared before and after).
package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

// Capabilities describes what differs between stores (schema profiles).
type Capabilities struct {
	// Events: the store keeps audit events: ListEvents works, and
	// MergeUsers and store.Unlink record events. Without it RecordEvent is
	// accepted and dropped and ListEvents returns store.ErrUnsupported.
	Events bool
	// NormalizedEmails: emails are kept normalised (store.NormalizeEmail),
	// so any variant finds the user and variants collide (authkit). Without
	// it emails are kept and compared exactly as given (Auth.js).
	NormalizedEmails bool
	// UniqueEmail: a second user with the same stored email is refused
	// with store.ErrConflict.
	UniqueEmail bool
	// EmailRequired: every user needs an email (the Prisma schema on
	// Postgres); creating one without is store.ErrInvalid.
	EmailRequired bool
	// DerivedSessionIDs: sessions have no id column and Session.ID is
	// derived from the token.
	DerivedSessionIDs bool
	// SerialIDs: user ids are integers the database assigns.
	SerialIDs bool
	// VerificationTokens: the store keeps email verification tokens;
	// without it both token methods return store.ErrUnsupported.
	VerificationTokens bool
	// RevokedTokens: the store keeps revoked JWT ids; without it
	// RevokeToken and TokenRevoked return store.ErrUnsupported.
	RevokedTokens bool
	// Passwords: the store keeps password hashes (a credentials table);
	// without it SetPassword and PasswordHash return store.ErrUnsupported.
	Passwords bool
	// Concurrency is the number of goroutines of the concurrency tests;
	// 0 means 8.
	Concurrency int
}

func (c Capabilities) workers() int {
	if c.Concurrency > 0 {
		return c.Concurrency
	}
	return 8
}

// Opener returns a fresh, empty store for one test and registers its
// cleanup on t.
type Opener func(t *testing.T) store.Store

type suite struct {
	caps Capabilities
}

// Run runs the conformance suite: one subtest per behaviour, each on a
// fresh store from open.
func Run(t *testing.T, open Opener, caps Capabilities) {
	s := suite{caps: caps}
	groups := []struct {
		name  string
		tests []test
	}{
		{"Users", s.userTests()},
		{"Accounts", s.accountTests()},
		{"Sessions", s.sessionTests()},
		{"VerificationTokens", s.tokenTests()},
		{"ListUsers", s.listTests()},
		{"Duplicates", s.duplicateTests()},
		{"Merge", s.mergeTests()},
		{"Events", s.eventTests()},
		{"RevokedTokens", s.revokedTests()},
		{"Passwords", s.passwordTests()},
		{"Tx", s.txTests()},
		{"Hostile", s.hostileTests()},
		{"Concurrency", s.concurrencyTests()},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					st := open(t)
					tc.run(t, st)
				})
			}
		})
	}
}

type test struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// when returns tests only for stores that have the capability: for the
// others they are not run at all, rather than skipped.
func when(capable bool, tests ...test) []test {
	if !capable {
		return nil
	}
	return tests
}

// Counts returns the number of rows of every table of the store, as Info
// reports them. A store whose Info names no tables is counted through
// ListUsers and ListSessions ("users", "accounts", "sessions").
func Counts(t testing.TB, s store.Store) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	out := map[string]int64{}
	for _, tc := range info.Tables {
		out[tc.Name] = tc.Rows
	}
	if len(out) == 0 {
		c := coreCounts(t, s)
		out["users"], out["accounts"], out["sessions"] = int64(c.Users), int64(c.Accounts), int64(c.Sessions)
	}
	return out
}

// AssertCounts fails t when the row counts of s differ from before.
func AssertCounts(t testing.TB, s store.Store, before map[string]int64) {
	t.Helper()
	after := Counts(t, s)
	if !maps.Equal(before, after) {
		t.Errorf("row counts changed:\n before %v\n after  %v", before, after)
	}
}

// Reject runs fn and asserts the REJECT contract: an error matching want
// (errors.Is) and no row written anywhere.
func Reject(t testing.TB, s store.Store, want error, fn func() error) error {
	t.Helper()
	before := Counts(t, s)
	err := fn()
	if !errors.Is(err, want) {
		t.Errorf("got error %v, want %v", err, want)
	}
	AssertCounts(t, s, before)
	return err
}

// core counts users, accounts and sessions through the Store interface.
type core struct{ Users, Accounts, Sessions int }

func coreCounts(t testing.TB, s store.Store) core {
	t.Helper()
	ctx := context.Background()
	var c core
	q := store.UserQuery{Limit: 1000}
	for {
		page, err := s.ListUsers(ctx, q)
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		for _, u := range page.Users {
			c.Users++
			c.Accounts += len(u.Accounts)
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	sessions, err := s.ListSessions(ctx, store.SessionQuery{})
	if err != nil {
		t.Fatalf("ListSessions: %v", err)
	}
	c.Sessions = len(sessions)
	return c
}

// --- helpers ---------------------------------------------------------------

var seq atomic.Int64

func uniq(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

// randomToken is a session or verification token as flows make them.
func randomToken() string { return rand.Text() }

func ctxOf(t *testing.T) context.Context { return t.Context() }

// ms is a time a store of any engine keeps exactly (millisecond precision).
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

var fixedTime = time.Date(2024, 5, 6, 7, 8, 9, 123_000_000, time.UTC)

func createUser(t *testing.T, s store.Store, email string) store.User {
	t.Helper()
	u, err := s.CreateUser(ctxOf(t), store.User{Name: "User " + email, Email: email})
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", email, err)
	}
	return u
}

func anyUser(t *testing.T, s store.Store) store.User {
	t.Helper()
	return createUser(t, s, uniq("user")+"@example.test")
}

func account(userID, provider, id string) store.Account {
	exp := int64(1893456000)
	return store.Account{UserID: userID, Type: "oauth", Provider: provider, ProviderAccountID: id,
		AccessToken: "at-" + id, RefreshToken: "rt-" + id, ExpiresAt: &exp, TokenType: "bearer",
		Scope: "read:user", IDToken: "idt-" + id, SessionState: "st-" + id}
}

func link(t *testing.T, s store.Store, userID, provider, id string) store.Account {
	t.Helper()
	a, err := s.LinkAccount(ctxOf(t), account(userID, provider, id))
	if err != nil {
		t.Fatalf("LinkAccount(%s, %s/%s): %v", userID, provider, id, err)
	}
	return a
}

func newSession(t *testing.T, s store.Store, userID string, expires time.Time) store.Session {
	t.Helper()
	sess, err := s.CreateSession(ctxOf(t), store.Session{UserID: userID, Token: randomToken(), Expires: ms(expires)})
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return sess
}

func mustGetUser(t *testing.T, s store.Store, id string) store.User {
	t.Helper()
	u, err := s.GetUser(ctxOf(t), id)
	if err != nil {
		t.Fatalf("GetUser(%s): %v", id, err)
	}
	return u
}

func notFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: got %v, want ErrNotFound", what, err)
	}
}

func sameUser(t *testing.T, got, want store.User) {
	t.Helper()
	if got.ID != want.ID || got.Name != want.Name || got.Email != want.Email || got.Image != want.Image ||
		!sameTimePtr(got.EmailVerified, want.EmailVerified) {
		t.Errorf("user differs:\n got  %s\n want %s", fmtUser(got), fmtUser(want))
	}
}

func fmtUser(u store.User) string {
	v := "<nil>"
	if u.EmailVerified != nil {
		v = u.EmailVerified.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("{id=%q name=%q email=%q verified=%s image=%q}", u.ID, u.Name, u.Email, v, u.Image)
}

func sameTimePtr(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func sameAccount(t *testing.T, got, want store.Account) {
	t.Helper()
	g, w := got, want
	g.ExpiresAt, w.ExpiresAt = nil, nil
	if g != w || (got.ExpiresAt == nil) != (want.ExpiresAt == nil) || (got.ExpiresAt != nil && *got.ExpiresAt != *want.ExpiresAt) {
		t.Errorf("account differs:\n got  %+v\n want %+v", got, want)
	}
}

func ids(users []store.UserWithAccounts) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}

func sessionIDs(sessions []store.Session) []string {
	out := make([]string, len(sessions))
	for i, s := range sessions {
		out[i] = s.ID
	}
	return out
}

func errContains(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("no error, want one mentioning %q", parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func sortedStrings(v []string) []string {
	v = slices.Clone(v)
	slices.Sort(v)
	return v
}
