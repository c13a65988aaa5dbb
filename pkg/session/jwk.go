package session

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxKeySourceSize is the largest key file or JWKS response LoadKeys reads:
// 1 MiB, far more than any real key set.
const MaxKeySourceSize = 1 << 20

// The bounds authkit puts on keys.
const (
	// MinRSABits is the smallest RSA modulus authkit accepts.
	MinRSABits = 2048
	// MaxRSABits is the largest: bigger keys make every verification slow
	// and are a cheap way to make a verifier burn CPU.
	MaxRSABits = 8192
	// MinHMACSecret is the shortest HMAC secret authkit accepts, in bytes.
	// HS384 and HS512 need at least their hash size (48 and 64 bytes), as
	// RFC 7518 section 3.2 requires.
	MinHMACSecret = 32
)

type jwsKeyKind int

const (
	jwkKindNone jwsKeyKind = iota
	jwkKindHMAC
	jwkKindRSA
	jwkKindEC
	jwkKindEd25519
)

func (k jwsKeyKind) String() string {
	switch k {
	case jwkKindHMAC:
		return "HMAC secret"
	case jwkKindRSA:
		return "RSA key"
	case jwkKindEC:
		return "EC P-256 key"
	case jwkKindEd25519:
		return "Ed25519 key"
	}
	return "key"
}

// jwsAlgs is the allow-list of JWS algorithms: what kind of key each needs,
// and golang-jwt's implementation of it.
var jwsAlgs = map[string]struct {
	kind      jwsKeyKind
	method    jwt.SigningMethod
	minSecret int
}{
	"HS256": {jwkKindHMAC, jwt.SigningMethodHS256, MinHMACSecret},
	"HS384": {jwkKindHMAC, jwt.SigningMethodHS384, 48},
	"HS512": {jwkKindHMAC, jwt.SigningMethodHS512, 64},
	"RS256": {jwkKindRSA, jwt.SigningMethodRS256, 0},
	"ES256": {jwkKindEC, jwt.SigningMethodES256, 0},
	"EdDSA": {jwkKindEd25519, jwt.SigningMethodEdDSA, 0},
}

// jwsDefaultAlg is the algorithm inferred for a kind of key.
func jwsDefaultAlg(kind jwsKeyKind) string {
	switch kind {
	case jwkKindRSA:
		return "RS256"
	case jwkKindEC:
		return "ES256"
	case jwkKindEd25519:
		return "EdDSA"
	}
	return "HS256"
}

const jwsAlgList = "HS256, HS384, HS512, RS256, ES256 or EdDSA"

// Key is one JWS key: an HMAC secret, or a public key (RSA of 2048 to 8192
// bits, ECDSA P-256 or Ed25519) with or without its private key. Make one
// with HMACKey, NewKey, ParseKeys or LoadKeys; the zero Key is not usable.
//
// A Key never prints its material: fmt shows its kind, alg and kid only,
// and encoding/json sees ID and Alg only.
type Key struct {
	// ID is the kid. Keys made without one get their RFC 7638 thumbprint
	// (SHA-256), so that tokens always name the key that signed them.
	ID string
	// Alg is the one algorithm the key signs and verifies with, its whole
	// allow-list: HS256, HS384, HS512, RS256, ES256 or EdDSA.
	Alg string

	kind    jwsKeyKind
	secret  []byte
	public  crypto.PublicKey // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	private crypto.Signer    // *rsa.PrivateKey, *ecdsa.PrivateKey or ed25519.PrivateKey
}

// Symmetric reports whether the key is an HMAC secret, which both signs
// and verifies and must never be published.
func (k Key) Symmetric() bool { return k.kind == jwkKindHMAC }

// CanSign reports whether the key can sign: an HMAC secret, or a key pair
// with its private half. A key that can sign is secret material.
func (k Key) CanSign() bool {
	return (k.kind == jwkKindHMAC && len(k.secret) > 0) || k.private != nil
}

// PublicKey returns the public key (*rsa.PublicKey, *ecdsa.PublicKey or
// ed25519.PublicKey), or nil for an HMAC secret.
func (k Key) PublicKey() crypto.PublicKey { return k.public }

// VerifyOnly returns the key without its private half, and true; for an
// HMAC secret, which cannot be split, it returns the zero Key and false.
func (k Key) VerifyOnly() (Key, bool) {
	if k.kind == jwkKindHMAC || k.kind == jwkKindNone {
		return Key{}, false
	}
	k.private = nil
	return k, true
}

// Thumbprint returns the key's RFC 7638 thumbprint (SHA-256, base64url),
// computed from its public members only (for an HMAC secret, from the
// secret, which the hash does not reveal).
func (k Key) Thumbprint() string { return jwkThumbprint(k.kind, k.public, k.secret) }

// String describes the key without any of its material.
func (k Key) String() string {
	if k.kind == jwkKindNone {
		return "invalid key"
	}
	what := k.kind.String()
	switch {
	case k.kind == jwkKindHMAC:
	case k.private != nil:
		what += " (private)"
	default:
		what += " (public)"
	}
	return fmt.Sprintf("%s %s kid=%q", k.Alg, what, k.ID)
}

// Format implements fmt.Formatter so that no verb, %#v and %x included,
// prints the key material.
func (k Key) Format(f fmt.State, verb rune) { io.WriteString(f, k.String()) }

// check verifies that the key is complete and that its alg fits its kind;
// it guards against a Key whose exported Alg was changed after it was made.
func (k Key) check() error {
	info, ok := jwsAlgs[k.Alg]
	switch {
	case k.kind == jwkKindNone:
		return errors.New("the key is empty; make keys with ParseKeys, LoadKeys, HMACKey or NewKey")
	case !ok:
		return fmt.Errorf("alg %.32q is not supported; use %s", k.Alg, jwsAlgList)
	case info.kind != k.kind:
		return jwsConfusion(k.kind, k.Alg)
	case k.kind == jwkKindHMAC && len(k.secret) < info.minSecret:
		return fmt.Errorf("the HMAC secret has %d bytes; %s needs at least %d", len(k.secret), k.Alg, info.minSecret)
	}
	return nil
}

func jwsConfusion(kind jwsKeyKind, alg string) error {
	if kind == jwkKindHMAC {
		return fmt.Errorf("an HMAC secret cannot be used with %s; use HS256, HS384 or HS512", alg)
	}
	if jwsAlgs[alg].kind == jwkKindHMAC {
		return fmt.Errorf("an %s cannot be used with %s (that would be algorithm confusion: a public key is no HMAC secret); use %s", kind, alg, jwsDefaultAlg(kind))
	}
	return fmt.Errorf("an %s cannot be used with %s; use %s", kind, alg, jwsDefaultAlg(kind))
}

// jwsCheckAlg validates the alg given to a key constructor ("" = infer).
func jwsCheckAlg(alg string) error {
	if alg == "" {
		return nil
	}
	if strings.EqualFold(alg, "none") {
		return errors.New(`alg "none" is never accepted; use ` + jwsAlgList)
	}
	if _, ok := jwsAlgs[alg]; !ok {
		return fmt.Errorf("alg %.32q is not supported; use %s", alg, jwsAlgList)
	}
	return nil
}

// HMACKey returns an HMAC key for alg (HS256, HS384 or HS512; "" means
// HS256). The secret must have at least 32 bytes, and at least the hash
// size for HS384 (48) and HS512 (64). A secret that is in fact a PEM, DER
// or JWK key is refused: using a public key as an HMAC secret is the
// algorithm-confusion attack. The secret is copied; the kid is the key's
// RFC 7638 thumbprint.
func HMACKey(secret []byte, alg string) (Key, error) {
	k, err := jwkHMACKey("", secret, alg)
	if err != nil {
		return Key{}, fmt.Errorf("authkit: cannot use the HMAC secret: %w", err)
	}
	return k, nil
}

func jwkHMACKey(id string, secret []byte, alg string) (Key, error) {
	if alg == "" {
		alg = "HS256"
	}
	if err := jwsCheckAlg(alg); err != nil {
		return Key{}, err
	}
	if info := jwsAlgs[alg]; info.kind != jwkKindHMAC {
		return Key{}, fmt.Errorf("an HMAC secret cannot be used with %s; use HS256, HS384 or HS512, or give the %s itself", alg, info.kind)
	}
	if jwkLooksLikeKey(secret) {
		return Key{}, errors.New("the secret is a PEM, DER or JWK key, not a random secret (a public key used as an HMAC secret is the algorithm-confusion attack); make a secret with authkit secret")
	}
	k := Key{ID: id, Alg: alg, kind: jwkKindHMAC, secret: bytes.Clone(secret)}
	if err := k.check(); err != nil {
		return Key{}, fmt.Errorf("%w; make a longer one with authkit secret --bytes 64", err)
	}
	if k.ID == "" {
		k.ID = k.Thumbprint()
	}
	return k, nil
}

// jwkLooksLikeKey reports whether b is a key in PEM, JWK or DER form.
func jwkLooksLikeKey(b []byte) bool {
	t := bytes.TrimSpace(b)
	if bytes.Contains(t, []byte("-----BEGIN ")) {
		return true
	}
	if len(t) > 0 && t[0] == '{' {
		var m map[string]json.RawMessage
		if json.Unmarshal(t, &m) == nil {
			_, kty := m["kty"]
			_, set := m["keys"]
			return kty || set
		}
	}
	if len(t) > 0 && t[0] == 0x30 {
		if _, err := x509.ParsePKIXPublicKey(t); err == nil {
			return true
		}
		if _, err := x509.ParsePKCS1PublicKey(t); err == nil {
			return true
		}
		if _, err := x509.ParseCertificate(t); err == nil {
			return true
		}
		if _, err := x509.ParsePKCS8PrivateKey(t); err == nil {
			return true
		}
		if _, err := x509.ParseECPrivateKey(t); err == nil {
			return true
		}
		if _, err := x509.ParsePKCS1PrivateKey(t); err == nil {
			return true
		}
	}
	return false
}

// NewKey returns a key for alg ("" = the algorithm of the key type) and
// id ("" = the thumbprint) from Go key material: []byte (an HMAC secret,
// as HMACKey), *rsa.PrivateKey, *rsa.PublicKey, *ecdsa.PrivateKey,
// *ecdsa.PublicKey (P-256), ed25519.PrivateKey or ed25519.PublicKey.
func NewKey(id, alg string, material any) (Key, error) {
	var k Key
	var err error
	switch m := material.(type) {
	case []byte:
		k, err = jwkHMACKey(id, m, alg)
	case *rsa.PrivateKey:
		if m == nil {
			return Key{}, errors.New("authkit: cannot use the key: the RSA key is empty")
		}
		k, err = jwkAsymmetric(id, alg, &m.PublicKey, m)
	case *ecdsa.PrivateKey:
		if m == nil {
			return Key{}, errors.New("authkit: cannot use the key: the EC key is empty")
		}
		k, err = jwkAsymmetric(id, alg, &m.PublicKey, m)
	case ed25519.PrivateKey:
		if len(m) != ed25519.PrivateKeySize {
			return Key{}, errors.New("authkit: cannot use the key: the Ed25519 private key does not have 64 bytes")
		}
		k, err = jwkAsymmetric(id, alg, m.Public(), m)
	case crypto.Signer:
		// golang-jwt signs RSA and ECDSA with the standard library's key
		// types only; other signers (HSM, KMS) would fail at the first
		// token.
		err = fmt.Errorf("signers of type %T are not supported; give an *rsa.PrivateKey, *ecdsa.PrivateKey or ed25519.PrivateKey", m)
	default:
		k, err = jwkAsymmetric(id, alg, m, nil)
	}
	if err != nil {
		return Key{}, fmt.Errorf("authkit: cannot use the key: %w", err)
	}
	return k, nil
}

// jwkAsymmetric checks pub (and priv, when given) and returns the key.
func jwkAsymmetric(id, alg string, pub crypto.PublicKey, priv crypto.Signer) (Key, error) {
	if err := jwsCheckAlg(alg); err != nil {
		return Key{}, err
	}
	k := Key{ID: id, Alg: alg}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p == nil || p.N == nil {
			return Key{}, errors.New("the RSA key is empty")
		}
		bits := p.N.BitLen()
		if bits < MinRSABits {
			return Key{}, fmt.Errorf("the RSA key has %d bits; authkit needs at least %d: make a new one with openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072", bits, MinRSABits)
		}
		if bits > MaxRSABits {
			return Key{}, fmt.Errorf("the RSA key has %d bits; authkit accepts at most %d", bits, MaxRSABits)
		}
		if p.E < 3 || p.E%2 == 0 {
			return Key{}, errors.New("the RSA key has an invalid public exponent")
		}
		k.kind, k.public = jwkKindRSA, p
		if priv != nil {
			rp, ok := priv.(*rsa.PrivateKey)
			if !ok {
				return Key{}, errors.New("the private key does not match the public key")
			}
			if err := rp.Validate(); err != nil {
				return Key{}, errors.New("the RSA private key is invalid")
			}
			k.private = rp
		}
	case *ecdsa.PublicKey:
		if p == nil || p.Curve == nil {
			return Key{}, errors.New("the EC key is empty")
		}
		if p.Curve != elliptic.P256() {
			return Key{}, fmt.Errorf("the EC key is on curve %s; authkit accepts P-256 only (ES256)", p.Curve.Params().Name)
		}
		if _, err := p.Bytes(); err != nil {
			return Key{}, errors.New("the EC public key is not a point of P-256")
		}
		k.kind, k.public = jwkKindEC, p
		if priv != nil {
			ep, ok := priv.(*ecdsa.PrivateKey)
			if !ok {
				return Key{}, errors.New("the private key does not match the public key")
			}
			k.private = ep
		}
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return Key{}, errors.New("the Ed25519 public key does not have 32 bytes")
		}
		k.kind, k.public = jwkKindEd25519, p
		if priv != nil {
			ep, ok := priv.(ed25519.PrivateKey)
			if !ok || len(ep) != ed25519.PrivateKeySize {
				return Key{}, errors.New("the private key does not match the public key")
			}
			k.private = ep
		}
	case *ed25519.PublicKey:
		if p == nil {
			return Key{}, errors.New("the Ed25519 key is empty")
		}
		return jwkAsymmetric(id, alg, *p, priv)
	default:
		return Key{}, fmt.Errorf("keys of type %T are not supported; use RSA, EC P-256 or Ed25519", pub)
	}
	if k.Alg == "" {
		k.Alg = jwsDefaultAlg(k.kind)
	}
	if jwsAlgs[k.Alg].kind != k.kind {
		return Key{}, jwsConfusion(k.kind, k.Alg)
	}
	if k.ID == "" {
		k.ID = k.Thumbprint()
	}
	return k, nil
}

// jwkThumbprint is the RFC 7638 thumbprint: SHA-256 of the required
// public members in lexicographic order, without white space.
func jwkThumbprint(kind jwsKeyKind, pub crypto.PublicKey, secret []byte) string {
	var canonical string
	switch kind {
	case jwkKindHMAC:
		canonical = `{"k":"` + jwkB64(secret) + `","kty":"oct"}`
	case jwkKindRSA:
		p := pub.(*rsa.PublicKey)
		canonical = `{"e":"` + jwkB64(big.NewInt(int64(p.E)).Bytes()) + `","kty":"RSA","n":"` + jwkB64(p.N.Bytes()) + `"}`
	case jwkKindEC:
		x, y := jwkECPoint(pub.(*ecdsa.PublicKey))
		canonical = `{"crv":"P-256","kty":"EC","x":"` + jwkB64(x) + `","y":"` + jwkB64(y) + `"}`
	case jwkKindEd25519:
		canonical = `{"crv":"Ed25519","kty":"OKP","x":"` + jwkB64(pub.(ed25519.PublicKey)) + `"}`
	default:
		return ""
	}
	sum := sha256.Sum256([]byte(canonical))
	return jwkB64(sum[:])
}

func jwkECPoint(p *ecdsa.PublicKey) (x, y []byte) {
	b, err := p.Bytes()
	if err != nil || len(b) != 65 {
		return nil, nil
	}
	return b[1:33], b[33:]
}

func jwkB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwsB64Decode decodes base64url without padding, strictly: only the 64
// characters of the alphabet (the standard decoder skips CR and LF, which
// would make two spellings of one value), and no stray bits.
func jwsB64Decode(s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, false
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return b, err == nil
}

// ParseKeys reads the keys in data, which is PEM (one or more blocks of
// PUBLIC KEY, PRIVATE KEY (PKCS #8), RSA PRIVATE KEY, RSA PUBLIC KEY,
// EC PRIVATE KEY or CERTIFICATE; EC PARAMETERS blocks are skipped), one
// JWK (a JSON object with "kty") or a JWKS ({"keys": [...]}).
//
// alg is the algorithm every key must use; "" infers it per key: the JWK
// "alg" member when present, else RS256 for RSA, ES256 for EC P-256 and
// EdDSA for Ed25519. An "oct" JWK (an HMAC secret) needs an HS alg, given
// here or in the JWK. An alg that does not fit a key is an error (an RSA
// key with HS256 is the algorithm-confusion attack), as are RSA keys under
// 2048 bits, curves other than P-256, and encrypted PEM.
//
// PEM and single JWKs are strict: any unusable key is an error. A JWKS is
// read as a verifier reads a provider's key set: an entry that is not for
// signatures ("use" other than "sig", or "key_ops" without "sign" or
// "verify"), that does not fit alg, or that cannot be used (unknown kty,
// other curve, weak RSA) is skipped, and ParseKeys fails only when no
// entry is left; its error then lists why each was skipped.
//
// The kid comes from the JWK; keys without one (PEM, or JWKs without
// "kid") get their RFC 7638 thumbprint. A private key and its public key
// given together (in PEM) become one key.
func ParseKeys(data []byte, alg string) ([]Key, error) {
	keys, err := jwkParseKeys(data, alg)
	if err != nil {
		return nil, fmt.Errorf("authkit: cannot parse the keys: %w", err)
	}
	return keys, nil
}

func jwkParseKeys(data []byte, alg string) ([]Key, error) {
	if err := jwsCheckAlg(alg); err != nil {
		return nil, err
	}
	t := bytes.TrimSpace(data)
	switch {
	case len(t) == 0:
		return nil, errors.New("there is no key; give PEM, a JWK or a JWKS")
	case t[0] == '{':
		return parseJWKJSON(t, alg)
	case bytes.HasPrefix(t, []byte("-----BEGIN ")) || bytes.Contains(t, []byte("\n-----BEGIN ")):
		return jwkParsePEM(t, alg)
	}
	return nil, errors.New("the data is neither PEM (-----BEGIN ...) nor a JWK or JWKS (JSON); an HMAC secret is given with HMACKey or as an oct JWK, never as a raw file")
}

func jwkParsePEM(data []byte, alg string) ([]Key, error) {
	var keys []Key
	rest := data
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type == "EC PARAMETERS" {
			continue
		}
		k, err := jwkFromPEM(block, alg)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s): %w", n, block.Type, err)
		}
		keys = jwkMerge(keys, k)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("the PEM data has a block that does not decode, or text after the last block")
	}
	if len(keys) == 0 {
		return nil, errors.New("the PEM data has no key")
	}
	return keys, nil
}

func jwkFromPEM(block *pem.Block, alg string) (Key, error) {
	if _, ok := block.Headers["Proc-Type"]; ok || block.Type == "ENCRYPTED PRIVATE KEY" {
		return Key{}, errors.New("the key is encrypted; decrypt it first (openssl pkey -in key.pem -out plain.pem) and keep the file mode 0600")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		return Key{}, errors.New("unsupported PEM block type; use PUBLIC KEY, PRIVATE KEY, RSA PRIVATE KEY, RSA PUBLIC KEY, EC PRIVATE KEY or CERTIFICATE")
	}
	if err != nil {
		// The x509 errors name the structure, never the key bytes.
		return Key{}, fmt.Errorf("the key does not parse: %v", err)
	}
	if s, ok := key.(crypto.Signer); ok {
		return jwkAsymmetric("", alg, s.Public(), s)
	}
	return jwkAsymmetric("", alg, key, nil)
}

// jwkMerge appends k unless keys has the same key (same alg and
// thumbprint); then the one that can sign is kept.
func jwkMerge(keys []Key, k Key) []Key {
	tp := k.Thumbprint()
	for i := range keys {
		if keys[i].Alg == k.Alg && keys[i].Thumbprint() == tp {
			if !keys[i].CanSign() && k.CanSign() {
				keys[i] = k
			}
			return keys
		}
	}
	return append(keys, k)
}

func parseJWKJSON(data []byte, alg string) ([]Key, error) {
	if err := checkJSON(data); err != nil {
		return nil, fmt.Errorf("the JSON is invalid: %s", strings.Replace(err.Error(), "the payload", "it", 1))
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, errors.New("the JSON is not an object")
	}
	raw, isSet := top["keys"]
	if !isSet {
		if _, ok := top["kty"]; !ok {
			return nil, errors.New(`the JSON is neither a JWK (no "kty") nor a JWKS (no "keys")`)
		}
		k, err := parseJWK(top, alg)
		if err != nil {
			return nil, fmt.Errorf("the JWK: %w", err)
		}
		return []Key{k}, nil
	}
	var entries []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, errors.New(`the JWKS "keys" member is not an array of objects`)
	}
	const maxReasons = 8
	var keys []Key
	var skipped []string
	for i, e := range entries {
		k, err := parseJWK(e, alg)
		if err != nil {
			if len(skipped) < maxReasons {
				skipped = append(skipped, fmt.Sprintf("entry %d: %v", i, err))
			} else if len(skipped) == maxReasons {
				skipped = append(skipped, "...")
			}
			continue
		}
		keys = jwkMerge(keys, k)
	}
	if len(keys) == 0 {
		if len(entries) == 0 {
			return nil, errors.New("the JWKS has no keys")
		}
		return nil, fmt.Errorf("the JWKS has no usable signing key (%s)", strings.Join(skipped, "; "))
	}
	return keys, nil
}

func jwkString(m map[string]json.RawMessage, name string) (string, bool, error) {
	raw, ok := m[name]
	if !ok {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, fmt.Errorf("%q is not a string", name)
	}
	return s, true, nil
}

// jwkBytes decodes the base64url member name; want > 0 requires that
// length.
func jwkBytes(m map[string]json.RawMessage, name string, want int) ([]byte, bool, error) {
	s, ok, err := jwkString(m, name)
	if err != nil || !ok {
		return nil, ok, err
	}
	b, valid := jwsB64Decode(s)
	if !valid || len(b) == 0 {
		return nil, true, fmt.Errorf("%q is not base64url without padding", name)
	}
	if want > 0 && len(b) != want {
		return nil, true, fmt.Errorf("%q has %d bytes, not %d", name, len(b), want)
	}
	return b, true, nil
}

// parseJWK reads one JWK. Its errors name members, never their values
// (except kty, crv, alg and use, which are not secret).
func parseJWK(m map[string]json.RawMessage, alg string) (Key, error) {
	kty, _, err := jwkString(m, "kty")
	if err != nil {
		return Key{}, err
	}
	kid, _, err := jwkString(m, "kid")
	if err != nil {
		return Key{}, err
	}
	if use, ok, err := jwkString(m, "use"); err != nil {
		return Key{}, err
	} else if ok && use != "sig" {
		return Key{}, fmt.Errorf("use is %.16q, not \"sig\"", use)
	}
	if raw, ok := m["key_ops"]; ok {
		var ops []string
		if err := json.Unmarshal(raw, &ops); err != nil {
			return Key{}, errors.New(`"key_ops" is not an array of strings`)
		}
		usable := false
		for _, op := range ops {
			usable = usable || op == "sign" || op == "verify"
		}
		if !usable {
			return Key{}, errors.New(`"key_ops" has neither "sign" nor "verify"`)
		}
	}
	jwkAlg, hasAlg, err := jwkString(m, "alg")
	if err != nil {
		return Key{}, err
	}
	if hasAlg {
		if err := jwsCheckAlg(jwkAlg); err != nil || jwkAlg == "" {
			return Key{}, fmt.Errorf("alg %.32q is not supported; use %s", jwkAlg, jwsAlgList)
		}
		if alg != "" && jwkAlg != alg {
			return Key{}, fmt.Errorf("the JWK is for %s, not %s", jwkAlg, alg)
		}
		alg = jwkAlg
	}
	if _, ok := m["oth"]; ok {
		return Key{}, errors.New("multi-prime RSA keys are not supported")
	}
	_, private := m["d"]
	switch kty {
	case "oct":
		return jwkOct(m, kid, alg)
	case "RSA":
		return jwkRSA(m, kid, alg, private)
	case "EC":
		return jwkEC(m, kid, alg, private)
	case "OKP":
		return jwkOKP(m, kid, alg, private)
	case "":
		return Key{}, errors.New(`the JWK has no "kty"`)
	}
	return Key{}, fmt.Errorf("kty %.16q is not supported; use RSA, EC, OKP or oct", kty)
}

func jwkOct(m map[string]json.RawMessage, kid, alg string) (Key, error) {
	if alg == "" {
		return Key{}, errors.New(`an oct JWK (HMAC secret) needs an alg: HS256, HS384 or HS512, in the JWK or given with it`)
	}
	if jwsAlgs[alg].kind != jwkKindHMAC {
		return Key{}, jwsConfusion(jwkKindHMAC, alg)
	}
	k, _, err := jwkBytes(m, "k", 0)
	if err != nil {
		return Key{}, err
	}
	if k == nil {
		return Key{}, errors.New(`the oct JWK has no "k"`)
	}
	return jwkHMACKey(kid, k, alg)
}

func jwkRSA(m map[string]json.RawMessage, kid, alg string, private bool) (Key, error) {
	if alg != "" && jwsAlgs[alg].kind != jwkKindRSA {
		return Key{}, jwsConfusion(jwkKindRSA, alg)
	}
	n, _, err1 := jwkBytes(m, "n", 0)
	e, _, err2 := jwkBytes(m, "e", 0)
	if err := errors.Join(err1, err2); err != nil {
		return Key{}, err
	}
	if n == nil || e == nil {
		return Key{}, errors.New(`the RSA JWK needs "n" and "e"`)
	}
	if len(e) > 4 {
		return Key{}, errors.New(`"e" is too large`)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	if !private || pub.N.BitLen() < MinRSABits || pub.N.BitLen() > MaxRSABits {
		// Public, or refused for its size before any work on "d".
		return jwkAsymmetric(kid, alg, pub, nil)
	}
	var parts [3][]byte
	for i, name := range []string{"d", "p", "q"} {
		b, ok, err := jwkBytes(m, name, 0)
		if err != nil {
			return Key{}, err
		}
		if !ok {
			return Key{}, errors.New(`a private RSA JWK needs "d", "p" and "q"`)
		}
		parts[i] = b
	}
	priv := &rsa.PrivateKey{
		PublicKey: *pub,
		D:         new(big.Int).SetBytes(parts[0]),
		Primes:    []*big.Int{new(big.Int).SetBytes(parts[1]), new(big.Int).SetBytes(parts[2])},
	}
	priv.Precompute()
	if err := priv.Validate(); err != nil {
		return Key{}, errors.New("the RSA private key is inconsistent")
	}
	return jwkAsymmetric(kid, alg, &priv.PublicKey, priv)
}

func jwkEC(m map[string]json.RawMessage, kid, alg string, private bool) (Key, error) {
	if alg != "" && jwsAlgs[alg].kind != jwkKindEC {
		return Key{}, jwsConfusion(jwkKindEC, alg)
	}
	crv, _, err := jwkString(m, "crv")
	if err != nil {
		return Key{}, err
	}
	if crv != "P-256" {
		return Key{}, fmt.Errorf("curve %.16q is not supported; authkit accepts P-256 (ES256) only", crv)
	}
	x, _, err1 := jwkBytes(m, "x", 32)
	y, _, err2 := jwkBytes(m, "y", 32)
	if err := errors.Join(err1, err2); err != nil {
		return Key{}, err
	}
	if x == nil || y == nil {
		return Key{}, errors.New(`the EC JWK needs "x" and "y"`)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return Key{}, errors.New("the EC public key is not a point of P-256")
	}
	if !private {
		return jwkAsymmetric(kid, alg, pub, nil)
	}
	d, _, err := jwkBytes(m, "d", 32)
	if err != nil {
		return Key{}, err
	}
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil || !priv.PublicKey.Equal(pub) {
		return Key{}, errors.New(`the EC private key "d" does not match "x" and "y"`)
	}
	return jwkAsymmetric(kid, alg, pub, priv)
}

func jwkOKP(m map[string]json.RawMessage, kid, alg string, private bool) (Key, error) {
	if alg != "" && jwsAlgs[alg].kind != jwkKindEd25519 {
		return Key{}, jwsConfusion(jwkKindEd25519, alg)
	}
	crv, _, err := jwkString(m, "crv")
	if err != nil {
		return Key{}, err
	}
	if crv != "Ed25519" {
		return Key{}, fmt.Errorf("curve %.16q is not supported; authkit accepts Ed25519 (EdDSA) only", crv)
	}
	x, _, err := jwkBytes(m, "x", ed25519.PublicKeySize)
	if err != nil {
		return Key{}, err
	}
	if x == nil {
		return Key{}, errors.New(`the OKP JWK needs "x"`)
	}
	pub := ed25519.PublicKey(x)
	if !private {
		return jwkAsymmetric(kid, alg, pub, nil)
	}
	d, _, err := jwkBytes(m, "d", ed25519.SeedSize)
	if err != nil {
		return Key{}, err
	}
	priv := ed25519.NewKeyFromSeed(d)
	if !pub.Equal(priv.Public()) {
		return Key{}, errors.New(`the Ed25519 private key "d" does not match "x"`)
	}
	return jwkAsymmetric(kid, alg, pub, priv)
}

// PublicJWKS returns the public keys among keys as a JWKS document, each
// with kty, use "sig", alg, kid and its public members only. HMAC secrets
// are left out, and so is every private member: the result is safe to
// publish (a /jwks route), and ParseKeys reads it back as verify-only keys.
// Keys appearing twice (same kid and key) are listed once; with no public
// key the result is {"keys":[]}.
func PublicJWKS(keys []Key) ([]byte, error) {
	type jwk struct {
		Kty string `json:"kty"`
		Use string `json:"use"`
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Crv string `json:"crv,omitempty"`
		N   string `json:"n,omitempty"`
		E   string `json:"e,omitempty"`
		X   string `json:"x,omitempty"`
		Y   string `json:"y,omitempty"`
	}
	doc := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	seen := make(map[[2]string]bool)
	for i, k := range keys {
		if k.Symmetric() {
			continue
		}
		if err := k.check(); err != nil {
			return nil, fmt.Errorf("authkit: cannot publish key %d: %w", i, err)
		}
		id := [2]string{k.ID, k.Thumbprint()}
		if seen[id] {
			continue
		}
		seen[id] = true
		j := jwk{Use: "sig", Alg: k.Alg, Kid: k.ID}
		switch p := k.public.(type) {
		case *rsa.PublicKey:
			j.Kty, j.N, j.E = "RSA", jwkB64(p.N.Bytes()), jwkB64(big.NewInt(int64(p.E)).Bytes())
		case *ecdsa.PublicKey:
			x, y := jwkECPoint(p)
			j.Kty, j.Crv, j.X, j.Y = "EC", "P-256", jwkB64(x), jwkB64(y)
		case ed25519.PublicKey:
			j.Kty, j.Crv, j.X = "OKP", "Ed25519", jwkB64(p)
		}
		doc.Keys = append(doc.Keys, j)
	}
	return json.Marshal(doc)
}

// LoadKeys reads keys from source, which is a file path (PEM, JWK or JWKS,
// as ParseKeys reads them) or the URL of a JWKS: https://, or http:// to
// a loopback host (127.0.0.1, ::1, localhost) only. At most
// MaxKeySourceSize bytes are read. A URL is fetched with client (nil means
// a client of its own), under ctx and, when ctx has no deadline, a 30 s
// timeout; redirects must keep to the same rules. Keys from a URL are
// public keys only: HMAC secrets in the set are skipped, private halves
// dropped.
//
// A file holding private material (an HMAC secret or a private key) that
// is readable by its group or by others is not refused: the keys are
// returned usable, and KeyFileExposed tells the caller, which should warn.
func LoadKeys(ctx context.Context, source string, alg string, client *http.Client) ([]Key, error) {
	if source == "" {
		return nil, errors.New("authkit: cannot load keys: no source given; give a key file path or an https:// JWKS URL")
	}
	lower := strings.ToLower(source)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		return jwkLoadURL(ctx, source, alg, client)
	}
	fail := func(cause string, args ...any) error {
		return fmt.Errorf("authkit: cannot load keys from %s: "+cause, append([]any{source}, args...)...)
	}
	f, err := os.Open(source)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fail("the file does not exist; check the path, or give an https:// JWKS URL")
		}
		if errors.Is(err, fs.ErrPermission) {
			return nil, fail("permission denied; make the file readable by the user running authkit")
		}
		return nil, fail("%v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fail("%v", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fail("not a regular file; give the path of a PEM, JWK or JWKS file")
	}
	data, err := jwkReadBounded(f)
	if err != nil {
		return nil, fail("%v", err)
	}
	keys, err := jwkParseKeys(data, alg)
	if err != nil {
		return nil, fail("%v", err)
	}
	return keys, nil
}

var errJWKSourceTooLarge = fmt.Errorf("it is larger than %d bytes (1 MiB); a key set is never that large", MaxKeySourceSize)

func jwkReadBounded(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxKeySourceSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxKeySourceSize {
		return nil, errJWKSourceTooLarge
	}
	return data, nil
}

// jwkURLAllowed accepts https URLs, and http to a loopback host.
func jwkURLAllowed(u *url.URL) error {
	switch {
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
		return errors.New("plain http is allowed only to 127.0.0.1, ::1 or localhost; use https")
	}
	return errors.New("the URL must be https:// with a host")
}

func jwkLoadURL(ctx context.Context, source, alg string, client *http.Client) ([]Key, error) {
	shown := source
	u, err := url.Parse(source)
	if err == nil {
		u.User = nil
		u.RawQuery, u.Fragment = "", ""
		shown = u.String()
	}
	fail := func(cause string, args ...any) error {
		return fmt.Errorf("authkit: cannot load keys from %s: "+cause, append([]any{shown}, args...)...)
	}
	if err != nil {
		return nil, fail("not a valid URL")
	}
	if err := jwkURLAllowed(u); err != nil {
		return nil, fail("%v", err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	c := &http.Client{}
	if client != nil {
		cc := *client
		c = &cc
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		return jwkURLAllowed(req.URL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, source, nil)
	if err != nil {
		return nil, fail("not a valid URL")
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is already in the message
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fail("no answer in time; check that the URL is reachable from here")
		}
		return nil, fail("%v; check the URL and the network", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fail("the server answered %s; check the URL of the JWKS", resp.Status)
	}
	data, err := jwkReadBounded(resp.Body)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fail("no complete answer in time")
		}
		return nil, fail("%v", err)
	}
	t := bytes.TrimSpace(data)
	if len(t) == 0 || t[0] != '{' {
		return nil, fail("the answer is not a JWKS (JSON); check the URL of the JWKS")
	}
	keys, err := parseJWKJSON(t, alg)
	if err != nil {
		return nil, fail("%v", err)
	}
	var public []Key
	for _, k := range keys {
		if v, ok := k.VerifyOnly(); ok {
			public = append(public, v)
		}
	}
	if len(public) == 0 {
		return nil, fail("the JWKS has no public key (HMAC secrets are never loaded from a URL)")
	}
	return public, nil
}

// KeyFileExposed reports whether the key file at path is readable by its
// group or by others while keys (read from it) hold private material: an
// HMAC secret or a private key. LoadKeys does not refuse such a file; the
// caller should warn, for instance "chmod 600 <path>". It is always false
// on Windows, whose permissions the mode bits do not describe.
func KeyFileExposed(path string, keys []Key) (exposed bool, mode fs.FileMode, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return false, 0, fmt.Errorf("authkit: cannot check the mode of %s: %w", path, err)
	}
	mode = st.Mode().Perm()
	if runtime.GOOS == "windows" || mode&0o044 == 0 {
		return false, mode, nil
	}
	for _, k := range keys {
		if k.CanSign() {
			return true, mode, nil
		}
	}
	return false, mode, nil
}
