package flow_test

import (
	"context"
	"sync"
	"testing"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// TestConcurrentFirstLogins: several first sign-ins of the same account
// at once make one user and one account (catalogue 2j), on both engines.
func TestConcurrentFirstLogins(t *testing.T) {
	stores := map[string]func(t *testing.T) store.Store{
		"sqlite":   func(t *testing.T) store.Store { return newStore(t) },
		"postgres": openPostgres,
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			idp := devidp.StartTest(t, devidp.Options{})
			st := open(t)
			e := newEngine(t, st, "", oidcProvider(idp, "dev"))
			ctx := context.Background()
			const n = 6
			starts := make([]*flow.Start, n)
			params := make([]map[string][]string, n)
			for i := range n {
				s, err := e.BeginSignIn(ctx, "dev", flow.BeginOptions{})
				if err != nil {
					t.Fatal(err)
				}
				starts[i], params[i] = s, authorize(t, s)
			}
			var wg sync.WaitGroup
			results := make([]*flow.Result, n)
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i], errs[i] = e.HandleCallback(ctx, flow.CallbackRequest{ProviderID: "dev", Params: params[i], Cookies: starts[i].Cookies})
				}()
			}
			wg.Wait()
			users := map[string]bool{}
			created := 0
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("sign-in %d: %v", i, errs[i])
				}
				users[results[i].User.ID] = true
				if results[i].Decision.Kind == flow.NewUser {
					created++
				}
			}
			c := rowCounts(t, st)
			if len(users) != 1 || created != 1 || c["users"] != 1 || c["accounts"] != 1 || c["sessions"] != n {
				t.Fatalf("%d user ids, %d created, rows %v", len(users), created, c)
			}
		})
	}
}

// openPostgres migrates a throwaway Postgres database (skipped, or failed
// under AUTHKIT_REQUIRE_ALL=1, without AUTHKIT_TEST_POSTGRES_URL).
func openPostgres(t *testing.T) store.Store {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, testenv.PostgresURL(t), sqlstore.Options{AllowUnmigrated: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}
