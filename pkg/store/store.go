// Package store defines how authkit keeps users, linked accounts, sessions,
// verification tokens and audit events.
//
// The Store interface follows the Auth.js adapter contract (createUser,
// getUserByAccount, linkAccount, ...) and adds the admin operations the
// authkit CLI needs (listing, merging, revoking). Every method documents the
// sentinel errors it returns; callers test them with errors.Is.
//
// The SQL implementation for SQLite and Postgres lives in store/sqlstore; the
// conformance suite any implementation must pass lives in store/storetest.
package store

import (
	"context"
	"time"
)

// User is a person known to authkit: the canonical user that linked accounts
// and sessions belong to. Empty strings stand for NULL columns.
type User struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	Email         string     `json:"email"`
	EmailVerified *time.Time `json:"emailVerified"`
	Image         string     `json:"image"`
}

// Account is an identity at a provider linked to a user: the Auth.js
// AdapterAccount. Token fields are empty when the provider gave none.
type Account struct {
	UserID            string `json:"userId"`
	Type              string `json:"type"`
	Provider          string `json:"provider"`
	ProviderAccountID string `json:"providerAccountId"`
	RefreshToken      string `json:"-"`
	AccessToken       string `json:"-"`
	ExpiresAt         *int64 `json:"expiresAt,omitempty"`
	TokenType         string `json:"tokenType,omitempty"`
	Scope             string `json:"scope,omitempty"`
	IDToken           string `json:"-"`
	SessionState      string `json:"-"`
}

// AccountTypes lists the account types authkit accepts in Account.Type.
var AccountTypes = []string{"oauth", "oidc", "email", "credentials", "siwe", "webauthn"}

// Session is a database session. Token is the bearer value set in the
// session cookie; it is only known to the caller that created the session
// (stores may keep a hash of it), so reads leave it empty where the store
// cannot recover it. ID is a stable handle for administration that never
// reveals the token.
type Session struct {
	ID        string    `json:"id"`
	Token     string    `json:"-"`
	UserID    string    `json:"userId"`
	Expires   time.Time `json:"expires"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
}

// VerificationToken is a one-time token of the email sign-in flow. Token is
// the value as the flow stores it (Auth.js stores a hash).
type VerificationToken struct {
	Identifier string    `json:"identifier"`
	Token      string    `json:"-"`
	Expires    time.Time `json:"expires"`
}

// Event is one entry of the audit log: what happened, to whom, by whom.
type Event struct {
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	UserID    string            `json:"userId,omitempty"`
	Actor     string            `json:"actor,omitempty"`
	Detail    map[string]string `json:"detail,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
}

// Event types recorded by authkit.
const (
	EventSignIn        = "signin"
	EventSignOut       = "signout"
	EventCreateUser    = "user.create"
	EventUpdateUser    = "user.update"
	EventDeleteUser    = "user.delete"
	EventLinkAccount   = "account.link"
	EventUnlinkAccount = "account.unlink"
	EventMergeUsers    = "user.merge"
	EventRevokeSession = "session.revoke"
	EventSetPassword   = "password.set"
)

// UserWithAccounts is a user together with the accounts linked to it.
type UserWithAccounts struct {
	User
	Accounts []Account `json:"accounts"`
}

// UserQuery selects users for ListUsers.
type UserQuery struct {
	// EmailContains keeps users whose email contains this text, compared
	// case-insensitively and literally (no wildcards; '%', '_' and '\'
	// are plain characters). Stores that normalise emails normalise it too.
	EmailContains string
	// Provider keeps users with at least one account at this provider.
	Provider string
	// After is the cursor returned by the previous page; empty for the first.
	After string
	// Limit is the page size; 0 means DefaultPageSize.
	Limit int
}

// DefaultPageSize is the page size ListUsers uses when the query sets none.
const DefaultPageSize = 500

// UserPage is one page of ListUsers. Next is empty on the last page.
type UserPage struct {
	Users []UserWithAccounts
	Next  string
}

// SessionQuery selects sessions for ListSessions and RevokeSessions.
type SessionQuery struct {
	// UserID keeps the sessions of one user.
	UserID string
	// ID keeps the session with this administrative id.
	ID string
	// ExpiredAt keeps sessions that expired at or before this time.
	ExpiredAt time.Time
}

// DuplicateGroup is a set of users whose normalised emails collide.
type DuplicateGroup struct {
	// Key is the normalised email they share.
	Key string `json:"key"`
	// Users are the colliding users with their accounts, oldest id first.
	Users []UserWithAccounts `json:"users"`
	// SuggestedTarget is the user the others should be merged into.
	SuggestedTarget string `json:"suggestedTarget"`
}

// MergePlan describes what MergeUsers did, or would do on a dry run.
type MergePlan struct {
	Target        string            `json:"target"`
	Sources       []string          `json:"sources"`
	MovedAccounts []Account         `json:"movedAccounts"`
	MovedSessions int               `json:"movedSessions"`
	FilledFields  map[string]string `json:"filledFields"`
	DryRun        bool              `json:"dryRun"`
}

// EventQuery selects audit events for ListEvents, newest first.
type EventQuery struct {
	UserID string
	Type   string
	Limit  int
}

// Info describes the database behind a store.
type Info struct {
	Engine  string       `json:"engine"`
	Profile string       `json:"profile"`
	Tables  []TableCount `json:"tables"`
	// Notes are advice about the schema, e.g. a missing index.
	Notes []string `json:"notes"`
}

// TableCount is a table and its number of rows.
type TableCount struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
}

// Store keeps users, accounts, sessions, verification tokens and events.
// All methods are safe for concurrent use.
type Store interface {
	// CreateUser inserts u and returns it with its id. The store assigns the
	// id; u.ID is ignored. Returns ErrConflict when the email is taken.
	CreateUser(ctx context.Context, u User) (User, error)
	// GetUser returns the user with this id, or ErrNotFound.
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByEmail returns the user with this email, or ErrNotFound.
	GetUserByEmail(ctx context.Context, email string) (User, error)
	// GetUserByAccount returns the user owning the account, or ErrNotFound.
	GetUserByAccount(ctx context.Context, provider, providerAccountID string) (User, error)
	// UpdateUser replaces the name, email, emailVerified and image of the
	// user u.ID. Returns ErrNotFound or ErrConflict (email taken).
	UpdateUser(ctx context.Context, u User) (User, error)
	// DeleteUser deletes the user with its accounts and sessions, in one
	// transaction. Returns ErrNotFound.
	DeleteUser(ctx context.Context, id string) error

	// LinkAccount links a to the user a.UserID. Returns ErrNotFound when the
	// user does not exist and a *ConflictError (matching ErrConflict) naming
	// the owner when another user holds the account.
	LinkAccount(ctx context.Context, a Account) (Account, error)
	// UnlinkAccount removes the account. Returns ErrNotFound.
	UnlinkAccount(ctx context.Context, provider, providerAccountID string) error
	// RemoveAccount deletes the account only where userID holds it (an
	// Auth.js schema without a unique key may hold one account under
	// several users). Returns ErrNotFound.
	RemoveAccount(ctx context.Context, userID, provider, providerAccountID string) error
	// ListAccounts returns the accounts of a user (none for an unknown user).
	ListAccounts(ctx context.Context, userID string) ([]Account, error)
	// CreateUserAndAccount creates a user and links an account to it in one
	// transaction: both rows exist afterwards, or neither.
	CreateUserAndAccount(ctx context.Context, u User, a Account) (User, Account, error)

	// CreateSession stores a session for s.UserID with s.Token. Returns
	// ErrNotFound for an unknown user and ErrConflict for a reused token.
	CreateSession(ctx context.Context, s Session) (Session, error)
	// GetSessionAndUser returns the session with this token and its user, or
	// ErrNotFound. Expired sessions are returned; callers judge expiry.
	GetSessionAndUser(ctx context.Context, token string) (Session, User, error)
	// UpdateSession sets the expiry of the session with this token. Returns
	// ErrNotFound.
	UpdateSession(ctx context.Context, token string, expires time.Time) (Session, error)
	// DeleteSession deletes the session with this token. Returns ErrNotFound.
	DeleteSession(ctx context.Context, token string) error

	// CreateVerificationToken stores an email verification token. Returns
	// ErrConflict when the same (identifier, token) exists.
	CreateVerificationToken(ctx context.Context, v VerificationToken) error
	// UseVerificationToken atomically reads and deletes the token, so that
	// only one caller ever gets it. Returns ErrNotFound.
	UseVerificationToken(ctx context.Context, identifier, token string) (VerificationToken, error)
	// DeleteExpiredVerificationTokens deletes the verification tokens that expired at or before now and returns how many it deleted.
	DeleteExpiredVerificationTokens(ctx context.Context, now time.Time) (int, error)

	// ListUsers returns one page of users with their accounts, ordered by
	// id. Accounts in listings (ListUsers, EachUser, FindDuplicates) carry
	// no provider tokens; ListAccounts has them.
	ListUsers(ctx context.Context, q UserQuery) (UserPage, error)
	// EachUser calls fn for every user q selects (q.After applies; q.Limit
	// 0 means all), ordered by id, with their accounts, streaming in flat
	// memory. An error from fn stops it and is returned.
	EachUser(ctx context.Context, q UserQuery, fn func(UserWithAccounts) error) error
	// ListSessions returns the sessions q selects, ordered by expiry.
	ListSessions(ctx context.Context, q SessionQuery) ([]Session, error)
	// RevokeSessions deletes the sessions q selects (q must select
	// something) and returns how many it deleted. Returns ErrInvalid for an
	// empty query.
	RevokeSessions(ctx context.Context, q SessionQuery) (int, error)
	// FindDuplicates returns the groups of users whose normalised emails
	// (see NormalizeEmail) collide.
	FindDuplicates(ctx context.Context) ([]DuplicateGroup, error)
	// MergeUsers moves the accounts and sessions of sources to target, fills
	// the target's empty fields from the sources, deletes the sources and
	// records an event, all in one transaction. With dryRun it only returns
	// the plan. Returns ErrNotFound for an unknown user and ErrInvalid when
	// target is among the sources.
	MergeUsers(ctx context.Context, target string, sources []string, dryRun bool) (MergePlan, error)

	// RevokeToken records that the JWT session with this jti is revoked
	// until expires (when it would end anyway); revoking twice is not an
	// error. Returns ErrUnsupported for schemas without a revocation table
	// (the Auth.js ones).
	RevokeToken(ctx context.Context, jti, userID string, expires time.Time) error
	// TokenRevoked reports whether the jti was revoked. Returns
	// ErrUnsupported like RevokeToken.
	TokenRevoked(ctx context.Context, jti string) (bool, error)
	// SetPassword stores the password hash of the user (a PHC string made
	// by pkg/password), replacing any it had. Returns ErrNotFound for an
	// unknown user, ErrInvalid for an empty hash and ErrUnsupported for
	// schemas without a credentials table (the Auth.js ones).
	SetPassword(ctx context.Context, userID, hash string) error
	// PasswordHash returns the stored password hash of the user, or
	// ErrNotFound when the user has none (or does not exist). Returns
	// ErrUnsupported like SetPassword.
	PasswordHash(ctx context.Context, userID string) (string, error)
	// RecordEvent appends an event to the audit log. Stores whose schema has
	// no event table accept and drop it.
	RecordEvent(ctx context.Context, e Event) error
	// ListEvents returns events, newest first. Returns ErrUnsupported when
	// the schema keeps no events.
	ListEvents(ctx context.Context, q EventQuery) ([]Event, error)

	// WithTx runs fn with a Store bound to one transaction, committed when
	// fn returns nil and rolled back otherwise. Transient conflicts
	// (serialization failures, deadlocks, busy databases, a connection that
	// died before the commit) rerun fn a bounded number of times, so fn must
	// not have effects outside the store.
	WithTx(ctx context.Context, fn func(tx Store) error) error

	// Info describes the engine, the schema profile and the row counts.
	Info(ctx context.Context) (Info, error)
	// Close releases the store's connections.
	Close() error
}
