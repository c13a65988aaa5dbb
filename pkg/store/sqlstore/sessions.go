package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

// sessionIDExpr selects the administrative id of a session: its id column,
// or the stored token where the schema has none (turned into a derived id
// in Go, never shown).
func (s *Store) sessionIDExpr(alias string) string {
	t := s.prof.Sessions
	if t.ID != "" {
		return alias + quote(t.ID)
	}
	return alias + quote(t.Token)
}

func (s *Store) sessionCols(alias string) string {
	t := s.prof.Sessions
	created := "NULL"
	if t.CreatedAt != "" {
		created = alias + quote(t.CreatedAt)
	}
	return strings.Join([]string{s.sessionIDExpr(alias), alias + quote(t.UserID), alias + quote(t.Expires), created}, ", ")
}

func (s *Store) scanSession(r scanner) (store.Session, error) {
	var sess store.Session
	var expires, created any
	if err := r.Scan(&sess.ID, &sess.UserID, &expires, &created); err != nil {
		return sess, err
	}
	if s.prof.Sessions.ID == "" {
		sess.ID = derivedSessionID(sess.ID)
	}
	var err error
	if sess.Expires, err = mustTime(expires); err != nil {
		return sess, err
	}
	sess.CreatedAt, err = mustTime(created)
	return sess, err
}

// CreateSession stores a session. The authkit schema keeps the SHA-256 of
// the token; Auth.js schemas keep the token, as their adapters do.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) (store.Session, error) {
	if sess.Token == "" {
		return store.Session{}, fmt.Errorf("%w: a session needs a token", store.ErrInvalid)
	}
	userArg, ok := s.idArg(sess.UserID)
	if !ok {
		return store.Session{}, &store.NotFoundError{What: fmt.Sprintf("user %q", sess.UserID)}
	}
	var out store.Session
	err := s.WithTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		if _, err := tx.lockUser(ctx, sess.UserID); err != nil {
			return err
		}
		t := s.prof.Sessions
		if s.prof.UnkeyedSessions {
			if err := tx.lockKey(ctx, "session:"+s.tokenArg(sess.Token)); err != nil {
				return err
			}
			var one int
			err := tx.q().QueryRowContext(ctx, s.d.rebind(fmt.Sprintf("SELECT 1 FROM %s WHERE %s = ?", quote(t.Table), quote(t.Token))), s.tokenArg(sess.Token)).Scan(&one)
			if err == nil {
				return &store.ConflictError{What: "a session with this token"}
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return mapError(err)
			}
		}
		cols := []string{t.Token, t.UserID, t.Expires}
		args := []any{s.tokenArg(sess.Token), userArg, s.timeArg(sess.Expires)}
		if t.ID != "" && !t.SerialID {
			cols, args = append(cols, t.ID), append(args, s.newSessionID())
		}
		now := s.timeArg(time.Now())
		for _, c := range []string{t.CreatedAt, t.UpdatedAt} {
			if c != "" {
				cols, args = append(cols, c), append(args, now)
			}
		}
		query := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) RETURNING %s",
			quote(t.Table), quotedList(cols), placeholders(len(cols)), s.sessionCols(""))
		var err error
		out, err = s.scanSession(tx.q().QueryRowContext(ctx, s.d.rebind(query), args...))
		if err != nil {
			err = mapError(err)
			if errors.Is(err, store.ErrConflict) {
				return &store.ConflictError{What: "a session with this token"}
			}
			return err
		}
		return nil
	})
	out.Token = sess.Token
	return out, err
}

func (s *Store) newSessionID() string {
	if s.prof.IDs == idCUID {
		return newCUID()
	}
	return newRowID()
}

// GetSessionAndUser returns the session with this token and its user in
// one query.
func (s *Store) GetSessionAndUser(ctx context.Context, token string) (store.Session, store.User, error) {
	t, u := s.prof.Sessions, s.prof.Users
	query := fmt.Sprintf("SELECT %s, %s FROM %s s JOIN %s u ON u.%s = s.%s WHERE s.%s = ?",
		s.sessionCols("s."), s.userCols("u."), quote(t.Table), quote(u.Table), quote(u.ID), quote(t.UserID), quote(t.Token))
	var sess store.Session
	var user store.User
	var expires, created, verified any
	var name, email, image sql.NullString
	err := s.readRow(ctx, s.d.rebind(query), []any{s.tokenArg(token)}, func(row *sql.Row) error {
		return row.Scan(&sess.ID, &sess.UserID, &expires, &created, &user.ID, &name, &email, &verified, &image)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return sess, user, &store.NotFoundError{What: "session"}
	}
	if err != nil {
		return sess, user, mapError(err)
	}
	if t.ID == "" {
		sess.ID = derivedSessionID(sess.ID)
	}
	sess.Token = token
	if sess.Expires, err = mustTime(expires); err != nil {
		return sess, user, err
	}
	if sess.CreatedAt, err = mustTime(created); err != nil {
		return sess, user, err
	}
	if user.EmailVerified, err = decodeTime(verified); err != nil {
		return sess, user, err
	}
	user.Name, user.Email, user.Image = name.String, email.String, image.String
	return sess, user, nil
}

// UpdateSession sets the expiry of the session with this token.
func (s *Store) UpdateSession(ctx context.Context, token string, expires time.Time) (store.Session, error) {
	t := s.prof.Sessions
	sets, args := []string{quote(t.Expires) + " = ?"}, []any{s.timeArg(expires)}
	if t.UpdatedAt != "" {
		sets, args = append(sets, quote(t.UpdatedAt)+" = ?"), append(args, s.timeArg(time.Now()))
	}
	query := fmt.Sprintf("UPDATE %s SET %s WHERE %s = ? RETURNING %s",
		quote(t.Table), strings.Join(sets, ", "), quote(t.Token), s.sessionCols(""))
	sess, err := s.scanSession(s.q().QueryRowContext(ctx, s.d.rebind(query), append(args, s.tokenArg(token))...))
	if errors.Is(err, sql.ErrNoRows) {
		return sess, &store.NotFoundError{What: "session"}
	}
	sess.Token = token
	return sess, mapError(err)
}

// DeleteSession deletes the session with this token.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	t := s.prof.Sessions
	res, err := s.q().ExecContext(ctx, s.d.rebind(fmt.Sprintf("DELETE FROM %s WHERE %s = ?", quote(t.Table), quote(t.Token))), s.tokenArg(token))
	if err != nil {
		return mapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &store.NotFoundError{What: "session"}
	}
	return nil
}

// ListSessions returns the sessions q selects, by expiry.
func (s *Store) ListSessions(ctx context.Context, q store.SessionQuery) ([]store.Session, error) {
	t := s.prof.Sessions
	where, args, ok := s.sessionWhere(q)
	if !ok {
		return nil, nil
	}
	query := fmt.Sprintf("SELECT %s FROM %s%s ORDER BY %s, %s", s.sessionCols(""), quote(t.Table), where, s.timeExpr(quote(t.Expires)), s.sessionIDExpr(""))
	rows, err := s.q().QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []store.Session
	for rows.Next() {
		sess, err := s.scanSession(rows)
		if err != nil {
			return nil, mapError(err)
		}
		if q.ID != "" && sess.ID != q.ID {
			continue
		}
		out = append(out, sess)
	}
	return out, mapError(rows.Err())
}

// sessionWhere builds the filter of q. ok is false when q cannot match
// anything (an id that cannot exist in this schema).
func (s *Store) sessionWhere(q store.SessionQuery) (where string, args []any, ok bool) {
	t := s.prof.Sessions
	var conds []string
	if q.UserID != "" {
		arg, valid := s.idArg(q.UserID)
		if !valid {
			return "", nil, false
		}
		conds, args = append(conds, quote(t.UserID)+" = ?"), append(args, arg)
	}
	if q.ID != "" && t.ID != "" {
		var arg any = q.ID
		if t.SerialID {
			n, err := strconv.ParseInt(strings.TrimSpace(q.ID), 10, 64)
			if err != nil {
				return "", nil, false
			}
			arg = n
		}
		conds, args = append(conds, quote(t.ID)+" = ?"), append(args, arg)
	}
	if !q.ExpiredAt.IsZero() {
		conds, args = append(conds, s.timeExpr(quote(t.Expires))+" <= ?"), append(args, s.timeCmpArg(q.ExpiredAt))
	}
	if len(conds) == 0 {
		return "", nil, true
	}
	return " WHERE " + strings.Join(conds, " AND "), args, true
}

// RevokeSessions deletes the sessions q selects and returns how many.
func (s *Store) RevokeSessions(ctx context.Context, q store.SessionQuery) (int, error) {
	if q.UserID == "" && q.ID == "" && q.ExpiredAt.IsZero() {
		return 0, fmt.Errorf("%w: name a session, a user or --expired", store.ErrInvalid)
	}
	t := s.prof.Sessions
	if q.ID != "" && t.ID == "" {
		return s.revokeByDerivedID(ctx, q)
	}
	where, args, ok := s.sessionWhere(q)
	if !ok {
		return 0, nil
	}
	res, err := s.q().ExecContext(ctx, s.d.rebind("DELETE FROM "+quote(t.Table)+where), args...)
	if err != nil {
		return 0, mapError(err)
	}
	n, err := res.RowsAffected()
	return int(n), mapError(err)
}

// revokeByDerivedID finds a session of a schema without a session id
// column by the hash of its token.
func (s *Store) revokeByDerivedID(ctx context.Context, q store.SessionQuery) (int, error) {
	t := s.prof.Sessions
	n := 0
	err := s.WithTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		n = 0
		byID := q
		byID.ID = ""
		where, args, ok := s.sessionWhere(byID)
		if !ok {
			return nil
		}
		tokens, err := tx.strings(ctx, s.d.rebind("SELECT "+quote(t.Token)+" FROM "+quote(t.Table)+where), args...)
		if err != nil {
			return err
		}
		for _, tok := range tokens {
			if derivedSessionID(tok) != q.ID {
				continue
			}
			res, err := tx.q().ExecContext(ctx, s.d.rebind(fmt.Sprintf("DELETE FROM %s WHERE %s = ?", quote(t.Table), quote(t.Token))), tok)
			if err != nil {
				return mapError(err)
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}
