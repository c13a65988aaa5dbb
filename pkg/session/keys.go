package session

import (
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"sync"
)

// Version is an Auth.js major version, which decides the key derivation.
type Version int

// The Auth.js versions whose JWE format authkit speaks.
const (
	// V5 is @auth/core (next-auth@5, @auth/express, @auth/sveltekit, ...).
	V5 Version = 5
	// V4 is next-auth 4.x.
	V4 Version = 4
)

type keyID struct {
	version Version
	secret  string
	salt    string
	size    int
}

type derivedKey struct {
	key []byte
	kid string
}

const keyCacheLimit = 256

var keyCache struct {
	sync.Mutex
	m map[keyID]derivedKey
}

// deriveKey returns the Auth.js encryption key of size bytes for secret and
// salt, and its RFC 7638 thumbprint. Results are cached per (version,
// secret, salt, size): HKDF runs once per key, never per token.
func deriveKey(v Version, secret, salt string, size int) (derivedKey, error) {
	id := keyID{v, secret, salt, size}
	keyCache.Lock()
	k, ok := keyCache.m[id]
	keyCache.Unlock()
	if ok {
		return k, nil
	}
	info := "Auth.js Generated Encryption Key (" + salt + ")"
	if v == V4 {
		info = "NextAuth.js Generated Encryption Key"
		if salt != "" {
			info += " (" + salt + ")"
		}
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), []byte(salt), info, size)
	if err != nil {
		return derivedKey{}, err
	}
	k = derivedKey{key: key, kid: thumbprint(key)}
	keyCache.Lock()
	if keyCache.m == nil || len(keyCache.m) >= keyCacheLimit {
		keyCache.m = make(map[keyID]derivedKey)
	}
	keyCache.m[id] = k
	keyCache.Unlock()
	return k, nil
}

// thumbprint is the RFC 7638 thumbprint of a symmetric JWK, hashed as
// jose hashes it for Auth.js: SHA-512 for a 64-byte key, SHA-256 for a
// 32-byte one.
func thumbprint(key []byte) string {
	canonical := `{"k":"` + base64.RawURLEncoding.EncodeToString(key) + `","kty":"oct"}`
	if len(key) == 64 {
		sum := sha512.Sum512([]byte(canonical))
		return base64.RawURLEncoding.EncodeToString(sum[:])
	}
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
