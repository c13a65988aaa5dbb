package sqlstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

const benchUsers = 1000

// benchStores returns, per engine, an authkit store holding benchUsers
// users, each with one account and one session.
func benchStore(b *testing.B, engine string) *Store {
	b.Helper()
	ctx := context.Background()
	s := openProfile(b, ProfileAuthkit, engine)
	err := s.WithTx(ctx, func(tx store.Store) error {
		for i := range benchUsers {
			u, _, err := tx.CreateUserAndAccount(ctx, store.User{Name: fmt.Sprintf("User %d", i), Email: fmt.Sprintf("u%d@example.test", i)},
				store.Account{Type: "oidc", Provider: "google", ProviderAccountID: fmt.Sprint(i), AccessToken: "at", IDToken: "idt"})
			if err != nil {
				return err
			}
			if _, err := tx.CreateSession(ctx, store.Session{UserID: u.ID, Token: fmt.Sprintf("token-%d", i), Expires: time.Now().Add(time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func benchEngines(b *testing.B, fn func(b *testing.B, s *Store)) {
	for _, engine := range engines {
		b.Run(engine, func(b *testing.B) { fn(b, benchStore(b, engine)) })
	}
}

func BenchmarkGetSessionAndUser(b *testing.B) {
	benchEngines(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		i := 0
		for b.Loop() {
			if _, _, err := s.GetSessionAndUser(ctx, fmt.Sprintf("token-%d", i%benchUsers)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkGetUserByAccount(b *testing.B) {
	benchEngines(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		i := 0
		for b.Loop() {
			if _, err := s.GetUserByAccount(ctx, "google", fmt.Sprint(i%benchUsers)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkCreateUserAndAccount(b *testing.B) {
	benchEngines(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		i := 0
		for b.Loop() {
			if _, _, err := s.CreateUserAndAccount(ctx, store.User{Email: fmt.Sprintf("new%d@example.test", i)},
				store.Account{Type: "oauth", Provider: "github", ProviderAccountID: fmt.Sprint(i)}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkListUsersPage(b *testing.B) {
	benchEngines(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		first, err := s.ListUsers(ctx, store.UserQuery{Limit: 100})
		if err != nil || first.Next == "" {
			b.Fatal(first.Next, err)
		}
		for b.Loop() {
			page, err := s.ListUsers(ctx, store.UserQuery{Limit: 100, After: first.Next})
			if err != nil || len(page.Users) != 100 {
				b.Fatal(len(page.Users), err)
			}
		}
	})
}

func BenchmarkListUsersEmailContains(b *testing.B) {
	benchEngines(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		for b.Loop() {
			if _, err := s.ListUsers(ctx, store.UserQuery{Limit: 100, EmailContains: "9@"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
