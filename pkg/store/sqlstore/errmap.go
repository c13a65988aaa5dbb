package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// SQLite result codes (primary codes are the low byte of extended ones).
const (
	sqliteBusy       = 5
	sqliteLocked     = 6
	sqliteReadOnly   = 8
	sqliteIOErr      = 10
	sqliteFull       = 13
	sqliteCantOpen   = 14
	sqliteConstraint = 19
	sqliteAuth       = 23
	sqlitePerm       = 3

	// Extended constraint codes.
	sqliteConstraintCheck      = 275
	sqliteConstraintForeignKey = 787
	sqliteConstraintNotNull    = 1299
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
	sqliteConstraintRowID      = 2579
)

// mapped are the sentinels mapError gives; an error matching one is not
// mapped again.
var mapped = []error{store.ErrConflict, store.ErrInvalid, store.ErrStorageFull, store.ErrReadOnly,
	store.ErrUnavailable, store.ErrNotFound, store.ErrUnsupported, store.ErrSchemaMismatch}

// mapError turns a driver error into the store's sentinels. This is the one
// place that knows driver error codes.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	for _, sentinel := range mapped {
		if errors.Is(err, sentinel) {
			return err // mapped already
		}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqliteConstraintUnique, sqliteConstraintPrimaryKey, sqliteConstraintRowID, sqliteConstraintCheck:
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case sqliteConstraintForeignKey:
			return fmt.Errorf("%w: a row it refers to is gone: %w", store.ErrNotFound, err)
		case sqliteConstraintNotNull:
			return fmt.Errorf("%w: a column authkit does not fill is NOT NULL without a default: %w", store.ErrSchemaMismatch, err)
		}
		switch se.Code() & 0xff {
		case sqliteConstraint:
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case sqliteFull:
			return fmt.Errorf("%w: %w", store.ErrStorageFull, err)
		case sqliteReadOnly, sqlitePerm, sqliteAuth:
			return fmt.Errorf("%w: %w", store.ErrReadOnly, err)
		case sqliteCantOpen:
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505", pe.Code == "23514":
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case pe.Code == "23503":
			return fmt.Errorf("%w: a row it refers to is gone: %w", store.ErrNotFound, err)
		case pe.Code == "22021", pe.Code == "22P05":
			return fmt.Errorf("%w: the value is not valid UTF-8 text: %w", store.ErrInvalid, err)
		case pe.Code == "23502":
			return fmt.Errorf("%w: a column authkit does not fill is NOT NULL without a default: %w", store.ErrSchemaMismatch, err)
		case pe.Code == "22001", pe.Code == "22003":
			return fmt.Errorf("%w: a value is too long or out of range for its column: %w", store.ErrInvalid, err)
		case pe.Code == "53100":
			return fmt.Errorf("%w: %w", store.ErrStorageFull, err)
		case pe.Code == "25006", pe.Code == "42501":
			return fmt.Errorf("%w: %w", store.ErrReadOnly, err)
		case strings.HasPrefix(pe.Code, "08"), pe.Code == "57P01", pe.Code == "57P03", pe.Code == "3D000", pe.Code == "28P01", pe.Code == "28000":
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
		return err
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	if errors.As(err, &ne) || errors.As(err, &ce) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// transient reports whether rerunning the whole transaction may succeed.
func transient(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqliteBusy || c == sqliteLocked
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// deadConn reports whether err says that the connection a statement ran on
// was dead (the server restarted or ended it), rather than anything about
// the statement.
func deadConn(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "57P01" || pe.Code == "57P02"
	}
	var ne net.Error
	return errors.As(err, &ne) && !ne.Timeout()
}
