package siwe

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/sha3"
)

// DefaultLeeway is the clock skew Verify allows when Leeway is zero.
const DefaultLeeway = 30 * time.Second

// VerifyOptions are what the server expects of a message.
type VerifyOptions struct {
	// Domain is the expected authority (host[:port]); required.
	Domain string
	// Scheme is the expected scheme when the message names one; "" means
	// "https".
	Scheme string
	// URI, when set, must equal the message URI exactly.
	URI string
	// ChainIDs are the accepted chains; required.
	ChainIDs []uint64
	// Nonce is the nonce the server issued; required. The caller makes
	// sure it is used once (consume it before or whatever Verify says).
	Nonce string
	// Now is the time of the check; zero means time.Now().
	Now time.Time
	// Leeway is the clock skew allowed; zero means DefaultLeeway, a
	// negative value none.
	Leeway time.Duration
	// MaxAge, when positive, refuses messages issued longer ago.
	MaxAge time.Duration
}

// Verify checks msg against opts and its signature, the 65-byte
// r || s || v personal_sign signature in hex (with or without 0x). The
// signature is checked over the exact text Parse read; a message changed
// after parsing is refused.
func Verify(msg *Message, signature string, opts VerifyOptions) error {
	sig, err := DecodeSignature(signature)
	if err != nil {
		return err
	}
	return VerifyBytes(msg, sig, opts)
}

// VerifyBytes is Verify with the signature as bytes.
func VerifyBytes(msg *Message, sig []byte, opts VerifyOptions) error {
	if msg == nil {
		return malformed("no message")
	}
	if err := msg.Validate(); err != nil {
		return err
	}
	text := msg.String()
	if msg.raw != "" && msg.raw != text {
		return malformed("message changed after parsing")
	}
	if opts.Domain == "" {
		return fmt.Errorf("%w: no expected domain configured", ErrDomain)
	}
	if msg.Domain != opts.Domain {
		return fmt.Errorf("%w: message is for %q, expected %q", ErrDomain, msg.Domain, opts.Domain)
	}
	scheme := opts.Scheme
	if scheme == "" {
		scheme = "https"
	}
	if msg.Scheme != "" && msg.Scheme != scheme {
		return fmt.Errorf("%w: scheme %q, expected %q", ErrDomain, msg.Scheme, scheme)
	}
	if opts.URI != "" && msg.URI != opts.URI {
		return fmt.Errorf("%w: message URI %q, expected %q", ErrURI, msg.URI, opts.URI)
	}
	if !slices.Contains(opts.ChainIDs, msg.ChainID) {
		return fmt.Errorf("%w: chain %d", ErrChain, msg.ChainID)
	}
	if opts.Nonce == "" {
		return fmt.Errorf("%w: no nonce issued", ErrNonce)
	}
	if subtle.ConstantTimeCompare([]byte(msg.Nonce), []byte(opts.Nonce)) != 1 {
		return fmt.Errorf("%w: not the nonce issued", ErrNonce)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	leeway := opts.Leeway
	if leeway == 0 {
		leeway = DefaultLeeway
	} else if leeway < 0 {
		leeway = 0
	}
	issued, exp, nbf, err := msg.ParseTimes()
	if err != nil {
		return err
	}
	if issued.After(now.Add(leeway)) {
		return fmt.Errorf("%w: issued at %s, in the future", ErrNotYetValid, msg.IssuedAt)
	}
	if opts.MaxAge > 0 && now.Sub(issued) > opts.MaxAge+leeway {
		return fmt.Errorf("%w: issued at %s, more than %s ago", ErrExpired, msg.IssuedAt, opts.MaxAge)
	}
	if !exp.IsZero() && !now.Before(exp.Add(leeway)) {
		return fmt.Errorf("%w: expired at %s", ErrExpired, msg.ExpirationTime)
	}
	if !nbf.IsZero() && now.Add(leeway).Before(nbf) {
		return fmt.Errorf("%w: not before %s", ErrNotYetValid, msg.NotBefore)
	}
	addr, err := RecoverAddress([]byte(text), sig)
	if err != nil {
		return err
	}
	if addr != msg.Address {
		return fmt.Errorf("%w: signed by %s, not %s", ErrSignature, addr, msg.Address)
	}
	return nil
}

// DecodeSignature decodes a hex signature (0x optional) of exactly 65
// bytes.
func DecodeSignature(s string) ([]byte, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(h) != 130 {
		return nil, fmt.Errorf("%w: %d hex digits, want 130 (65 bytes)", ErrSignature, len(h))
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("%w: not hex", ErrSignature)
	}
	return b, nil
}

// Keccak256 is the legacy (pre-FIPS) Keccak-256 hash Ethereum uses.
func Keccak256(data ...[]byte) []byte {
	h := sha3.NewLegacyKeccak256()
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(nil)
}

// PersonalHash is the EIP-191 version 0x45 hash personal_sign signs:
// keccak256("\x19Ethereum Signed Message:\n" + len(message) + message).
func PersonalHash(message []byte) []byte {
	prefix := "\x19Ethereum Signed Message:\n" + strconv.Itoa(len(message))
	return Keccak256([]byte(prefix), message)
}

// RecoverAddress returns the checksummed address whose key made sig, a
// 65-byte r || s || v personal_sign signature over message. v is 27 or 28
// (0 or 1 also accepted); high-s signatures are refused.
func RecoverAddress(message, sig []byte) (string, error) {
	if len(sig) != 65 {
		return "", fmt.Errorf("%w: %d bytes, want 65", ErrSignature, len(sig))
	}
	v := sig[64]
	switch v {
	case 0, 1:
		v += 27
	case 27, 28:
	default:
		return "", fmt.Errorf("%w: recovery byte v=%d, want 27 or 28", ErrSignature, sig[64])
	}
	var s secp256k1.ModNScalar
	if overflow := s.SetByteSlice(sig[32:64]); overflow || s.IsZero() {
		return "", fmt.Errorf("%w: s out of range", ErrSignature)
	}
	if s.IsOverHalfOrder() {
		return "", fmt.Errorf("%w: high-s (malleable) signature", ErrSignature)
	}
	compact := make([]byte, 65)
	compact[0] = v // 27 + recovery id: an uncompressed key
	copy(compact[1:], sig[:64])
	pub, _, err := ecdsa.RecoverCompact(compact, PersonalHash(message))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return PubkeyAddress(pub), nil
}

// PubkeyAddress is the checksummed address of a public key: the last 20
// bytes of keccak256 of its uncompressed X || Y.
func PubkeyAddress(pub *secp256k1.PublicKey) string {
	h := Keccak256(pub.SerializeUncompressed()[1:])
	return Checksum("0x" + hex.EncodeToString(h[12:]))
}

// Checksum returns addr (0x and 40 hex digits, any case) in EIP-55 mixed
// case, or "" when addr is not an address.
func Checksum(addr string) string {
	h, ok := strings.CutPrefix(addr, "0x")
	if !ok || len(h) != 40 {
		return ""
	}
	for i := 0; i < len(h); i++ {
		if !isHex(h[i]) {
			return ""
		}
	}
	lower := strings.ToLower(h)
	digest := Keccak256([]byte(lower))
	out := []byte(lower)
	for i, c := range out {
		if c >= 'a' && c <= 'f' {
			nib := digest[i/2] >> 4
			if i%2 == 1 {
				nib = digest[i/2] & 0x0f
			}
			if nib >= 8 {
				out[i] = c - 'a' + 'A'
			}
		}
	}
	return "0x" + string(out)
}

// checkAddress refuses anything but an EIP-55 checksummed address.
func checkAddress(addr string) error {
	c := Checksum(addr)
	if c == "" {
		return malformed("address %q is not 0x and 40 hex digits", addr)
	}
	if c != addr {
		return malformed("address %q is not EIP-55 checksummed (want %s)", addr, c)
	}
	return nil
}

// NewNonce returns a fresh nonce: 26 alphanumeric characters (128 bits
// from crypto/rand).
func NewNonce() string { return rand.Text() }

// AccountID is the account id of a wallet: eip155:<chain>:<checksummed
// address> (CAIP-10).
func AccountID(chainID uint64, address string) string {
	if c := Checksum(address); c != "" {
		address = c
	}
	return "eip155:" + strconv.FormatUint(chainID, 10) + ":" + address
}
