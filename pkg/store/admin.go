package store

import (
	"context"
	"fmt"
)

// Unlink removes the accounts a user holds at provider (only the one with
// providerAccountID when it is not empty) in one transaction, and records
// an event per account. Unless force is set it refuses with
// ErrLastSignInMethod when the user would keep no account. Returns a
// *NotFoundError when the user holds no such account.
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
			return ErrLastSignInMethod
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
