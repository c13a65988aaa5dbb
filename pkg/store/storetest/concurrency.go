package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/authkit-dev/authkit/pkg/store"
)

// parallel runs fn(i) for i in [0, n) at once (released together) and
// returns the errors by i.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// tally counts successes and errors matching loss; any other error fails t.
func tally(t *testing.T, errs []error, loss error) (wins, losses int) {
	t.Helper()
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, loss):
			losses++
		default:
			t.Errorf("goroutine %d: unexpected error %v", i, err)
		}
	}
	return wins, losses
}

func (s suite) concurrencyTests() []test {
	caps := s.caps
	n := caps.workers()
	return []test{
		{"LinkSameAccount", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			users := make([]store.User, n)
			for i := range users {
				users[i] = anyUser(t, st)
			}
			before := coreCounts(t, st)
			errs := parallel(n, func(i int) error {
				_, err := st.LinkAccount(ctx, account(users[i].ID, "github", "contested"))
				return err
			})
			wins, losses := tally(t, errs, store.ErrConflict)
			if wins != 1 || losses != n-1 {
				t.Fatalf("%d links won, %d conflicts; want exactly one winner of %d", wins, losses, n)
			}
			winner := ""
			for i, err := range errs {
				if err == nil {
					winner = users[i].ID
				}
			}
			owner, err := st.GetUserByAccount(ctx, "github", "contested")
			if err != nil || owner.ID != winner {
				t.Errorf("owner = %v (%v), want the winner %s", owner.ID, err, winner)
			}
			for i, err := range errs {
				var ce *store.ConflictError
				if err != nil && (!errors.As(err, &ce) || (ce.OwnerID != "" && ce.OwnerID != winner)) {
					t.Errorf("goroutine %d: %v, want a ConflictError naming %s", i, err, winner)
				}
			}
			if after, want := coreCounts(t, st), (core{before.Users, before.Accounts + 1, before.Sessions}); after != want {
				t.Errorf("counts = %+v, want %+v", after, want)
			}
		}},
		{"CreateUserAndAccountSameAccount", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			before := coreCounts(t, st)
			errs := parallel(n, func(i int) error {
				_, _, err := st.CreateUserAndAccount(ctx, store.User{Email: fmt.Sprintf("racer%d@example.test", i)}, account("", "github", "first-login"))
				return err
			})
			wins, losses := tally(t, errs, store.ErrConflict)
			if wins != 1 || losses != n-1 {
				t.Fatalf("%d sign-ups won, %d conflicts; want exactly one of %d", wins, losses, n)
			}
			if after, want := coreCounts(t, st), (core{before.Users + 1, before.Accounts + 1, before.Sessions}); after != want {
				t.Errorf("counts = %+v, want %+v (orphan users?)", after, want)
			}
			for i, err := range errs {
				_, uerr := st.GetUserByEmail(ctx, fmt.Sprintf("racer%d@example.test", i))
				if (err == nil) != (uerr == nil) {
					t.Errorf("racer %d: sign-up error %v but user lookup %v", i, err, uerr)
				}
			}
		}},
		{"CreateUserSameEmail", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			before := coreCounts(t, st)
			errs := parallel(n, func(i int) error {
				_, _, err := st.CreateUserAndAccount(ctx, store.User{Email: "same@example.test"}, account("", "github", fmt.Sprintf("same-%d", i)))
				return err
			})
			wins, losses := tally(t, errs, store.ErrConflict)
			want := n
			if caps.UniqueEmail {
				want = 1
			}
			if wins != want || wins+losses != n {
				t.Fatalf("%d sign-ups with one email won, %d conflicts; want %d", wins, losses, want)
			}
			if after := coreCounts(t, st); after != (core{before.Users + want, before.Accounts + want, before.Sessions}) {
				t.Errorf("counts = %+v after %d sign-ups", after, want)
			}
		}},
		{"Sessions", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := anyUser(t, st)
			const per = 5
			errs := parallel(n, func(int) error {
				for range per {
					sess, err := st.CreateSession(ctx, store.Session{UserID: u.ID, Token: randomToken(), Expires: fixedTime})
					if err != nil {
						return err
					}
					if _, _, err := st.GetSessionAndUser(ctx, sess.Token); err != nil {
						return err
					}
				}
				return nil
			})
			for i, err := range errs {
				if err != nil {
					t.Errorf("goroutine %d: %v", i, err)
				}
			}
			if got, _ := st.ListSessions(ctx, store.SessionQuery{UserID: u.ID}); len(got) != n*per {
				t.Errorf("%d sessions, want %d", len(got), n*per)
			}
		}},
	}
}
