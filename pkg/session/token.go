package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
)

// Format names a token encoding.
type Format string

// The token formats authkit reads and writes.
const (
	// FormatAuthJS is the Auth.js v5 (@auth/core) JWE.
	FormatAuthJS Format = "authjs"
	// FormatAuthJSv4 is the next-auth v4 JWE.
	FormatAuthJSv4 Format = "authjs-v4"
	// FormatJWS is a signed JWT.
	FormatJWS Format = "jws"
)

// Leeway is the clock tolerance on exp, nbf and iat, as Auth.js uses it.
const Leeway = 15 * time.Second

// DefaultMaxAge is the lifetime Auth.js gives a session token: 30 days.
const DefaultMaxAge = 30 * 24 * time.Hour

// DefaultMaxTokenSize is the longest token a decoder accepts unless told
// otherwise: 16 KiB, the size of a Node.js request header, so about four
// cookie chunks.
const DefaultMaxTokenSize = 16 << 10

// Claims is a decoded claims set. Numbers are json.Number, so that large
// integers keep every digit.
type Claims map[string]any

// Token is a token that decrypted or verified. Its time claims have not
// been judged yet: Validate does that, and Decode calls both.
type Token struct {
	// Format is the encoding the token was read as.
	Format Format
	// Header is the protected header, exactly as sent (JSON).
	Header json.RawMessage
	// Payload is the claims set exactly as decrypted or verified (JSON).
	Payload json.RawMessage
	// Claims is Payload decoded.
	Claims Claims
	// Alg and Enc are the header's algorithms (Enc is empty for JWS);
	// KeyID is its kid, if any.
	Alg, Enc, KeyID string
	// SecretIndex is the position in the decoder's secret or key list of
	// the one that opened the token.
	SecretIndex int
	// Salt is the HKDF salt that opened the token (JWE only).
	Salt string
	// Size is the length of the compact token in bytes.
	Size int
}

// Codec encodes and opens tokens of one format.
type Codec interface {
	// Format names the encoding.
	Format() Format
	// Encode seals claims, adding iat, exp and jti as Auth.js does.
	Encode(claims Claims, opts EncodeOptions) (string, error)
	// Open decrypts or verifies a token without judging its time claims.
	// On error the token is nil.
	Open(token string) (*Token, error)
}

// EncodeOptions are the per-token settings of Encode.
type EncodeOptions struct {
	// Now is the issue time; zero means time.Now().
	Now time.Time
	// MaxAge is the lifetime; zero means DefaultMaxAge.
	MaxAge time.Duration
	// JTI is the token id; empty means a new random UUID.
	JTI string
	// Order lists claim names in the order the token should carry them,
	// as Auth.js keeps the caller's order (MemberOrder reads it from JSON).
	// Claims it does not name follow in sorted order; iat, exp and jti keep
	// their place when named, and are appended otherwise.
	Order []string
}

// Decode opens token with c and validates its time claims at now.
// On error the returned token is nil.
func Decode(c Codec, token string, now time.Time) (*Token, error) {
	t, err := c.Open(token)
	if err != nil {
		return nil, err
	}
	if err := t.Validate(now); err != nil {
		return nil, err
	}
	return t, nil
}

// Validate judges exp (required), nbf and iat at now with Leeway, as jose
// does for Auth.js: expired once now >= exp + Leeway; not valid yet while
// nbf or iat > now + Leeway.
func (t *Token) Validate(now time.Time) error {
	exp, ok, err := t.timeClaim("exp")
	if err != nil {
		return err
	}
	if !ok {
		return refuse(ErrMissingExp, "the token does not expire")
	}
	if !now.Before(exp.Add(Leeway)) {
		return refuse(ErrExpired, "expired at %s", exp.UTC().Format(time.RFC3339))
	}
	for _, name := range []string{"nbf", "iat"} {
		at, ok, err := t.timeClaim(name)
		if err != nil {
			return err
		}
		if ok && at.After(now.Add(Leeway)) {
			return refuse(ErrNotYetValid, "%s is %s, in the future", name, at.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// IssuedAt returns the iat claim, if the token has a numeric one.
func (t *Token) IssuedAt() (time.Time, bool) {
	at, ok, err := t.timeClaim("iat")
	return at, ok && err == nil
}

// ExpiresAt returns the exp claim, if the token has a numeric one.
func (t *Token) ExpiresAt() (time.Time, bool) {
	at, ok, err := t.timeClaim("exp")
	return at, ok && err == nil
}

// Subject returns the sub claim when it is a non-empty string.
func (t *Token) Subject() string {
	s, _ := t.Claims["sub"].(string)
	return s
}

func (t *Token) timeClaim(name string) (time.Time, bool, error) {
	v, ok := t.Claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	n, isNum := v.(json.Number)
	if !isNum {
		return time.Time{}, false, refuse(ErrInvalidClaims, "%s is not a number", name)
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 1<<53 {
		return time.Time{}, false, refuse(ErrInvalidClaims, "%s is not a time", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// parseClaims decodes a payload that must be one JSON object of valid
// UTF-8, without duplicate member names or numbers beyond float64.
func parseClaims(payload []byte) (Claims, error) {
	c, err := parseJSONObject(payload)
	if err != nil {
		return nil, refuse(ErrInvalidClaims, "%s", err.Error())
	}
	return c, nil
}

// marshalClaims encodes claims with iat, exp and jti set, members in
// opts.Order first.
func marshalClaims(claims Claims, opts EncodeOptions) ([]byte, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	maxAge := opts.MaxAge
	if maxAge == 0 {
		maxAge = DefaultMaxAge
	}
	jti := opts.JTI
	if jti == "" {
		jti = newUUID()
	}
	iat := now.Unix()
	values := make(map[string]any, len(claims)+3)
	maps.Copy(values, claims)
	values["iat"] = iat
	values["exp"] = iat + int64(maxAge/time.Second)
	values["jti"] = jti

	names := make([]string, 0, len(values))
	placed := make(map[string]bool, len(values))
	for _, n := range opts.Order {
		if _, ok := values[n]; ok && !placed[n] {
			names, placed[n] = append(names, n), true
		}
	}
	var rest []string
	for n := range claims {
		if !placed[n] && n != "iat" && n != "exp" && n != "jti" {
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	names = append(names, rest...)
	for _, n := range []string{"iat", "exp", "jti"} {
		if !placed[n] {
			names = append(names, n)
		}
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(n); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1)
		buf.WriteByte(':')
		if err := enc.Encode(values[n]); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// MemberOrder returns the names of a JSON object's top-level members in
// the order they appear, for EncodeOptions.Order.
func MemberOrder(object []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(object))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var names []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := t.(string)
		names = append(names, name)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return names, nil
}
