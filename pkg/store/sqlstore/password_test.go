package sqlstore

import (
	"context"
	"errors"
	"testing"

	"github.com/authkit-dev/authkit/pkg/store"
)

// A password counts as a sign-in method: with one, the last account can go.
func TestUnlinkLastAccountKeepsPasswordUsers(t *testing.T) {
	ctx := context.Background()
	s := openProfile(t, ProfileAuthkit, EngineSQLite)
	u, _, err := s.CreateUserAndAccount(ctx, store.User{Email: "ada@example.com"},
		store.Account{Type: "oauth", Provider: "github", ProviderAccountID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if has, err := s.HasPassword(ctx, u.ID); err != nil || has {
		t.Fatalf("HasPassword before = %v, %v; want false", has, err)
	}
	if _, err := store.Unlink(ctx, s, u.ID, "github", "", "test", false); !errors.Is(err, store.ErrLastSignInMethod) {
		t.Fatalf("Unlink without a password = %v, want ErrLastSignInMethod", err)
	}
	if _, err := s.DB().ExecContext(ctx, "INSERT INTO credentials (user_id, password_hash, created_at, updated_at) VALUES (?, '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', 0, 0)", u.ID); err != nil {
		t.Fatal(err)
	}
	if has, err := s.HasPassword(ctx, u.ID); err != nil || !has {
		t.Fatalf("HasPassword after = %v, %v; want true", has, err)
	}
	removed, err := store.Unlink(ctx, s, u.ID, "github", "", "test", false)
	if err != nil || len(removed) != 1 {
		t.Fatalf("Unlink with a password = %v, %v; want the github account removed", removed, err)
	}
	if left, _ := s.ListAccounts(ctx, u.ID); len(left) != 0 {
		t.Fatalf("accounts left: %v", left)
	}
}

// Auth.js schemas keep no passwords.
func TestHasPasswordWithoutCredentialsTable(t *testing.T) {
	s := openProfile(t, ProfileAuthjsDrizzle, EngineSQLite)
	if has, err := s.HasPassword(context.Background(), "anyone"); err != nil || has {
		t.Fatalf("HasPassword = %v, %v; want false, nil", has, err)
	}
}
