package devidp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/golang-jwt/jwt/v5"
)

// signer is one signing key and how it appears in the JWKS.
type signer struct {
	alg    string
	kid    string
	key    crypto.Signer
	method jwt.SigningMethod
	jwk    map[string]string
}

// keySet is the provider's keys: an RSA key (RS256) and a P-256 key
// (ES256), both published; one of them signs ID tokens.
type keySet struct {
	rsa, ec *signer
	active  *signer
}

// newKeySet makes fresh keys, new for every server, so that two providers
// in one test never vouch for each other's tokens.
func newKeySet(alg string) (*keySet, error) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ks := &keySet{rsa: rsaSigner(rk), ec: ecSigner(ek)}
	switch alg {
	case "", "RS256":
		ks.active = ks.rsa
	case "ES256":
		ks.active = ks.ec
	default:
		return nil, fmt.Errorf("signing algorithm %q is not supported; use RS256 or ES256", alg)
	}
	return ks, nil
}

func rsaSigner(k *rsa.PrivateKey) *signer {
	jwk := map[string]string{"kty": "RSA", "e": b64(big.NewInt(int64(k.E)).Bytes()), "n": b64(k.N.Bytes())}
	return newSigner("RS256", k, jwt.SigningMethodRS256, jwk)
}

func ecSigner(k *ecdsa.PrivateKey) *signer {
	x, y := make([]byte, 32), make([]byte, 32)
	k.X.FillBytes(x)
	k.Y.FillBytes(y)
	jwk := map[string]string{"kty": "EC", "crv": "P-256", "x": b64(x), "y": b64(y)}
	return newSigner("ES256", k, jwt.SigningMethodES256, jwk)
}

// newSigner names the key by its RFC 7638 thumbprint: the SHA-256 of its
// required members in lexical order (which is how encoding/json orders a
// map's keys).
func newSigner(alg string, key crypto.Signer, m jwt.SigningMethod, jwk map[string]string) *signer {
	canon, _ := json.Marshal(jwk)
	sum := sha256.Sum256(canon)
	kid := b64(sum[:])
	full := map[string]string{"use": "sig", "alg": alg, "kid": kid}
	for k, v := range jwk {
		full[k] = v
	}
	return &signer{alg: alg, kid: kid, key: key, method: m, jwk: full}
}

// jwks is the public JWK Set document.
func (ks *keySet) jwks() map[string]any {
	return map[string]any{"keys": []map[string]string{ks.rsa.jwk, ks.ec.jwk}}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
