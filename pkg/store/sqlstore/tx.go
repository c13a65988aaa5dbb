package sqlstore

import (
	"context"
	"database/sql"
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
// database, serialization failure, deadlock) rerun fn with jittered backoff.
func (s *Store) WithTx(ctx context.Context, fn func(tx store.Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	var err error
	for attempt := range txAttempts {
		err = s.runTx(ctx, fn)
		if err == nil || !transient(err) || ctx.Err() != nil {
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
	if err = fn(&inner); err != nil {
		return err
	}
	return tx.Commit()
}
