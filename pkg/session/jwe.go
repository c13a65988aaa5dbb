package session

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
)

const (
	encCBC = "A256CBC-HS512"
	encGCM = "A256GCM"
)

var b64 = base64.RawURLEncoding.Strict()

// JWE is the Auth.js session codec: compact JWE with alg "dir". The v5
// codec encodes A256CBC-HS512 with a kid and decodes A256CBC-HS512 and
// A256GCM; the v4 codec encodes and decodes A256GCM without a kid.
//
// Keys are derived once, when the codec is made. A JWE is safe for
// concurrent use.
type JWE struct {
	version Version
	salt    string
	maxSize int
	noGCM   bool
	keys    []jweKeys
}

type jweKeys struct {
	cbc           derivedKey
	gcm           derivedKey
	cbcBlock      cipher.Block
	gcmAEAD       cipher.AEAD
	macs          *sync.Pool
	cbcHeader     string
	cbcHeaderJSON []byte
}

// NewAuthJS returns the Auth.js v5 codec for secrets (newest first: the
// first one encodes) and salt, which Auth.js sets to the session cookie's
// name, such as "authjs.session-token".
func NewAuthJS(secrets []string, salt string) (*JWE, error) {
	if salt == "" {
		return nil, errors.New("authkit: cannot make the Auth.js session codec: the salt is empty; use the session cookie name, such as authjs.session-token")
	}
	if len("Auth.js Generated Encryption Key ()")+len(salt) > 1024 {
		return nil, errors.New("authkit: cannot make the Auth.js session codec: the salt is longer than Auth.js allows (about 990 bytes)")
	}
	return newJWE(V5, secrets, salt)
}

// NewAuthJSv4 returns the next-auth v4 codec for secrets. next-auth v4 has
// one secret; given several, the first encodes and decoding tries each.
func NewAuthJSv4(secrets []string) (*JWE, error) {
	return newJWE(V4, secrets, "")
}

func newJWE(v Version, secrets []string, salt string) (*JWE, error) {
	if len(secrets) == 0 {
		return nil, errors.New("authkit: cannot make the session codec: no secret; set AUTH_SECRET (authkit secret makes one)")
	}
	c := &JWE{version: v, salt: salt, maxSize: DefaultMaxTokenSize}
	for i, s := range secrets {
		if s == "" {
			return nil, fmt.Errorf("authkit: cannot make the session codec: secret %d is empty", i)
		}
		var k jweKeys
		var err error
		if v == V5 {
			if k.cbc, err = deriveKey(v, s, salt, 64); err != nil {
				return nil, err
			}
			if k.cbcBlock, err = aes.NewCipher(k.cbc.key[32:]); err != nil {
				return nil, err
			}
			mac := k.cbc.key[:32]
			k.macs = &sync.Pool{New: func() any { return hmac.New(sha512.New, mac) }}
			k.cbcHeaderJSON = []byte(`{"alg":"dir","enc":"A256CBC-HS512","kid":"` + k.cbc.kid + `"}`)
			k.cbcHeader = b64.EncodeToString(k.cbcHeaderJSON)
		}
		if k.gcm, err = deriveKey(v, s, salt, 32); err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(k.gcm.key)
		if err != nil {
			return nil, err
		}
		if k.gcmAEAD, err = cipher.NewGCM(block); err != nil {
			return nil, err
		}
		c.keys = append(c.keys, k)
	}
	return c, nil
}

// SetMaxSize changes the longest token Open accepts (DefaultMaxTokenSize
// unless set). Longer tokens are refused before any decoding.
func (c *JWE) SetMaxSize(n int) { c.maxSize = n }

// RefuseGCM makes a v5 codec refuse A256GCM tokens, which @auth/core
// decodes but never writes. It has no effect on the v4 codec, whose only
// encryption is A256GCM.
func (c *JWE) RefuseGCM() { c.noGCM = c.version == V5 }

// Format implements Codec.
func (c *JWE) Format() Format {
	if c.version == V4 {
		return FormatAuthJSv4
	}
	return FormatAuthJS
}

// Salt returns the HKDF salt of the codec ("" for v4).
func (c *JWE) Salt() string { return c.salt }

// KeyID returns the kid the codec writes (v5), which identifies the first
// secret and the salt without revealing either.
func (c *JWE) KeyID() string { return c.keys[0].cbc.kid }

// Encode implements Codec: it seals claims with the first secret, adding
// iat, exp and jti.
func (c *JWE) Encode(claims Claims, opts EncodeOptions) (string, error) {
	payload, err := marshalClaims(claims, opts)
	if err != nil {
		return "", fmt.Errorf("authkit: cannot encode the session token: %w", err)
	}
	return c.seal(payload), nil
}

func (c *JWE) seal(payload []byte) string {
	k := &c.keys[0]
	var sb strings.Builder
	if c.version == V4 {
		header := b64.EncodeToString([]byte(`{"alg":"dir","enc":"A256GCM"}`))
		iv := make([]byte, 12)
		rand.Read(iv)
		sealed := k.gcmAEAD.Seal(nil, iv, payload, []byte(header))
		ct, tag := sealed[:len(sealed)-16], sealed[len(sealed)-16:]
		join(&sb, header, iv, ct, tag)
		return sb.String()
	}
	iv := make([]byte, 16)
	rand.Read(iv)
	pad := 16 - len(payload)%16
	ct := make([]byte, len(payload)+pad)
	copy(ct, payload)
	for i := len(payload); i < len(ct); i++ {
		ct[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(k.cbcBlock, iv).CryptBlocks(ct, ct)
	tag := k.cbcTag(k.cbcHeader, iv, ct)
	join(&sb, k.cbcHeader, iv, ct, tag)
	return sb.String()
}

func join(sb *strings.Builder, header string, iv, ct, tag []byte) {
	sb.Grow(len(header) + 4 + b64.EncodedLen(len(iv)+len(ct)+len(tag)) + 3)
	sb.WriteString(header)
	sb.WriteString("..")
	sb.WriteString(b64.EncodeToString(iv))
	sb.WriteByte('.')
	sb.WriteString(b64.EncodeToString(ct))
	sb.WriteByte('.')
	sb.WriteString(b64.EncodeToString(tag))
}

func (k *jweKeys) cbcTag(header string, iv, ct []byte) []byte {
	m := k.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(header))
	m.Write(iv)
	m.Write(ct)
	var al [8]byte
	binary.BigEndian.PutUint64(al[:], uint64(len(header))*8)
	m.Write(al[:])
	var sum [64]byte
	tag := m.Sum(sum[:0])[:32]
	k.macs.Put(m)
	return tag
}

type jweHeader struct {
	Alg, Enc string
	Kid      *string
}

// jweHeaderMembers are the only header members a session JWE may carry;
// every other one (zip, cty, crit, jku, epk, p2c, ...) is refused, and
// names are matched exactly, not case-insensitively.
var jweHeaderMembers = map[string]bool{"alg": true, "enc": true, "kid": true, "typ": true}

// Open implements Codec. It accepts only the compact form with alg "dir",
// enc A256CBC-HS512 (v5) or A256GCM, no compression, no nesting and no
// critical extensions, and refuses everything else before any
// cryptography.
func (c *JWE) Open(token string) (*Token, error) {
	if len(token) > c.maxSize {
		return nil, refuse(ErrTooLarge, "%d bytes, the limit is %d", len(token), c.maxSize)
	}
	if token == "" {
		return nil, refuse(ErrMalformed, "the token is empty")
	}
	var parts [5]string
	rest := token
	for i := 0; i < 4; i++ {
		dot := strings.IndexByte(rest, '.')
		if dot < 0 {
			return nil, refuse(ErrMalformed, "a compact JWE has 5 parts separated by dots, this has %d", i+1)
		}
		parts[i], rest = rest[:dot], rest[dot+1:]
	}
	if strings.IndexByte(rest, '.') >= 0 {
		return nil, refuse(ErrMalformed, "a compact JWE has 5 parts separated by dots, this has more")
	}
	parts[4] = rest
	keyIndex, h, err := c.header(parts[0])
	if err != nil {
		return nil, err
	}
	if parts[1] != "" {
		return nil, refuse(ErrMalformed, "the encrypted-key part must be empty with alg dir")
	}
	iv, err1 := decodeSegment(parts[2])
	ct, err2 := decodeSegment(parts[3])
	tag, err3 := decodeSegment(parts[4])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, refuse(ErrMalformed, "a part is not base64url")
	}
	var payload []byte
	var index int
	if h.Enc == encCBC {
		index, payload, err = c.openCBC(keyIndex, h, parts[0], iv, ct, tag)
	} else {
		index, payload, err = c.openGCM(keyIndex, h, parts[0], iv, ct, tag)
	}
	if err != nil {
		return nil, err
	}
	claims, err := parseClaims(payload)
	if err != nil {
		return nil, err
	}
	var headerJSON []byte
	if keyIndex >= 0 {
		headerJSON = bytes.Clone(c.keys[keyIndex].cbcHeaderJSON)
	} else {
		headerJSON, _ = decodeSegment(parts[0])
	}
	t := &Token{
		Format:      c.Format(),
		Header:      headerJSON,
		Payload:     payload,
		Claims:      claims,
		Alg:         h.Alg,
		Enc:         h.Enc,
		SecretIndex: index,
		Salt:        c.salt,
		Size:        len(token),
	}
	if h.Kid != nil {
		t.KeyID = *h.Kid
	}
	return t, nil
}

// header checks the protected header. When it is byte for byte the header
// this codec writes for one of its keys, that key is returned at once;
// otherwise keyIndex is -1 and the parsed header decides.
func (c *JWE) header(seg string) (keyIndex int, h jweHeader, err error) {
	if c.version == V5 {
		for i := range c.keys {
			if seg == c.keys[i].cbcHeader {
				return i, jweHeader{Alg: "dir", Enc: encCBC, Kid: &c.keys[i].cbc.kid}, nil
			}
		}
	}
	raw, err := decodeSegment(seg)
	if err != nil {
		return -1, h, refuse(ErrMalformed, "the header is not base64url")
	}
	if err := checkJSON(raw); err != nil {
		return -1, h, refuse(ErrMalformed, "the header is not one JSON object with unique members")
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return -1, h, refuse(ErrMalformed, "the header is not a JSON object")
	}
	for name := range members {
		if !jweHeaderMembers[name] {
			return -1, h, refuse(ErrUnsupported, "the header member %q is not accepted (no compression, nesting, critical extensions or carried keys)", truncate(name))
		}
	}
	var kid string
	if json.Unmarshal(members["alg"], &h.Alg) != nil || json.Unmarshal(members["enc"], &h.Enc) != nil {
		return -1, h, refuse(ErrMalformed, "alg and enc must be strings")
	}
	if k, ok := members["kid"]; ok {
		if json.Unmarshal(k, &kid) != nil {
			return -1, h, refuse(ErrMalformed, "kid must be a string")
		}
		h.Kid = &kid
	}
	switch {
	case h.Alg != "dir":
		return -1, h, refuse(ErrUnsupported, "alg %q; only \"dir\" is accepted", truncate(h.Alg))
	case h.Enc != encCBC && h.Enc != encGCM:
		return -1, h, refuse(ErrUnsupported, "enc %q; only A256CBC-HS512 and A256GCM are accepted", truncate(h.Enc))
	case h.Enc == encGCM && c.noGCM:
		return -1, h, refuse(ErrUnsupported, "enc A256GCM is refused by this codec's configuration")
	case h.Enc == encCBC && c.version == V4:
		return -1, h, refuse(ErrUnsupported, "enc A256CBC-HS512 is Auth.js v5; next-auth v4 tokens use A256GCM")
	}
	return -1, h, nil
}

// decodeSegment decodes unpadded base64url and refuses every byte outside
// its alphabet, including the CR and LF that encoding/base64 skips even in
// strict mode.
func decodeSegment(seg string) ([]byte, error) {
	for i := 0; i < len(seg); i++ {
		if !base64urlAlphabet[seg[i]] {
			return nil, errBadSegment
		}
	}
	return b64.DecodeString(seg)
}

var base64urlAlphabet = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = true
	}
	return t
}()

var errBadSegment = errors.New("not base64url")

// String describes the codec without its keys.
func (c *JWE) String() string {
	return fmt.Sprintf("session.JWE{format: %s, salt: %q, secrets: %d}", c.Format(), c.salt, len(c.keys))
}

// GoString is String, so that %#v prints no key material either.
func (c *JWE) GoString() string { return c.String() }

func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// candidates lists the key indexes to try, as @auth/core resolves them:
// with a kid, the key whose thumbprint matches; without, the first secret
// only (v5) or each in turn (v4).
func (c *JWE) candidates(keyIndex int, h jweHeader, thumb func(*jweKeys) string) ([]int, error) {
	if keyIndex >= 0 {
		return []int{keyIndex}, nil
	}
	if h.Kid != nil {
		for i := range c.keys {
			if subtle.ConstantTimeCompare([]byte(thumb(&c.keys[i])), []byte(*h.Kid)) == 1 {
				return []int{i}, nil
			}
		}
		return nil, refuse(ErrNoMatchingSecret, "the kid matches none of the %d secret(s) under salt %q", len(c.keys), c.salt)
	}
	if c.version == V5 {
		return []int{0}, nil
	}
	all := make([]int, len(c.keys))
	for i := range all {
		all[i] = i
	}
	return all, nil
}

func (c *JWE) openCBC(keyIndex int, h jweHeader, header string, iv, ct, tag []byte) (int, []byte, error) {
	if len(iv) != 16 || len(tag) != 32 || len(ct) == 0 || len(ct)%16 != 0 {
		return 0, nil, refuse(ErrMalformed, "the IV, ciphertext or tag has the wrong length for A256CBC-HS512")
	}
	idx, err := c.candidates(keyIndex, h, func(k *jweKeys) string { return k.cbc.kid })
	if err != nil {
		return 0, nil, err
	}
	k := &c.keys[idx[0]]
	if !hmac.Equal(k.cbcTag(header, iv, ct), tag) {
		return 0, nil, tamperedOrOtherKey(h)
	}
	out := make([]byte, len(ct))
	cipher.NewCBCDecrypter(k.cbcBlock, iv).CryptBlocks(out, ct)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > 16 {
		return 0, nil, refuse(ErrTampered, "bad padding")
	}
	for _, b := range out[len(out)-pad:] {
		if int(b) != pad {
			return 0, nil, refuse(ErrTampered, "bad padding")
		}
	}
	return idx[0], out[:len(out)-pad], nil
}

func (c *JWE) openGCM(keyIndex int, h jweHeader, header string, iv, ct, tag []byte) (int, []byte, error) {
	if len(iv) != 12 || len(tag) != 16 {
		return 0, nil, refuse(ErrMalformed, "the IV or tag has the wrong length for A256GCM")
	}
	idx, err := c.candidates(keyIndex, h, func(k *jweKeys) string { return k.gcm.kid })
	if err != nil {
		return 0, nil, err
	}
	sealed := make([]byte, 0, len(ct)+len(tag))
	sealed = append(append(sealed, ct...), tag...)
	for _, i := range idx {
		if out, err := c.keys[i].gcmAEAD.Open(nil, iv, sealed, []byte(header)); err == nil {
			return i, out, nil
		}
	}
	return 0, nil, tamperedOrOtherKey(h)
}

func tamperedOrOtherKey(h jweHeader) error {
	if h.Kid != nil {
		return refuse(ErrTampered, "the authentication tag does not verify")
	}
	return refuse(ErrTampered, "the authentication tag does not verify: the token was changed, or made with another secret or salt")
}
