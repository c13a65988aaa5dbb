package flow

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorCode is an Auth.js error type name, as the Auth.js routes put it in
// `/error?error=` and `/signin?error=` redirects.
type ErrorCode string

// The error codes the engine returns, with Auth.js's names.
const (
	// Configuration: the provider or the engine is set up wrongly.
	Configuration ErrorCode = "Configuration"
	// AccessDenied: the SignIn or JWT callback refused. (A refusal at the
	// provider is OAuthCallbackError with ErrAccessDenied, as in Auth.js.)
	AccessDenied ErrorCode = "AccessDenied"
	// InvalidCheck: state, PKCE or nonce failed.
	InvalidCheck ErrorCode = "InvalidCheck"
	// OAuthCallbackError: the provider answered with an error, or its
	// answer (code exchange, ID token, iss) did not verify.
	OAuthCallbackError ErrorCode = "OAuthCallbackError"
	// OAuthProfileParseError: the profile could not be read or mapped.
	OAuthProfileParseError ErrorCode = "OAuthProfileParseError"
	// OAuthAccountNotLinked: the account or its email belongs to another
	// user and the linking policy does not allow linking it.
	OAuthAccountNotLinked ErrorCode = "OAuthAccountNotLinked"
	// InvalidProvider: no such provider.
	InvalidProvider ErrorCode = "InvalidProvider"
	// AdapterError: the store failed.
	AdapterError ErrorCode = "AdapterError"
)

// The reasons behind the codes; errors.Is matches them on an *Error.
var (
	ErrUnknownProvider   = errors.New("unknown provider")
	ErrProviderConfig    = errors.New("provider not configured")
	ErrStateMissing      = errors.New("state missing")
	ErrStateMismatch     = errors.New("state does not match")
	ErrStateReplayed     = errors.New("state already used")
	ErrCheckCookie       = errors.New("check cookie missing, expired or not for this provider")
	ErrIssuerMismatch    = errors.New("iss does not match the provider")
	ErrProviderError     = errors.New("the provider answered with an error")
	ErrAccessDenied      = errors.New("access denied")
	ErrCodeMissing       = errors.New("code missing")
	ErrCodeExchange      = errors.New("code exchange failed")
	ErrIDToken           = errors.New("ID token invalid")
	ErrNonceMismatch     = errors.New("nonce does not match")
	ErrProfile           = errors.New("profile unreadable")
	ErrAccountNotLinked  = errors.New("account not linked")
	ErrSignInRefused     = errors.New("sign-in refused by callback")
	ErrStore             = errors.New("store failed")
	ErrNoCurrentUserData = errors.New("current user unknown")
)

// Error is what the engine returns for a failed sign-in: an Auth.js code,
// a reason (one of the sentinels above), and a detail that carries no
// code, state, verifier, token or secret.
type Error struct {
	Code   ErrorCode
	Reason error
	Detail string
	Err    error
}

// Error implements error.
func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Reason.Error()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + strings.TrimPrefix(e.Err.Error(), "authkit: ")
	}
	return msg
}

// Unwrap lets errors.Is match the reason and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Reason}
	}
	return []error{e.Reason, e.Err}
}

// CodeOf returns the Auth.js code of err, or "" when err is not an *Error.
func CodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func fail(code ErrorCode, reason error, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

func failWith(code ErrorCode, reason error, err error, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Detail: fmt.Sprintf(format, args...), Err: err}
}
