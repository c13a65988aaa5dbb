package flow_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/password"
	"github.com/authkit-dev/authkit/pkg/store"
)

// BenchmarkCredentialsSignIn is a whole password sign-in through the
// engine (user lookup, password read, argon2id verification under the
// process's budget, session issued) against a migrated SQLite store: with
// JWT sessions, with database sessions (a session row and an event per
// sign-in), and refused for an unknown user (the dummy verification),
// which should cost what a sign-in's verification costs. The argon2id
// verification is most of it; compare with pkg/password's BenchmarkVerify.
// argon2-ops/op counts the computations per sign-in (1 in each case).
func BenchmarkCredentialsSignIn(b *testing.B) {
	for _, tc := range []struct {
		name     string
		strategy flow.Strategy
		email    string
	}{
		{"jwt", flow.JWT, "ada@example.com"},
		{"database", flow.Database, "ada@example.com"},
		{"unknown-user", flow.JWT, "nobody@example.com"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			st := newBenchStore(b)
			u, err := st.CreateUser(ctx, store.User{Email: "ada@example.com", Name: "Ada"})
			if err != nil {
				b.Fatal(err)
			}
			h, err := password.Hash("correct horse battery")
			if err != nil {
				b.Fatal(err)
			}
			if err := st.SetPassword(ctx, u.ID, h); err != nil {
				b.Fatal(err)
			}
			// The clock moves an hour per sign-in, so the refusals of the
			// unknown user never reach the throttle's wait.
			var clock atomic.Int64
			clock.Store(time.Now().UnixNano())
			e, err := flow.New(flow.Config{Secrets: []string{testSecret}, BaseURL: baseURL, Store: st, Strategy: tc.strategy,
				Credentials: true, Now: func() time.Time { return time.Unix(0, clock.Add(int64(time.Hour))) }})
			if err != nil {
				b.Fatal(err)
			}
			work := password.Default().Stats().Completed
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				n++
				_, err := e.SignInWithPassword(ctx, tc.email, "correct horse battery", "192.0.2.1", flow.CallbackRequest{})
				if tc.email == "ada@example.com" && err != nil || tc.email != "ada@example.com" && !errors.Is(err, flow.ErrBadCredentials) {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(password.Default().Stats().Completed-work)/float64(n), "argon2-ops/op")
		})
	}
}
