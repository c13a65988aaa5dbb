package store

import (
	"errors"
	"fmt"
)

// Sentinel errors returned by Store implementations. Test them with errors.Is.
var (
	// ErrNotFound: the user, account, session or token does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique key is taken (email, provider account, token).
	ErrConflict = errors.New("already exists")
	// ErrInvalid: the request is malformed (merging a user into itself, an
	// empty revoke query, an unknown account type).
	ErrInvalid = errors.New("invalid request")
	// ErrUnsupported: the schema profile cannot do this (events in an
	// Auth.js database).
	ErrUnsupported = errors.New("not supported by this schema")
	// ErrLastSignInMethod: the change would leave a user with no way to
	// sign in.
	ErrLastSignInMethod = errors.New("it is the user's last sign-in method")
	// ErrStorageFull: the database or the disk under it is full.
	ErrStorageFull = errors.New("the database or disk is full")
	// ErrReadOnly: the database cannot be written (read-only file or
	// file system, missing permission).
	ErrReadOnly = errors.New("the database is read-only")
	// ErrUnavailable: the database cannot be reached.
	ErrUnavailable = errors.New("the database is unreachable")
	// ErrNotMigrated: the authkit schema is missing or older than this
	// build; run `authkit db migrate`.
	ErrNotMigrated = errors.New("the database is not migrated")
	// ErrSchemaTooNew: the database was migrated by a newer authkit.
	ErrSchemaTooNew = errors.New("the database schema is newer than this authkit")
	// ErrUnknownSchema: the tables match no schema profile.
	ErrUnknownSchema = errors.New("the tables match no schema profile")
	// ErrSchemaMismatch: a table of the profile has a constraint authkit
	// cannot satisfy, such as an extra NOT NULL column without a default.
	ErrSchemaMismatch = errors.New("a table does not fit what authkit writes")
)

// ConflictError is the ErrConflict for an account that another user holds.
type ConflictError struct {
	// What names the key, e.g. "account github/123".
	What string
	// OwnerID is the user that holds it, when known.
	OwnerID string
}

func (e *ConflictError) Error() string {
	if e.OwnerID == "" {
		return fmt.Sprintf("%s already exists", e.What)
	}
	return fmt.Sprintf("%s is already linked to user %s", e.What, e.OwnerID)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// NotFoundError is the ErrNotFound that names what was looked up.
type NotFoundError struct {
	// What names the lookup, e.g. `user "ada@example.com"`.
	What string
}

func (e *NotFoundError) Error() string { return e.What + " not found" }

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }
