// Package cmdutil holds what every authkit command shares: the Factory
// (streams, database, clock), exit codes, the error style and output
// helpers. Command groups import it; the root command wires them.
package cmdutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/authkit-dev/authkit/pkg/store"
)

// Exit codes, stable and documented in the README.
const (
	ExitOK         = 0
	ExitError      = 1
	ExitUsage      = 2
	ExitNotFound   = 3
	ExitCredential = 4
	ExitCancelled  = 130
)

// Error is a command failure in the authkit style:
//
//	authkit: cannot <Action>: <cause>
//	  <Fix>
type Error struct {
	// Action is "<verb> <object>", e.g. `delete user "ada@example.com"`.
	Action string
	// Err is the cause.
	Err error
	// Fix says which flag or setting fixes it; may be empty.
	Fix string
	// Code is the exit code; 0 means derive it from Err.
	Code int
}

func (e *Error) Error() string {
	msg := "authkit: cannot " + e.Action
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Fix != "" {
		msg += "\n  " + e.Fix
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Fail wraps err as an *Error for action with a fix hint.
func Fail(action string, err error, fix string) error {
	return &Error{Action: action, Err: err, Fix: fix}
}

// FailStore wraps err, a store error, for action. The fix is the store's
// own hint when it has one (database not migrated, read-only, full, ...),
// else fix. An *Error passes through unchanged.
func FailStore(action string, err error, fix string) error {
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	if hint := StoreFix(err); hint != "" {
		fix = hint
	}
	return Fail(action, err, fix)
}

// UsageError is a misuse of flags or arguments (exit 2).
func UsageError(action string, format string, args ...any) error {
	return &Error{Action: action, Err: fmt.Errorf(format, args...), Code: ExitUsage}
}

// Usage is a usage error (exit 2) with a fix hint.
func Usage(action, fix string, format string, args ...any) error {
	return &Error{Action: action, Err: fmt.Errorf(format, args...), Fix: fix, Code: ExitUsage}
}

// OutputError reports that the command's output could not be written
// (stdout on a full disk, a closed pipe): `authkit: cannot write output`,
// exit 1. It returns nil for nil and passes an *Error through.
func OutputError(err error) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	return &Error{Action: "write output", Err: err, Fix: "check the file or pipe that standard output goes to", Code: ExitError}
}

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *Error
	if errors.As(err, &e) && e.Code != 0 {
		return e.Code
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, ErrCancelled):
		return ExitCancelled
	case errors.Is(err, store.ErrNotFound):
		return ExitNotFound
	case errors.Is(err, store.ErrInvalid):
		return ExitUsage
	}
	return ExitError
}

// ErrCancelled: the user answered no or pressed Ctrl-C.
var ErrCancelled = errors.New("cancelled")

// StoreFix is the hint for a store error: the flag or command that fixes it.
func StoreFix(err error) string {
	switch {
	case errors.Is(err, store.ErrNotMigrated):
		return "run `authkit db migrate` first, or point --database-url at the right database"
	case errors.Is(err, store.ErrSchemaTooNew):
		return "upgrade authkit to the version that migrated this database"
	case errors.Is(err, store.ErrUnknownSchema):
		return "pass --schema authkit|authjs-prisma|authjs-pg|authjs-drizzle, or run `authkit db inspect`"
	case errors.Is(err, store.ErrReadOnly):
		return "make the database file and its directory writable, or use a writable --database-url"
	case errors.Is(err, store.ErrStorageFull):
		return "free space on the disk holding the database (nothing was written)"
	case errors.Is(err, store.ErrUnsupported):
		return "use a database with the authkit schema (`authkit db migrate`)"
	case errors.Is(err, store.ErrSchemaMismatch):
		return "give the column named above a default in your app's migrations (authkit never alters Auth.js tables), or pass --schema if the profile is wrong"
	}
	return ""
}
