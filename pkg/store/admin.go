package store

import (
	"context"
	"fmt"
)

// PasswordChecker is implemented by stores that keep passwords (the
// authkit schema): a password is a sign-in method too.
type PasswordChecker interface {
	// HasPassword reports whether the user has a password.
	HasPassword(ctx context.Context, userID string) (bool, error)
}

// Unlink removes the accounts a user holds at provider (only the one with
// providerAccountID when it is not empty) in one transaction, and records
// an event per account. Unless force is set it refuses with
// ErrLastSignInMethod when the user would keep no way to sign in: no other
// account and no password (see PasswordChecker). Returns a *NotFoundError
// when the user holds no such account.
func Unlink(ctx context.Context, s Store, userID, provider, providerAccountID, actor string, force bool) ([]Account, error) {
	var removed []Account
	err := s.WithTx(ctx, func(tx Store) error {
		removed = nil
		accounts, err := tx.ListAccounts(ctx, userID)
		if err != nil {
			return err
		}
		for _, a := range accounts {
			if a.Provider == provider && (providerAccountID == "" || a.ProviderAccountID == providerAccountID) {
				removed = append(removed, a)
			}
		}
		if len(removed) == 0 {
			what := fmt.Sprintf("account %s", provider)
			if providerAccountID != "" {
				what += "/" + providerAccountID
			}
			return &NotFoundError{What: fmt.Sprintf("%s of user %s", what, userID)}
		}
		if len(removed) == len(accounts) && !force {
			hasPassword := false
			if pc, ok := tx.(PasswordChecker); ok {
				if hasPassword, err = pc.HasPassword(ctx, userID); err != nil {
					return err
				}
			}
			if !hasPassword {
				return ErrLastSignInMethod
			}
		}
		for _, a := range removed {
			if err := tx.UnlinkAccount(ctx, a.Provider, a.ProviderAccountID); err != nil {
				return err
			}
			if err := tx.RecordEvent(ctx, Event{Type: EventUnlinkAccount, UserID: userID, Actor: actor,
				Detail: map[string]string{"provider": a.Provider, "providerAccountId": a.ProviderAccountID}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return removed, nil
}
