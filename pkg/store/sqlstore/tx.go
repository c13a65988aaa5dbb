package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) q() queryer {
	if s.tx != nil {
		return s.tx
	}
	return s.db
}

const txAttempts = 6

// WithTx runs fn in one transaction (BEGIN IMMEDIATE on SQLite). Inside a
// transaction it runs fn in the same one. Transient failures (busy
// database, serialization failure, deadlock, and a connection that died
// before the commit, which rolled everything back) rerun fn with jittered
// backoff.
func (s *Store) WithTx(ctx context.Context, fn func(tx store.Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	return retry(ctx, func() error {
		err := s.runTx(ctx, fn)
		if err != nil && ctx.Err() != nil && errors.Is(err, sql.ErrTxDone) {
			// database/sql rolled the transaction back when the context
			// ended; say why rather than "already rolled back".
			err = fmt.Errorf("%w: the transaction was rolled back", context.Cause(ctx))
		}
		return err
	})
}

// retry runs fn until it succeeds, fails for good, or txAttempts runs are
// spent, with jittered backoff between runs that failed transiently.
func retry(ctx context.Context, fn func() error) error {
	var err error
	for attempt := range txAttempts {
		err = fn()
		if err == nil || ctx.Err() != nil || !retryable(err) {
			break
		}
		backoff := time.Duration(5<<attempt)*time.Millisecond + time.Duration(rand.IntN(10))*time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
	return mapError(err)
}

func (s *Store) runTx(ctx context.Context, fn func(tx store.Store) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	inner := *s
	inner.tx = tx
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = inner.at(ctx, "tx:begin"); err != nil {
		return err
	}
	if err = fn(&inner); err != nil {
		return err
	}
	if err = inner.at(ctx, "tx:commit"); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return commitError{err}
	}
	return nil
}

// commitError is a failed COMMIT: whether the server committed is unknown
// when the connection died on the way, so it is never rerun for that.
type commitError struct{ err error }

func (e commitError) Error() string { return e.err.Error() }
func (e commitError) Unwrap() error { return e.err }

// retryable reports whether a failed transaction may simply run again:
// a transient conflict, or a connection that died before the commit (the
// server rolled the transaction back).
func retryable(err error) bool {
	if transient(err) {
		return true
	}
	var ce commitError
	return !errors.As(err, &ce) && deadConn(err)
}
