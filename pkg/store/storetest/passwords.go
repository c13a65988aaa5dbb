package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/authkit-dev/authkit/pkg/store"
)

// Stored hashes are opaque to the store; these look like what pkg/password
// makes.
const (
	hashA = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	hashB = "$2b$10$abcdefghijklmnopqrstuu5Ql8vfsW3JTcfbxxGJ3nCt0Yk1DI6Ym"
)

func (s suite) passwordTests() []test {
	ctx := context.Background()
	return append([]test{
		{"SetAndRead", func(t *testing.T, st store.Store) {
			u := createUser(t, st, uniq("pw")+"@example.com")
			err := st.SetPassword(ctx, u.ID, hashA)
			if !s.caps.Passwords {
				if !errors.Is(err, store.ErrUnsupported) {
					t.Fatalf("SetPassword on a schema without credentials: %v", err)
				}
				if _, err := st.PasswordHash(ctx, u.ID); !errors.Is(err, store.ErrUnsupported) {
					t.Fatalf("PasswordHash: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, err := st.PasswordHash(ctx, u.ID); err != nil || got != hashA {
				t.Fatalf("PasswordHash = %q, %v; want the stored hash", got, err)
			}
			// Setting again replaces it: still one row.
			before := Counts(t, st)
			if err := st.SetPassword(ctx, u.ID, hashB); err != nil {
				t.Fatal(err)
			}
			AssertCounts(t, st, before)
			if got, err := st.PasswordHash(ctx, u.ID); err != nil || got != hashB {
				t.Fatalf("PasswordHash after replacing = %q, %v", got, err)
			}
		}},
	}, when(s.caps.Passwords,
		test{"NoPassword", func(t *testing.T, st store.Store) {
			u := createUser(t, st, uniq("pw")+"@example.com")
			for _, id := range []string{u.ID, "no-such-user", ""} {
				if _, err := st.PasswordHash(ctx, id); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("PasswordHash(%q) = %v, want ErrNotFound", id, err)
				}
			}
		}},
		test{"UnknownUserRejected", func(t *testing.T, st store.Store) {
			for _, id := range []string{"no-such-user", ""} {
				Reject(t, st, store.ErrNotFound, func() error { return st.SetPassword(ctx, id, hashA) })
			}
			u := createUser(t, st, uniq("pw")+"@example.com")
			Reject(t, st, store.ErrInvalid, func() error { return st.SetPassword(ctx, u.ID, "") })
		}},
		test{"DeleteUserRemovesPassword", func(t *testing.T, st store.Store) {
			u := createUser(t, st, uniq("pw")+"@example.com")
			if err := st.SetPassword(ctx, u.ID, hashA); err != nil {
				t.Fatal(err)
			}
			if err := st.DeleteUser(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := st.PasswordHash(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("PasswordHash of a deleted user = %v, want ErrNotFound", err)
			}
		}},
		test{"InTx", func(t *testing.T, st store.Store) {
			u := createUser(t, st, uniq("pw")+"@example.com")
			boom := errors.New("boom")
			err := st.WithTx(ctx, func(tx store.Store) error {
				if err := tx.SetPassword(ctx, u.ID, hashA); err != nil {
					return err
				}
				if got, err := tx.PasswordHash(ctx, u.ID); err != nil || got != hashA {
					t.Errorf("PasswordHash inside the transaction = %q, %v", got, err)
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("WithTx = %v", err)
			}
			if _, err := st.PasswordHash(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a rolled-back password was kept: %v", err)
			}
		}},
		test{"ConcurrentSets", func(t *testing.T, st store.Store) {
			u := createUser(t, st, uniq("pw")+"@example.com")
			var wg sync.WaitGroup
			errs := make(chan error, s.caps.workers())
			for i := range s.caps.workers() {
				wg.Add(1)
				go func() {
					defer wg.Done()
					h := hashA
					if i%2 == 1 {
						h = hashB
					}
					errs <- st.SetPassword(ctx, u.ID, h)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if got, err := st.PasswordHash(ctx, u.ID); err != nil || (got != hashA && got != hashB) {
				t.Fatalf("PasswordHash = %q, %v", got, err)
			}
		}},
	)...)
}
