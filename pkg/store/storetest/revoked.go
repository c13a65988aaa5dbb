package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

func (s suite) revokedTests() []test {
	ctx := context.Background()
	return append([]test{
		{"RevokeAndCheck", func(t *testing.T, st store.Store) {
			err := st.RevokeToken(ctx, "jti-1", "user-1", time.Now().Add(time.Hour))
			if !s.caps.RevokedTokens {
				if !errors.Is(err, store.ErrUnsupported) {
					t.Fatalf("RevokeToken on a schema without the table: %v", err)
				}
				if _, err := st.TokenRevoked(ctx, "jti-1"); !errors.Is(err, store.ErrUnsupported) {
					t.Fatalf("TokenRevoked: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := st.RevokeToken(ctx, "jti-1", "user-1", time.Now().Add(time.Hour)); err != nil {
				t.Fatalf("revoking twice: %v", err)
			}
			for jti, want := range map[string]bool{"jti-1": true, "jti-2": false, "": false, "JTI-1": false} {
				got, err := st.TokenRevoked(ctx, jti)
				if err != nil || got != want {
					t.Fatalf("TokenRevoked(%q) = %v, %v; want %v", jti, got, err, want)
				}
			}
			if err := st.RevokeToken(ctx, "", "", time.Now()); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("empty jti: %v", err)
			}
		}},
	}, when(s.caps.RevokedTokens,
		test{"ExpiredEntriesGo", func(t *testing.T, st store.Store) {
			if err := st.RevokeToken(ctx, "old", "", time.Now().Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := st.RevokeToken(ctx, "new", "", time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if got, _ := st.TokenRevoked(ctx, "old"); got {
				t.Fatal("an entry past its token's expiry was kept")
			}
			if got, _ := st.TokenRevoked(ctx, "new"); !got {
				t.Fatal("a live revocation was dropped")
			}
		}},
		test{"ConcurrentRevocations", func(t *testing.T, st store.Store) {
			var wg sync.WaitGroup
			errs := make(chan error, s.caps.workers())
			for range s.caps.workers() {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- st.RevokeToken(ctx, "same", "u", time.Now().Add(time.Hour))
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		}},
	)...)
}
