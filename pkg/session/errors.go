package session

import (
	"errors"
	"fmt"
)

// ErrInvalidToken is matched by every error a decoder returns for a token it
// refuses. The more precise sentinels below are matched as well.
var ErrInvalidToken = errors.New("invalid session token")

// The reasons a token is refused. Each error returned by a decoder matches
// ErrInvalidToken and exactly one of these.
var (
	// ErrMalformed: not a token of the expected form (segments, base64url,
	// header JSON), or truncated.
	ErrMalformed = errors.New("not a session token")
	// ErrUnsupported: a well-formed token whose algorithm, encryption,
	// compression or nesting this decoder does not accept.
	ErrUnsupported = errors.New("algorithm not accepted")
	// ErrNoMatchingSecret: the token's kid matches no key derived from the
	// configured secrets and salt: it was made under another secret or salt.
	ErrNoMatchingSecret = errors.New("no matching secret")
	// ErrTampered: the authentication tag or signature does not verify.
	// For tokens without a kid this is also what another secret or salt
	// looks like.
	ErrTampered = errors.New("tampered or made with another key")
	// ErrInvalidClaims: the payload is not a JSON object of valid UTF-8
	// without duplicate names, or a registered claim has the wrong type.
	ErrInvalidClaims = errors.New("invalid claims")
	// ErrTooLarge: the token is longer than the decoder's limit; it is
	// refused before any cryptography.
	ErrTooLarge = errors.New("token too large")
	// ErrExpired: exp is in the past by more than the leeway.
	ErrExpired = errors.New("token expired")
	// ErrNotYetValid: iat or nbf is in the future by more than the leeway.
	ErrNotYetValid = errors.New("token not valid yet")
	// ErrMissingExp: the token has no exp claim; authkit never accepts a
	// token that does not expire.
	ErrMissingExp = errors.New("token has no exp claim")
	// ErrNoToken: the request or cookie header carries no session token.
	// It does not match ErrInvalidToken: no token is not a bad token.
	ErrNoToken = errors.New("no session token")
)

// TokenError is the error type of every refused token. Reason is one of the
// sentinels above; Detail says what exactly was wrong, without any secret
// or token material.
type TokenError struct {
	Reason error
	Detail string
}

// Error implements error.
func (e *TokenError) Error() string {
	if e.Detail == "" {
		return e.Reason.Error()
	}
	return e.Reason.Error() + ": " + e.Detail
}

// Is reports whether target is ErrInvalidToken or the error's reason.
func (e *TokenError) Is(target error) bool {
	return target == ErrInvalidToken || target == e.Reason
}

// Unwrap returns the reason.
func (e *TokenError) Unwrap() error { return e.Reason }

func refuse(reason error, format string, args ...any) error {
	return &TokenError{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}
