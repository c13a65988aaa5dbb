package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

type scanner interface{ Scan(dest ...any) error }

func (s *Store) userCols(alias string) string {
	u := s.prof.Users
	cols := []string{u.ID, u.Name, u.Email, u.EmailVerified, u.Image}
	for i, c := range cols {
		cols[i] = alias + quote(c)
	}
	return strings.Join(cols, ", ")
}

func scanUser(r scanner) (store.User, error) {
	var u store.User
	var name, email, image sql.NullString
	var verified any
	if err := r.Scan(&u.ID, &name, &email, &verified, &image); err != nil {
		return u, err
	}
	t, err := decodeTime(verified)
	if err != nil {
		return u, fmt.Errorf("user %s: emailVerified: %w", u.ID, err)
	}
	u.Name, u.Email, u.Image, u.EmailVerified = name.String, email.String, image.String, t
	return u, nil
}

func nullable(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// emailArg is how the schema keeps an email: normalised in the authkit
// schema, as given (Auth.js lower-cases it first) in the others.
func (s *Store) emailArg(email string) any {
	if s.prof.NormalizeMail {
		return nullable(store.NormalizeEmail(email))
	}
	return nullable(email)
}

// CreateUser inserts u with a new id. Returns ErrConflict for a taken email.
func (s *Store) CreateUser(ctx context.Context, u store.User) (store.User, error) {
	t := s.prof.Users
	cols := []string{t.Name, t.Email, t.EmailVerified, t.Image}
	args := []any{nullable(u.Name), s.emailArg(u.Email), s.optTimeArg(u.EmailVerified), nullable(u.Image)}
	if id := s.newID(); id != "" {
		cols, args = append(cols, t.ID), append(args, id)
	}
	now := s.timeArg(time.Now())
	for _, c := range []string{t.CreatedAt, t.UpdatedAt} {
		if c != "" {
			cols, args = append(cols, c), append(args, now)
		}
	}
	query := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) RETURNING %s",
		quote(t.Table), quotedList(cols), placeholders(len(cols)), quote(t.ID))
	var id string
	if err := s.q().QueryRowContext(ctx, s.d.rebind(query), args...).Scan(&id); err != nil {
		err = mapError(err)
		if errors.Is(err, store.ErrSchemaMismatch) && strings.TrimSpace(u.Email) == "" {
			return store.User{}, fmt.Errorf("%w: this %s database needs an email for every user", store.ErrInvalid, s.prof.Name)
		}
		if errors.Is(err, store.ErrConflict) {
			return store.User{}, &store.ConflictError{What: fmt.Sprintf("a user with the email %q", u.Email)}
		}
		return store.User{}, fmt.Errorf("create user: %w", err)
	}
	return s.GetUser(ctx, id)
}

func quotedList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = quote(c)
	}
	return strings.Join(q, ", ")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// GetUser returns the user with this id, or a *store.NotFoundError.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	arg, ok := s.idArg(id)
	notFound := &store.NotFoundError{What: fmt.Sprintf("user %q", id)}
	if !ok {
		return store.User{}, notFound
	}
	t := s.prof.Users
	query := fmt.Sprintf("SELECT %s FROM %s WHERE %s = ?", s.userCols(""), quote(t.Table), quote(t.ID))
	return s.oneUser(ctx, notFound, query, arg)
}

func (s *Store) oneUser(ctx context.Context, notFound error, query string, args ...any) (store.User, error) {
	var u store.User
	err := s.readRow(ctx, s.d.rebind(query), args, func(r *sql.Row) (err error) {
		u, err = scanUser(r)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, notFound
	}
	return u, mapError(err)
}

// readRow runs a read-only query of one row and scans it. Outside a
// transaction, a query that failed because its pooled connection was dead
// (the server restarted, R4) runs once more on another connection: it only
// reads, so running it twice is harmless.
func (s *Store) readRow(ctx context.Context, query string, args []any, scan func(*sql.Row) error) error {
	err := scan(s.q().QueryRowContext(ctx, query, args...))
	if err != nil && s.tx == nil && ctx.Err() == nil && deadConn(err) {
		err = scan(s.q().QueryRowContext(ctx, query, args...))
	}
	return err
}

// GetUserByEmail returns the user with this email, or a
// *store.NotFoundError. The authkit schema compares normalised emails;
// Auth.js schemas compare exactly, as the adapters do.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (store.User, error) {
	t := s.prof.Users
	notFound := &store.NotFoundError{What: fmt.Sprintf("user with the email %q", email)}
	if strings.TrimSpace(email) == "" {
		return store.User{}, notFound
	}
	query := fmt.Sprintf("SELECT %s FROM %s WHERE %s = ? ORDER BY %s LIMIT 1",
		s.userCols(""), quote(t.Table), quote(t.Email), quote(t.ID))
	return s.oneUser(ctx, notFound, query, s.emailArg(email))
}

// GetUserByAccount returns the user owning the account, or a
// *store.NotFoundError. Account ids compare byte for byte.
func (s *Store) GetUserByAccount(ctx context.Context, provider, providerAccountID string) (store.User, error) {
	u, a := s.prof.Users, s.prof.Accounts
	query := fmt.Sprintf("SELECT %s FROM %s u JOIN %s a ON a.%s = u.%s WHERE a.%s = ? AND a.%s = ? ORDER BY u.%s LIMIT 1",
		s.userCols("u."), quote(u.Table), quote(a.Table), quote(a.UserID), quote(u.ID),
		quote(a.Provider), quote(a.ProviderAccountID), quote(u.ID))
	notFound := &store.NotFoundError{What: fmt.Sprintf("account %s/%s", provider, providerAccountID)}
	return s.oneUser(ctx, notFound, query, provider, providerAccountID)
}

// UpdateUser replaces name, email, emailVerified and image of user u.ID.
func (s *Store) UpdateUser(ctx context.Context, u store.User) (store.User, error) {
	arg, ok := s.idArg(u.ID)
	if !ok {
		return store.User{}, &store.NotFoundError{What: fmt.Sprintf("user %q", u.ID)}
	}
	t := s.prof.Users
	sets := []string{t.Name, t.Email, t.EmailVerified, t.Image}
	args := []any{nullable(u.Name), s.emailArg(u.Email), s.optTimeArg(u.EmailVerified), nullable(u.Image)}
	if t.UpdatedAt != "" {
		sets, args = append(sets, t.UpdatedAt), append(args, s.timeArg(time.Now()))
	}
	for i, c := range sets {
		sets[i] = quote(c) + " = ?"
	}
	query := fmt.Sprintf("UPDATE %s SET %s WHERE %s = ?", quote(t.Table), strings.Join(sets, ", "), quote(t.ID))
	res, err := s.q().ExecContext(ctx, s.d.rebind(query), append(args, arg)...)
	if err != nil {
		err = mapError(err)
		if errors.Is(err, store.ErrConflict) {
			return store.User{}, &store.ConflictError{What: fmt.Sprintf("a user with the email %q", u.Email)}
		}
		return store.User{}, fmt.Errorf("update user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.User{}, &store.NotFoundError{What: fmt.Sprintf("user %q", u.ID)}
	}
	return s.GetUser(ctx, u.ID)
}

// DeleteUser deletes the user, its accounts, sessions and password in one
// transaction (explicitly, for schemas without cascading foreign keys). It
// locks the user first, so a concurrent link or new session either lands
// before and is deleted too, or waits and finds the user gone.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	arg, ok := s.idArg(id)
	if !ok {
		return &store.NotFoundError{What: fmt.Sprintf("user %q", id)}
	}
	return s.WithTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		if _, err := tx.lockUser(ctx, id); err != nil {
			return err
		}
		children := [][2]string{{s.prof.Sessions.Table, s.prof.Sessions.UserID}, {s.prof.Accounts.Table, s.prof.Accounts.UserID}}
		if s.prof.Credentials != "" {
			children = append(children, [2]string{s.prof.Credentials, "user_id"})
		}
		for _, c := range children {
			if _, err := tx.q().ExecContext(ctx, s.d.rebind(fmt.Sprintf("DELETE FROM %s WHERE %s = ?", quote(c[0]), quote(c[1]))), arg); err != nil {
				return mapError(err)
			}
		}
		t := s.prof.Users
		res, err := tx.q().ExecContext(ctx, s.d.rebind(fmt.Sprintf("DELETE FROM %s WHERE %s = ?", quote(t.Table), quote(t.ID))), arg)
		if err != nil {
			return mapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &store.NotFoundError{What: fmt.Sprintf("user %q", id)}
		}
		return nil
	})
}

// HasPassword reports whether the user has a password in the credentials
// table; schemas without one keep no passwords.
func (s *Store) HasPassword(ctx context.Context, userID string) (bool, error) {
	if s.prof.Credentials == "" {
		return false, nil
	}
	var n int
	query := fmt.Sprintf("SELECT count(*) FROM %s WHERE user_id = ?", quote(s.prof.Credentials))
	if err := s.q().QueryRowContext(ctx, s.d.rebind(query), userID).Scan(&n); err != nil {
		return false, mapError(err)
	}
	return n > 0, nil
}

// SetPassword stores the user's password hash in the credentials table,
// replacing any it had, in one transaction that locks the user first (a
// concurrent delete either lands before, and this is ErrNotFound, or
// after, and the cascade removes the row).
func (s *Store) SetPassword(ctx context.Context, userID, hash string) error {
	if s.prof.Credentials == "" {
		return fmt.Errorf("%w: the %s schema keeps no passwords; authkit never alters Auth.js tables, use the authkit schema", store.ErrUnsupported, s.prof.Name)
	}
	if hash == "" {
		return fmt.Errorf("%w: empty password hash", store.ErrInvalid)
	}
	return s.WithTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		if _, err := tx.lockUser(ctx, userID); err != nil {
			return err
		}
		now := s.timeArg(time.Now())
		query := fmt.Sprintf(`INSERT INTO %s (user_id, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`,
			quote(s.prof.Credentials))
		_, err := tx.q().ExecContext(ctx, s.d.rebind(query), userID, hash, now, now)
		return mapError(err)
	})
}

// PasswordHash returns the user's password hash from the credentials
// table, or ErrNotFound.
func (s *Store) PasswordHash(ctx context.Context, userID string) (string, error) {
	if s.prof.Credentials == "" {
		return "", fmt.Errorf("%w: the %s schema keeps no passwords", store.ErrUnsupported, s.prof.Name)
	}
	var hash string
	query := fmt.Sprintf("SELECT password_hash FROM %s WHERE user_id = ?", quote(s.prof.Credentials))
	err := s.q().QueryRowContext(ctx, s.d.rebind(query), userID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", &store.NotFoundError{What: fmt.Sprintf("password of user %q", userID)}
	}
	if err != nil {
		return "", mapError(err)
	}
	return hash, nil
}
