package devidp

import (
	"fmt"
	"slices"
	"strings"
)

// Failure names a fault the identity provider produces on purpose, so that
// a client (the flow engine, `authkit login`) can be tested against it.
// Each constant's comment says what it does and which attack or fault it
// stands for (the security catalogue's sections 2a to 2c).
type Failure string

// The failure modes. Those marked "OIDC only" concern the ID token, which
// the github and discord shapes do not issue.
const (
	// FailAccessDenied: the authorization endpoint redirects back with
	// error=access_denied and an error_description, as when the user
	// clicks "Cancel" at the provider (catalogue 2a #17).
	FailAccessDenied Failure = "access_denied"
	// FailStateNotEchoed: the authorization response carries no state,
	// as a broken or hostile provider would (catalogue 2a #2).
	FailStateNotEchoed Failure = "state_not_echoed"
	// FailWrongIssParam: the iss parameter of the authorization response
	// names another provider: the mix-up attack of RFC 9207 (catalogue
	// 2a #14). It is sent on every shape.
	FailWrongIssParam Failure = "wrong_iss_param"
	// FailNoIssParam: no iss parameter, although the discovery document
	// says authorization_response_iss_parameter_supported (catalogue 2a
	// #15). OIDC only.
	FailNoIssParam Failure = "no_iss_param"
	// FailTokenError: the token endpoint refuses every request with an
	// OAuth error in the shape's own style: 400 invalid_grant, or GitHub's
	// 200 with error=bad_verification_code (catalogue 2a #12).
	FailTokenError Failure = "token_error"
	// FailToken500: the token endpoint answers 500 with an HTML page, a
	// provider outage (catalogue 2a #23).
	FailToken500 Failure = "token_500"
	// FailSlowToken: the token endpoint waits Options.TokenDelay (10 s
	// when unset) before it answers, to test client timeouts.
	FailSlowToken Failure = "slow_token"
	// FailWrongIss: the ID token's iss is the issuer with a trailing
	// slash, the smallest difference an exact comparison must catch
	// (catalogue 2c #47). OIDC only.
	FailWrongIss Failure = "wrong_iss"
	// FailWrongAud: the ID token's aud and azp name another client
	// (catalogue 2c #48, #50). OIDC only.
	FailWrongAud Failure = "wrong_aud"
	// FailBadSignature: the ID token's signature has one bit flipped
	// (catalogue 2c #45). OIDC only.
	FailBadSignature Failure = "bad_signature"
	// FailAlgNone: the ID token is unsigned, with alg "none" and an empty
	// signature (catalogue 2c #42). OIDC only.
	FailAlgNone Failure = "alg_none"
	// FailUnknownKid: the ID token is signed with the provider's real key
	// but names a kid the JWKS does not hold, so that a verifier which
	// ignores kid and tries every key is caught (catalogue 2c #60). OIDC
	// only.
	FailUnknownKid Failure = "unknown_kid"
	// FailExpiredIDToken: the ID token expired an hour ago (catalogue 2c
	// #51). OIDC only.
	FailExpiredIDToken Failure = "expired_id_token"
	// FailFutureIat: the ID token was issued an hour in the future, a
	// skewed or forged clock (catalogue 2c #52). OIDC only.
	FailFutureIat Failure = "future_iat"
	// FailNonceMismatch: the ID token's nonce is not the one sent in the
	// authorization request, a replayed or injected token (catalogue 2c
	// #54). OIDC only.
	FailNonceMismatch Failure = "nonce_mismatch"
	// FailNoNonce: the ID token has no nonce although one was sent
	// (catalogue 2c #54). OIDC only.
	FailNoNonce Failure = "no_nonce"
	// FailUserinfoSubMismatch: the userinfo endpoint answers with another
	// sub than the ID token's, a token substitution (catalogue 2a #25).
	// OIDC only.
	FailUserinfoSubMismatch Failure = "userinfo_sub_mismatch"
	// FailUnverifiedEmail: the email is not verified: email_verified
	// false (OIDC), verified false in /user/emails (GitHub) or in
	// /users/@me (Discord). A linking policy of `verified` must then
	// refuse to link by email (nOAuth, catalogue 2c #71).
	FailUnverifiedEmail Failure = "unverified_email"
	// FailNoEmail: the profile has no email: no email claim (OIDC), email
	// null and an empty /user/emails (GitHub), no email field (Discord).
	FailNoEmail Failure = "no_email"
)

// failureInfo describes a failure mode for people, and whether it needs
// an ID token (OIDC shapes only).
type failureInfo struct {
	failure Failure
	oidc    bool
	doc     string
}

var failureTable = []failureInfo{
	{FailAccessDenied, false, "authorize redirects back with error=access_denied"},
	{FailStateNotEchoed, false, "the authorization response carries no state"},
	{FailWrongIssParam, false, "the authorization response's iss names another provider (mix-up)"},
	{FailNoIssParam, true, "the authorization response has no iss although discovery promises it"},
	{FailTokenError, false, "the token endpoint refuses with an OAuth error (invalid_grant)"},
	{FailToken500, false, "the token endpoint answers 500 with an HTML page"},
	{FailSlowToken, false, "the token endpoint waits --token-delay before answering"},
	{FailWrongIss, true, "the ID token's iss has a trailing slash"},
	{FailWrongAud, true, "the ID token's aud and azp name another client"},
	{FailBadSignature, true, "the ID token's signature has a bit flipped"},
	{FailAlgNone, true, "the ID token is unsigned (alg none)"},
	{FailUnknownKid, true, "the ID token names a kid missing from the JWKS"},
	{FailExpiredIDToken, true, "the ID token expired an hour ago"},
	{FailFutureIat, true, "the ID token is issued an hour in the future"},
	{FailNonceMismatch, true, "the ID token's nonce differs from the one sent"},
	{FailNoNonce, true, "the ID token has no nonce"},
	{FailUserinfoSubMismatch, true, "userinfo answers with another sub"},
	{FailUnverifiedEmail, false, "the email is marked unverified"},
	{FailNoEmail, false, "the profile has no email"},
}

// Failures lists every failure mode, in a stable order.
func Failures() []Failure {
	out := make([]Failure, len(failureTable))
	for i, f := range failureTable {
		out[i] = f.failure
	}
	return out
}

// Describe says in a few words what f does ("" for an unknown failure).
func (f Failure) Describe() string {
	if i := failureIndex(f); i >= 0 {
		return failureTable[i].doc
	}
	return ""
}

// NeedsIDToken reports whether f concerns the ID token or OIDC-only
// parameters, and so only applies to the oidc and google shapes.
func (f Failure) NeedsIDToken() bool {
	i := failureIndex(f)
	return i >= 0 && failureTable[i].oidc
}

func failureIndex(f Failure) int {
	return slices.IndexFunc(failureTable, func(i failureInfo) bool { return i.failure == f })
}

// ParseFailure reads a failure mode's name; dashes may stand for
// underscores (wrong-iss).
func ParseFailure(s string) (Failure, error) {
	f := Failure(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_"))
	if failureIndex(f) < 0 {
		return "", fmt.Errorf("unknown failure mode %q; the failure modes are %s", s, joinFailures(Failures()))
	}
	return f, nil
}

func joinFailures(fs []Failure) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// failureSet is a set of failure modes. Its zero value is empty.
type failureSet map[Failure]bool

// newFailureSet checks fs against shape and returns them as a set.
func newFailureSet(shape Shape, fs []Failure) (failureSet, error) {
	set := failureSet{}
	for _, f := range fs {
		if failureIndex(f) < 0 {
			return nil, fmt.Errorf("unknown failure mode %q; the failure modes are %s", string(f), joinFailures(Failures()))
		}
		if f.NeedsIDToken() && !shape.OIDC() {
			return nil, fmt.Errorf("failure mode %s concerns OpenID Connect (ID tokens, the iss parameter), which the %s shape does not use; use --shape oidc or google", f, shape)
		}
		set[f] = true
	}
	return set, nil
}

// list returns the set's members in the table's order.
func (s failureSet) list() []Failure {
	var out []Failure
	for _, f := range Failures() {
		if s[f] {
			out = append(out, f)
		}
	}
	return out
}
