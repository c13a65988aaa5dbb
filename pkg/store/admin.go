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

// PlanUnlink returns the accounts Unlink would remove, without removing
// them, and the error it would return: a *NotFoundError when the user holds
// no such account, ErrLastSignInMethod when the user would keep no way to
// sign in (no other account and no password, see PasswordChecker) and force
// is not set.
func PlanUnlink(ctx context.Context, s Store, userID, provider, providerAccountID string, force bool) ([]Account, error) {
	accounts, err := s.ListAccounts(ctx, userID)
	if err != nil {
		return nil, err
	}
	var matching []Account
	for _, a := range accounts {
		if a.Provider == provider && (providerAccountID == "" || a.ProviderAccountID == providerAccountID) {
			matching = append(matching, a)
		}
	}
	if len(matching) == 0 {
		what := fmt.Sprintf("account %s", provider)
		if providerAccountID != "" {
			what += "/" + providerAccountID
		}
		return nil, &NotFoundError{What: fmt.Sprintf("%s of user %s", what, userID)}
	}
	if len(matching) == len(accounts) && !force {
		hasPassword := false
		if pc, ok := s.(PasswordChecker); ok {
			if hasPassword, err = pc.HasPassword(ctx, userID); err != nil {
				return nil, err
			}
		}
		if !hasPassword {
			return matching, ErrLastSignInMethod
		}
	}
	return matching, nil
}

// Unlink removes the accounts PlanUnlink selects in one transaction, and
// records an event per account. It returns PlanUnlink's errors.
func Unlink(ctx context.Context, s Store, userID, provider, providerAccountID, actor string, force bool) ([]Account, error) {
	var removed []Account
	err := s.WithTx(ctx, func(tx Store) error {
		var err error
		if removed, err = PlanUnlink(ctx, tx, userID, provider, providerAccountID, force); err != nil {
			return err
		}
		for _, a := range removed {
			if err := tx.RemoveAccount(ctx, userID, a.Provider, a.ProviderAccountID); err != nil {
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
