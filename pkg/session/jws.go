package session

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// JWS is the signed-JWT session codec (FormatJWS): compact JWS with HS256,
// HS384, HS512, RS256, ES256 or EdDSA, signed and verified by
// github.com/golang-jwt/jwt/v5.
//
// Each key allows exactly one algorithm, its Alg: a token is checked only
// with keys whose Alg is the token's alg, so an RSA public key can never
// be used as an HMAC secret, and "none" is never accepted.
//
// Key selection. A token with a kid is checked with the key of that kid
// only (an unknown kid is ErrNoMatchingSecret, a kid whose key has another
// alg is ErrUnsupported). A token without a kid is checked with each key
// whose Alg is the token's alg, in order, and the first that verifies
// opens it: this is how a verifier reads tokens from signers that do not
// set kid, and how rotated HMAC secrets keep working; the work is bounded
// by the number of configured keys. Tokens this codec writes always carry
// the kid of the key that signed them.
//
// Open refuses, before any cryptography, tokens longer than the maximum
// size, the JWS JSON serialisations, anything but three segments of strict
// base64url, and headers that are not one JSON object with unique members,
// that have no alg, an alg outside the allow-list, crit, b64, cty, zip or
// enc, or a typ other than "JWT". Header members that carry keys (jwk, jku,
// x5c, x5u) are ignored: a token never chooses its own key.
//
// Verification uses golang-jwt's implementation of the key's algorithm
// (jwt.SigningMethod.Verify), chosen from the key, never from the header:
// the effect of jwt.WithValidMethods([]string{key.Alg}). Open does not go
// through jwt.Parser, because the parser decodes the claims with
// encoding/json before it checks the signature: a changed payload would
// read as malformed instead of tampered, and duplicate or invalid UTF-8
// members would be silently accepted. Open checks the signature over the
// segments as sent, then decodes the verified payload with the package's
// strict JSON rules.
//
// A JWS is safe for concurrent use, except SetMaxSize. Printed with fmt
// (%v, %s, %#v), it shows its keys' algs and kids, never their material.
type JWS struct {
	keys    []jwsKey
	signer  int
	maxSize int
}

type jwsKey struct {
	Key
	method     jwt.SigningMethod
	verifyKey  any // []byte, *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	signKey    any // []byte, *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey or nil
	header     string
	headerJSON []byte
}

// NewJWS returns the JWS codec for keys. The first key that can sign (an
// HMAC secret or a private key) signs; every key verifies. A codec of
// public keys only opens tokens and cannot encode.
func NewJWS(keys []Key) (*JWS, error) {
	if len(keys) == 0 {
		return nil, errors.New("authkit: cannot make the JWS session codec: no key; give a key file or JWKS URL, or an HMAC secret")
	}
	c := &JWS{signer: -1, maxSize: DefaultMaxTokenSize}
	for i, k := range keys {
		if err := k.check(); err != nil {
			return nil, fmt.Errorf("authkit: cannot make the JWS session codec: key %d (%v): %w", i, k, err)
		}
		jk := jwsKey{Key: k, method: jwsAlgs[k.Alg].method}
		if k.kind == jwkKindHMAC {
			jk.verifyKey, jk.signKey = k.secret, k.secret
		} else {
			jk.verifyKey = k.public
			if k.private != nil {
				jk.signKey = k.private
			}
		}
		h, err := json.Marshal(struct {
			Alg string `json:"alg"`
			Kid string `json:"kid,omitempty"`
			Typ string `json:"typ"`
		}{k.Alg, k.ID, "JWT"})
		if err != nil {
			return nil, fmt.Errorf("authkit: cannot make the JWS session codec: %w", err)
		}
		jk.headerJSON = h
		jk.header = base64.RawURLEncoding.EncodeToString(h)
		if c.signer < 0 && jk.signKey != nil {
			c.signer = i
		}
		c.keys = append(c.keys, jk)
	}
	return c, nil
}

// String describes the codec by its keys' algs and kids, never their
// material, so that logging a codec (%v, %+v, %s) logs no secret.
func (c *JWS) String() string {
	var sb strings.Builder
	sb.WriteString("JWS codec [")
	for i := range c.keys {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(c.keys[i].Key.String())
	}
	sb.WriteString("]")
	return sb.String()
}

// GoString is String, for %#v.
func (c *JWS) GoString() string { return c.String() }

// SetMaxSize changes the longest token Open accepts and Encode writes
// (DefaultMaxTokenSize unless set). Longer tokens are refused before any
// decoding.
func (c *JWS) SetMaxSize(n int) { c.maxSize = n }

// Format implements Codec.
func (c *JWS) Format() Format { return FormatJWS }

// Keys returns the codec's keys, in order (Token.SecretIndex indexes them).
func (c *JWS) Keys() []Key {
	out := make([]Key, len(c.keys))
	for i := range c.keys {
		out[i] = c.keys[i].Key
	}
	return out
}

// SigningKey returns the key Encode signs with, and false when the codec
// has public keys only.
func (c *JWS) SigningKey() (Key, bool) {
	if c.signer < 0 {
		return Key{}, false
	}
	return c.keys[c.signer].Key, true
}

// PublicJWKS returns the codec's public keys as a JWKS document; see the
// function PublicJWKS.
func (c *JWS) PublicJWKS() ([]byte, error) { return PublicJWKS(c.Keys()) }

// Encode implements Codec: it signs claims with the signing key, adding
// iat, exp and jti, under the header {"alg":...,"kid":...,"typ":"JWT"}.
func (c *JWS) Encode(claims Claims, opts EncodeOptions) (string, error) {
	if c.signer < 0 {
		return "", errors.New("authkit: cannot encode the session token: the JWS keys are public keys only; give a private key or an HMAC secret to sign")
	}
	payload, err := marshalClaims(claims, opts)
	if err != nil {
		return "", fmt.Errorf("authkit: cannot encode the session token: %w", err)
	}
	k := &c.keys[c.signer]
	var sb strings.Builder
	sb.Grow(len(k.header) + 2 + base64.RawURLEncoding.EncodedLen(len(payload)) + 700)
	sb.WriteString(k.header)
	sb.WriteByte('.')
	sb.WriteString(base64.RawURLEncoding.EncodeToString(payload))
	sig, err := k.method.Sign(sb.String(), k.signKey)
	if err != nil {
		return "", fmt.Errorf("authkit: cannot sign the session token with key %q: %w", k.ID, err)
	}
	sb.WriteByte('.')
	sb.WriteString(base64.RawURLEncoding.EncodeToString(sig))
	if sb.Len() > c.maxSize {
		return "", fmt.Errorf("authkit: cannot encode the session token: it would be %d bytes, over the limit of %d; put fewer or smaller claims in it", sb.Len(), c.maxSize)
	}
	return sb.String(), nil
}

// jwsHeader is what Open takes from a token's header.
type jwsHeader struct {
	alg    string
	kid    string
	hasKid bool
	json   []byte
}

// Open implements Codec: it verifies the token's signature and decodes its
// claims, without judging time claims (Decode and Token.Validate do).
// See JWS for what it refuses and how it selects keys.
func (c *JWS) Open(token string) (*Token, error) {
	if len(token) > c.maxSize {
		return nil, refuse(ErrTooLarge, "%d bytes, the limit is %d", len(token), c.maxSize)
	}
	if token == "" {
		return nil, refuse(ErrMalformed, "the token is empty")
	}
	if token[0] == '{' {
		return nil, refuse(ErrMalformed, "the JWS JSON serialisation is refused; only the compact form is accepted")
	}
	hseg, rest, ok := strings.Cut(token, ".")
	if !ok {
		return nil, refuse(ErrMalformed, "a compact JWS has 3 parts separated by dots, this has 1")
	}
	pseg, sseg, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, refuse(ErrMalformed, "a compact JWS has 3 parts separated by dots, this has 2")
	}
	if strings.IndexByte(sseg, '.') >= 0 {
		return nil, refuse(ErrMalformed, "a compact JWS has 3 parts separated by dots, this has more")
	}
	h, err := c.header(hseg)
	if err != nil {
		return nil, err
	}
	if pseg == "" {
		return nil, refuse(ErrMalformed, "the payload is empty (detached payloads are refused)")
	}
	payload, ok := jwsB64Decode(pseg)
	if !ok {
		return nil, refuse(ErrMalformed, "the payload is not base64url")
	}
	if sseg == "" {
		return nil, refuse(ErrMalformed, "the signature is missing")
	}
	sig, ok := jwsB64Decode(sseg)
	if !ok {
		return nil, refuse(ErrMalformed, "the signature is not base64url")
	}
	signed := token[:len(hseg)+1+len(pseg)]
	index := -1
	tried := 0
	for i := range c.keys {
		k := &c.keys[i]
		if h.hasKid && k.ID != h.kid || k.Alg != h.alg {
			continue
		}
		tried++
		if k.method.Verify(signed, sig, k.verifyKey) == nil {
			index = i
			break
		}
	}
	if index < 0 {
		if tried == 0 {
			return nil, c.noKey(h)
		}
		if h.hasKid {
			return nil, refuse(ErrTampered, "the signature does not verify with key %.32q", h.kid)
		}
		return nil, refuse(ErrTampered, "the signature does not verify with any of the %d %s key(s): the token was changed, or signed with another key", tried, h.alg)
	}
	claims, err := parseClaims(payload)
	if err != nil {
		return nil, err
	}
	t := &Token{
		Format:      FormatJWS,
		Header:      h.json,
		Payload:     payload,
		Claims:      claims,
		Alg:         h.alg,
		SecretIndex: index,
		Size:        len(token),
	}
	if h.hasKid {
		t.KeyID = h.kid
	}
	return t, nil
}

// noKey explains why no key was tried for header h.
func (c *JWS) noKey(h jwsHeader) error {
	if h.hasKid {
		for i := range c.keys {
			if c.keys[i].ID == h.kid {
				return refuse(ErrUnsupported, "alg %s; the key %.32q allows %s only", h.alg, h.kid, c.keys[i].Alg)
			}
		}
		return refuse(ErrNoMatchingSecret, "the kid %.32q matches none of the %d key(s)", h.kid, len(c.keys))
	}
	return refuse(ErrUnsupported, "alg %s is not the alg of any of the %d key(s)", h.alg, len(c.keys))
}

// jwsRefusedMembers are the header members whose mere presence refuses a
// token: each asks the verifier for something authkit does not do.
var jwsRefusedMembers = []struct{ name, why string }{
	{"crit", "critical header extensions (crit) are refused"},
	{"b64", "unencoded payloads (b64) are refused"},
	{"cty", "nested tokens (cty) are refused"},
	{"zip", "compressed tokens (zip) are refused"},
	{"enc", "a JWE header member (enc) in a JWS is refused"},
}

// header checks the protected header. A header byte for byte equal to the
// one this codec writes for a key is known at once; any other is decoded
// and checked member by member.
func (c *JWS) header(seg string) (jwsHeader, error) {
	for i := range c.keys {
		if seg == c.keys[i].header {
			k := &c.keys[i]
			return jwsHeader{alg: k.Alg, kid: k.ID, hasKid: k.ID != "", json: append([]byte(nil), k.headerJSON...)}, nil
		}
	}
	var h jwsHeader
	raw, ok := jwsB64Decode(seg)
	if !ok || len(raw) == 0 {
		return h, refuse(ErrMalformed, "the header is not base64url")
	}
	if err := checkJSON(raw); err != nil {
		return h, refuse(ErrMalformed, "the header is not one JSON object with unique members")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return h, refuse(ErrMalformed, "the header is not a JSON object")
	}
	h.json = raw
	str := func(name string) (string, bool, error) {
		v, ok := m[name]
		if !ok {
			return "", false, nil
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "", true, refuse(ErrMalformed, "the header member %s is not a string", name)
		}
		return s, true, nil
	}
	alg, ok, err := str("alg")
	switch {
	case err != nil:
		return h, err
	case !ok:
		return h, refuse(ErrMalformed, "the header has no alg")
	case strings.EqualFold(alg, "none"):
		return h, refuse(ErrUnsupported, "alg %.32q: unsigned tokens are never accepted", alg)
	}
	if _, known := jwsAlgs[alg]; !known {
		return h, refuse(ErrUnsupported, "alg %.32q; only %s are accepted", alg, jwsAlgList)
	}
	h.alg = alg
	for _, r := range jwsRefusedMembers {
		if _, present := m[r.name]; present {
			return h, refuse(ErrUnsupported, "%s", r.why)
		}
	}
	if typ, present, err := str("typ"); err != nil {
		return h, err
	} else if present && !strings.EqualFold(typ, "JWT") {
		return h, refuse(ErrUnsupported, "typ %.32q; a session token has typ JWT", typ)
	}
	if h.kid, h.hasKid, err = str("kid"); err != nil {
		return h, err
	}
	return h, nil
}
