package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

func (s *Store) tokenTable() (tokenTable, error) {
	t := s.prof.Tokens
	if t.Table == "" {
		return t, fmt.Errorf("%w: this %s database has no verification token table", store.ErrUnsupported, s.prof.Name)
	}
	return t, nil
}

// CreateVerificationToken stores an email verification token.
func (s *Store) CreateVerificationToken(ctx context.Context, v store.VerificationToken) error {
	t, err := s.tokenTable()
	if err != nil {
		return err
	}
	query := fmt.Sprintf("INSERT INTO %s (%s, %s, %s) VALUES (?, ?, ?)", quote(t.Table), quote(t.Identifier), quote(t.Token), quote(t.Expires))
	if _, err := s.q().ExecContext(ctx, s.d.rebind(query), v.Identifier, v.Token, s.timeArg(v.Expires)); err != nil {
		err = mapError(err)
		if errors.Is(err, store.ErrConflict) {
			return &store.ConflictError{What: "this verification token"}
		}
		return err
	}
	return nil
}

// UseVerificationToken deletes the token and returns it, in one statement,
// so two concurrent uses cannot both succeed.
func (s *Store) UseVerificationToken(ctx context.Context, identifier, token string) (store.VerificationToken, error) {
	t, err := s.tokenTable()
	if err != nil {
		return store.VerificationToken{}, err
	}
	query := fmt.Sprintf("DELETE FROM %s WHERE %s = ? AND %s = ? RETURNING %s, %s, %s", quote(t.Table),
		quote(t.Identifier), quote(t.Token), quote(t.Identifier), quote(t.Token), quote(t.Expires))
	var v store.VerificationToken
	var expires any
	err = s.q().QueryRowContext(ctx, s.d.rebind(query), identifier, token).Scan(&v.Identifier, &v.Token, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return v, &store.NotFoundError{What: fmt.Sprintf("verification token for %q", identifier)}
	}
	if err != nil {
		return v, mapError(err)
	}
	v.Expires, err = mustTime(expires)
	return v, err
}

// DeleteExpiredVerificationTokens deletes, in one statement, the tokens
// whose expiry is at or before now and returns how many it deleted. now is
// encoded like CreateVerificationToken encodes expiries (timestamps on
// Postgres, epoch milliseconds or ISO text on SQLite), and on SQLite
// databases that may hold both encodings (Prisma) both are compared as
// epoch milliseconds, as RevokeSessions does.
func (s *Store) DeleteExpiredVerificationTokens(ctx context.Context, now time.Time) (int, error) {
	t, err := s.tokenTable()
	if err != nil {
		return 0, err
	}
	query := fmt.Sprintf("DELETE FROM %s WHERE %s <= ?", quote(t.Table), s.timeExpr(quote(t.Expires)))
	res, err := s.q().ExecContext(ctx, s.d.rebind(query), s.timeCmpArg(now))
	if err != nil {
		return 0, mapError(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, mapError(err)
	}
	return int(n), nil
}
