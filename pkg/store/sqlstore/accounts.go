package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

func (s *Store) accountCols() []string {
	a := s.prof.Accounts
	return []string{a.UserID, a.Type, a.Provider, a.ProviderAccountID, a.RefreshToken, a.AccessToken,
		a.ExpiresAt, a.TokenType, a.Scope, a.IDToken, a.State}
}

// listedAccountCols are the account columns listings read: who, which
// provider, which id; never the provider's tokens, which listings do not
// show and which make an Auth.js accounts table large to read.
func (s *Store) listedAccountCols() []string {
	a := s.prof.Accounts
	return []string{a.UserID, a.Type, a.Provider, a.ProviderAccountID}
}

func scanListedAccount(r scanner) (store.Account, error) {
	var a store.Account
	err := r.Scan(&a.UserID, &a.Type, &a.Provider, &a.ProviderAccountID)
	return a, err
}

func scanAccount(r scanner) (store.Account, error) {
	var a store.Account
	var refresh, access, tokenType, scope, idToken, state sql.NullString
	var expires sql.NullInt64
	err := r.Scan(&a.UserID, &a.Type, &a.Provider, &a.ProviderAccountID, &refresh, &access,
		&expires, &tokenType, &scope, &idToken, &state)
	a.RefreshToken, a.AccessToken, a.TokenType = refresh.String, access.String, tokenType.String
	a.Scope, a.IDToken, a.SessionState = scope.String, idToken.String, state.String
	if expires.Valid {
		a.ExpiresAt = &expires.Int64
	}
	return a, err
}

// LinkAccount links a to user a.UserID. The check for an existing owner and
// the insert run in one transaction under a lock on the account key, so two
// concurrent links of one account never both succeed, even in Auth.js
// schemas that have no unique constraint on it.
func (s *Store) LinkAccount(ctx context.Context, a store.Account) (store.Account, error) {
	if a.Provider == "" || a.ProviderAccountID == "" {
		return store.Account{}, fmt.Errorf("%w: an account needs a provider and a provider account id", store.ErrInvalid)
	}
	if !slices.Contains(store.AccountTypes, a.Type) {
		return store.Account{}, fmt.Errorf("%w: unknown account type %q (use one of %s)", store.ErrInvalid, a.Type, strings.Join(store.AccountTypes, ", "))
	}
	userArg, ok := s.idArg(a.UserID)
	if !ok {
		return store.Account{}, &store.NotFoundError{What: fmt.Sprintf("user %q", a.UserID)}
	}
	err := s.WithTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		if err := tx.lockKey(ctx, "account:"+a.Provider+"\x1f"+a.ProviderAccountID); err != nil {
			return err
		}
		if _, err := tx.lockUser(ctx, a.UserID); err != nil {
			return err
		}
		owner, err := tx.GetUserByAccount(ctx, a.Provider, a.ProviderAccountID)
		if err == nil {
			return &store.ConflictError{What: fmt.Sprintf("account %s/%s", a.Provider, a.ProviderAccountID), OwnerID: owner.ID}
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		t := s.prof.Accounts
		cols := s.accountCols()
		args := []any{userArg, a.Type, a.Provider, a.ProviderAccountID, nullable(a.RefreshToken), nullable(a.AccessToken),
			a.ExpiresAt, nullable(a.TokenType), nullable(a.Scope), nullable(a.IDToken), nullable(a.SessionState)}
		if t.ID != "" {
			cols, args = append(cols, t.ID), append(args, newCUID())
		}
		now := s.timeArg(time.Now())
		for _, c := range []string{t.CreatedAt, t.UpdatedAt} {
			if c != "" {
				cols, args = append(cols, c), append(args, now)
			}
		}
		query := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", quote(t.Table), quotedList(cols), placeholders(len(cols)))
		if _, err := tx.q().ExecContext(ctx, s.d.rebind(query), args...); err != nil {
			err = mapError(err)
			if errors.Is(err, store.ErrConflict) {
				return &store.ConflictError{What: fmt.Sprintf("account %s/%s", a.Provider, a.ProviderAccountID)}
			}
			return err
		}
		return nil
	})
	if err != nil {
		return store.Account{}, err
	}
	return a, nil
}

// lockKey takes a lock on key until the transaction ends, where the engine
// needs one to serialise a check and an insert (Postgres; SQLite write
// transactions already hold the database lock).
func (s *Store) lockKey(ctx context.Context, key string) error {
	if s.d.advisory == "" {
		return nil
	}
	_, err := s.q().ExecContext(ctx, s.d.rebind(s.d.advisory), key)
	return mapError(err)
}

// UnlinkAccount removes the account (every row of it, should an Auth.js
// schema without a unique key hold several).
func (s *Store) UnlinkAccount(ctx context.Context, provider, providerAccountID string) error {
	t := s.prof.Accounts
	query := fmt.Sprintf("DELETE FROM %s WHERE %s = ? AND %s = ?", quote(t.Table), quote(t.Provider), quote(t.ProviderAccountID))
	res, err := s.q().ExecContext(ctx, s.d.rebind(query), provider, providerAccountID)
	if err != nil {
		return mapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &store.NotFoundError{What: fmt.Sprintf("account %s/%s", provider, providerAccountID)}
	}
	return nil
}

// RemoveAccount deletes the rows of the account that userID holds, and no
// other user's: an Auth.js schema without a unique key may hold the same
// account under several users.
func (s *Store) RemoveAccount(ctx context.Context, userID, provider, providerAccountID string) error {
	notFound := &store.NotFoundError{What: fmt.Sprintf("account %s/%s of user %s", provider, providerAccountID, userID)}
	userArg, ok := s.idArg(userID)
	if !ok {
		return notFound
	}
	t := s.prof.Accounts
	query := fmt.Sprintf("DELETE FROM %s WHERE %s = ? AND %s = ? AND %s = ?", quote(t.Table), quote(t.UserID), quote(t.Provider), quote(t.ProviderAccountID))
	res, err := s.q().ExecContext(ctx, s.d.rebind(query), userArg, provider, providerAccountID)
	if err != nil {
		return mapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound
	}
	return nil
}

// ListAccounts returns the accounts of a user, by provider and account id.
func (s *Store) ListAccounts(ctx context.Context, userID string) ([]store.Account, error) {
	byUser, err := s.accountsOf(ctx, []string{userID}, true)
	for _, accounts := range byUser {
		return accounts, err // keyed by the database's spelling of the id ("4" for "04")
	}
	return nil, err
}

// accountsChunk bounds the ids of one accountsOf query, well under the
// bind-parameter limits of both engines.
const accountsChunk = 500

// accountsOf returns the accounts of several users, one query per
// accountsChunk users; with withTokens false only listedAccountCols.
func (s *Store) accountsOf(ctx context.Context, userIDs []string, withTokens bool) (map[string][]store.Account, error) {
	out := map[string][]store.Account{}
	var args []any
	for _, id := range userIDs {
		if arg, ok := s.idArg(id); ok {
			args = append(args, arg)
		}
	}
	t := s.prof.Accounts
	cols, scan := s.listedAccountCols(), scanListedAccount
	if withTokens {
		cols, scan = s.accountCols(), scanAccount
	}
	for len(args) > 0 {
		chunk := args[:min(len(args), accountsChunk)]
		args = args[len(chunk):]
		// No ORDER BY: on a schema without a user id index it would make
		// SQLite walk the (provider, id) key; the few rows sort in Go.
		query := fmt.Sprintf("SELECT %s FROM %s WHERE %s IN (%s)",
			quotedList(cols), quote(t.Table), quote(t.UserID), placeholders(len(chunk)))
		if err := s.collectAccounts(ctx, out, scan, s.d.rebind(query), chunk...); err != nil {
			return nil, err
		}
	}
	for _, accounts := range out {
		sortAccounts(accounts)
	}
	return out, nil
}

func (s *Store) collectAccounts(ctx context.Context, into map[string][]store.Account, scan func(scanner) (store.Account, error), query string, args ...any) error {
	rows, err := s.q().QueryContext(ctx, query, args...)
	if err != nil {
		return mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return mapError(err)
		}
		into[a.UserID] = append(into[a.UserID], a)
	}
	return mapError(rows.Err())
}

// CreateUserAndAccount creates the user and links the account in one
// transaction.
func (s *Store) CreateUserAndAccount(ctx context.Context, u store.User, a store.Account) (store.User, store.Account, error) {
	var created store.User
	var linked store.Account
	err := s.WithTx(ctx, func(tx store.Store) error {
		var err error
		if created, err = tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.(*Store).at(ctx, "signup:user-created"); err != nil {
			return err
		}
		a.UserID = created.ID
		linked, err = tx.LinkAccount(ctx, a)
		return err
	})
	if err != nil {
		return store.User{}, store.Account{}, err
	}
	return created, linked, nil
}
