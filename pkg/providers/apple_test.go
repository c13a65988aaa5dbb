package providers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func p8Key(t *testing.T, curve elliptic.Curve) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func TestAppleClientSecret(t *testing.T) {
	key, p8 := p8Key(t, elliptic.P256())
	now := time.Date(2026, 7, 22, 12, 0, 0, 0, time.UTC)
	secret, err := AppleClientSecret("TEAM123456", "KEY1234567", "com.example.web", p8, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	var claims jwt.MapClaims
	tok, err := jwt.ParseWithClaims(secret, &claims, func(tok *jwt.Token) (any, error) {
		return &key.PublicKey, nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithAudience("https://appleid.apple.com"), jwt.WithIssuer("TEAM123456"), jwt.WithSubject("com.example.web"),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		t.Fatal(err)
	}
	if len(tok.Header) != 2 || tok.Header["alg"] != "ES256" || tok.Header["kid"] != "KEY1234567" {
		t.Errorf("header %v", tok.Header)
	}
	exp, _ := claims.GetExpirationTime()
	iat, _ := claims.GetIssuedAt()
	if !iat.Time.Equal(now) || exp.Time.Sub(now) != AppleDefaultSecretTTL {
		t.Errorf("iat %v exp %v", iat, exp)
	}
	if exp.Time.Sub(now) > AppleMaxSecretTTL {
		t.Error("default lifetime over Apple's limit")
	}
	if len(claims) != 5 {
		t.Errorf("claims %v", claims)
	}

	// Another key does not verify it.
	other, _ := p8Key(t, elliptic.P256())
	if _, err := jwt.Parse(secret, func(*jwt.Token) (any, error) { return &other.PublicKey, nil }, jwt.WithTimeFunc(func() time.Time { return now })); err == nil {
		t.Error("verified with another key")
	}

	// The six-month limit is accepted; one second more is not.
	if _, err := AppleClientSecret("T", "K", "C", p8, now, AppleMaxSecretTTL); err != nil {
		t.Error(err)
	}
	_, p384 := p8Key(t, elliptic.P384())
	for name, tt := range map[string]struct {
		team, kid, client string
		p8                []byte
		ttl               time.Duration
		want              string
	}{
		"too long":  {"T", "K", "C", p8, AppleMaxSecretTTL + time.Second, "longer than Apple accepts"},
		"negative":  {"T", "K", "C", p8, -time.Hour, "negative"},
		"no team":   {"", "K", "C", p8, 0, "no team id"},
		"no key id": {"T", " ", "C", p8, 0, "no key id"},
		"no client": {"T", "K", "", p8, 0, "no client id"},
		"empty key": {"T", "K", "C", nil, 0, "empty"},
		"not pem":   {"T", "K", "C", []byte("not a key"), 0, "not an EC private key"},
		"p-384":     {"T", "K", "C", p384, 0, "P-256"},
	} {
		_, err := AppleClientSecret(tt.team, tt.kid, tt.client, tt.p8, now, tt.ttl)
		if err == nil || !strings.HasPrefix(err.Error(), "authkit: cannot make the Apple client secret: ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
