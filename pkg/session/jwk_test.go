package session_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/session"
)

func jwkPEM(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func jwkPKIX(t testing.TB, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return jwkPEM("PUBLIC KEY", der)
}

func jwkPKCS8(t testing.TB, priv crypto.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return jwkPEM("PRIVATE KEY", der)
}

func jwkCert(t testing.TB, priv crypto.Signer) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "authkit test"},
		NotBefore:    jwsNow.Add(-time.Hour),
		NotAfter:     jwsNow.Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		t.Fatal(err)
	}
	return jwkPEM("CERTIFICATE", der)
}

func jwkDER(t testing.TB, pemData []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(pemData)
	if b == nil {
		t.Fatal("no PEM block")
	}
	return b.Bytes
}

func jwkB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwkOf writes the JWK members of a Go key, private members included when
// the key is private, plus extra members.
func jwkOf(t testing.TB, key any, extra map[string]any) map[string]any {
	t.Helper()
	m := map[string]any{}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		m = jwkOf(t, &k.PublicKey, nil)
		m["d"], m["p"], m["q"] = jwkB64(k.D.Bytes()), jwkB64(k.Primes[0].Bytes()), jwkB64(k.Primes[1].Bytes())
	case *rsa.PublicKey:
		m["kty"], m["n"], m["e"] = "RSA", jwkB64(k.N.Bytes()), jwkB64(big.NewInt(int64(k.E)).Bytes())
	case *ecdsa.PrivateKey:
		m = jwkOf(t, &k.PublicKey, nil)
		d, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		m["d"] = jwkB64(d)
	case *ecdsa.PublicKey:
		b, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		m["kty"], m["crv"], m["x"], m["y"] = "EC", k.Curve.Params().Name, jwkB64(b[1:1+len(b)/2]), jwkB64(b[1+len(b)/2:])
	case ed25519.PrivateKey:
		m = jwkOf(t, k.Public(), nil)
		m["d"] = jwkB64(k.Seed())
	case ed25519.PublicKey:
		m["kty"], m["crv"], m["x"] = "OKP", "Ed25519", jwkB64(k)
	case []byte:
		m["kty"], m["k"] = "oct", jwkB64(k)
	default:
		t.Fatalf("jwkOf: %T", key)
	}
	for name, v := range extra {
		if v == nil {
			delete(m, name)
		} else {
			m[name] = v
		}
	}
	return m
}

func jwkJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jwkSet(t testing.TB, entries ...any) []byte {
	return jwkJSON(t, map[string]any{"keys": entries})
}

// jwkMustParse parses data and checks the one key it must hold.
func jwkMustParse(t *testing.T, data []byte, alg, wantAlg string, canSign bool, wantPub crypto.PublicKey) session.Key {
	t.Helper()
	keys, err := session.ParseKeys(data, alg)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("%d keys; want 1", len(keys))
	}
	k := keys[0]
	if k.Alg != wantAlg || k.CanSign() != canSign || k.ID == "" {
		t.Fatalf("key %v; want %s, can sign %v", k, wantAlg, canSign)
	}
	if wantPub != nil {
		if eq, ok := k.PublicKey().(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(wantPub) {
			t.Fatalf("key %v has another public key", k)
		}
	}
	return k
}

func TestParseKeysPEM(t *testing.T) {
	m := jwsKeys()
	ecDER, _ := x509.MarshalECPrivateKey(m.ec)
	p256, _ := asn1.Marshal(asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7})
	cases := []struct {
		name    string
		pem     []byte
		alg     string
		canSign bool
		pub     crypto.PublicKey
	}{
		{"RSA PKCS#8", jwkPKCS8(t, m.rsa), "RS256", true, &m.rsa.PublicKey},
		{"RSA PKCS#1 private", jwkPEM("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(m.rsa)), "RS256", true, &m.rsa.PublicKey},
		{"RSA PKIX", jwkPKIX(t, &m.rsa.PublicKey), "RS256", false, &m.rsa.PublicKey},
		{"RSA PKCS#1 public", jwkPEM("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&m.rsa.PublicKey)), "RS256", false, &m.rsa.PublicKey},
		{"RSA certificate", jwkCert(t, m.rsa), "RS256", false, &m.rsa.PublicKey},
		{"EC PKCS#8", jwkPKCS8(t, m.ec), "ES256", true, &m.ec.PublicKey},
		{"EC SEC 1", jwkPEM("EC PRIVATE KEY", ecDER), "ES256", true, &m.ec.PublicKey},
		{"EC SEC 1 after EC PARAMETERS (openssl ecparam -genkey)", append(jwkPEM("EC PARAMETERS", p256), jwkPEM("EC PRIVATE KEY", ecDER)...), "ES256", true, &m.ec.PublicKey},
		{"EC PKIX", jwkPKIX(t, &m.ec.PublicKey), "ES256", false, &m.ec.PublicKey},
		{"EC certificate", jwkCert(t, m.ec), "ES256", false, &m.ec.PublicKey},
		{"Ed25519 PKCS#8", jwkPKCS8(t, m.ed), "EdDSA", true, m.ed.Public()},
		{"Ed25519 PKIX", jwkPKIX(t, m.ed.Public()), "EdDSA", false, m.ed.Public()},
		{"Ed25519 certificate", jwkCert(t, m.ed), "EdDSA", false, m.ed.Public()},
		{"text around the block", append(append([]byte("Subject: test\n"), jwkPKIX(t, m.ed.Public())...), "\n\n"...), "EdDSA", false, m.ed.Public()},
		{"CRLF line ends", bytes.ReplaceAll(jwkPKIX(t, &m.ec.PublicKey), []byte("\n"), []byte("\r\n")), "ES256", false, &m.ec.PublicKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := jwkMustParse(t, tc.pem, "", tc.alg, tc.canSign, tc.pub)
			if k.ID != k.Thumbprint() {
				t.Fatalf("kid %q is not the thumbprint", k.ID)
			}
			// The alg given explicitly gives the same key.
			jwkMustParse(t, tc.pem, tc.alg, tc.alg, tc.canSign, tc.pub)
		})
	}
	// What a private PEM signs, the public PEM verifies.
	for _, pair := range [][2][]byte{
		{jwkPKCS8(t, m.rsa), jwkPKIX(t, &m.rsa.PublicKey)},
		{jwkPKCS8(t, m.ec), jwkPKIX(t, &m.ec.PublicKey)},
		{jwkPKCS8(t, m.ed), jwkCert(t, m.ed)},
	} {
		priv, err := session.ParseKeys(pair[0], "")
		if err != nil {
			t.Fatal(err)
		}
		pub, err := session.ParseKeys(pair[1], "")
		if err != nil {
			t.Fatal(err)
		}
		raw, err := jwsCodec(t, priv...).Encode(session.Claims{"sub": "1"}, session.EncodeOptions{Now: jwsNow})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := session.Decode(jwsCodec(t, pub...), raw, jwsNow); err != nil {
			t.Fatalf("%s: %v", priv[0].Alg, err)
		}
	}
}

func TestParseKeysPEMSeveralBlocks(t *testing.T) {
	m := jwsKeys()
	// A private key and its public key are one key, which can sign.
	both := append(jwkPKIX(t, &m.ec.PublicKey), jwkPKCS8(t, m.ec)...)
	keys, err := session.ParseKeys(both, "")
	if err != nil || len(keys) != 1 || !keys[0].CanSign() {
		t.Fatalf("private and public: %v %v", keys, err)
	}
	// Three public keys, in order.
	three := bytes.Join([][]byte{jwkPKIX(t, &m.rsa.PublicKey), jwkPKIX(t, &m.ec.PublicKey), jwkPKIX(t, m.ed.Public()), jwkPKIX(t, &m.ec.PublicKey)}, []byte("\n"))
	keys, err = session.ParseKeys(three, "")
	if err != nil || len(keys) != 3 || keys[0].Alg != "RS256" || keys[1].Alg != "ES256" || keys[2].Alg != "EdDSA" {
		t.Fatalf("three keys: %v %v", keys, err)
	}
	// With an alg, every block must fit it.
	if _, err := session.ParseKeys(three, "ES256"); err == nil || !strings.Contains(err.Error(), "PEM block 1") {
		t.Fatalf("mixed PEM with ES256: %v", err)
	}
}

// TestRFC7638Thumbprint checks the kid given to keys without one against
// the example of RFC 7638 section 3.1.
func TestRFC7638Thumbprint(t *testing.T) {
	const n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	const want = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
	k := jwkMustParse(t, []byte(`{"kty":"RSA","n":"`+n+`","e":"AQAB"}`), "", "RS256", false, nil)
	if k.ID != want || k.Thumbprint() != want {
		t.Fatalf("kid %q, thumbprint %q; want %q", k.ID, k.Thumbprint(), want)
	}
	k = jwkMustParse(t, []byte(`{"kty":"RSA","n":"`+n+`","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`), "", "RS256", false, nil)
	if k.ID != "2011-04-29" || k.Thumbprint() != want {
		t.Fatalf("kid %q, thumbprint %q", k.ID, k.Thumbprint())
	}
}

func TestParseKeysJWK(t *testing.T) {
	m := jwsKeys()
	cases := []struct {
		name    string
		jwk     map[string]any
		alg     string // given to ParseKeys
		wantAlg string
		canSign bool
		kid     string // "" = the thumbprint
	}{
		{"RSA public", jwkOf(t, &m.rsa.PublicKey, map[string]any{"kid": "r1"}), "", "RS256", false, "r1"},
		{"RSA private", jwkOf(t, m.rsa, map[string]any{"kid": "r1", "alg": "RS256", "use": "sig"}), "", "RS256", true, "r1"},
		{"EC public", jwkOf(t, &m.ec.PublicKey, nil), "", "ES256", false, ""},
		{"EC private", jwkOf(t, m.ec, map[string]any{"key_ops": []string{"sign", "verify"}}), "ES256", "ES256", true, ""},
		{"Ed25519 public", jwkOf(t, m.ed.Public(), map[string]any{"alg": "EdDSA"}), "", "EdDSA", false, ""},
		{"Ed25519 private", jwkOf(t, m.ed, map[string]any{"kid": "e"}), "", "EdDSA", true, "e"},
		{"oct, alg in the JWK", jwkOf(t, m.hmac, map[string]any{"alg": "HS256"}), "", "HS256", true, ""},
		{"oct, alg given", jwkOf(t, m.hmac2, map[string]any{"kid": "h"}), "HS512", "HS512", true, "h"},
		{"empty kid is no kid", jwkOf(t, &m.ec.PublicKey, map[string]any{"kid": ""}), "", "ES256", false, ""},
		{"x5c ignored", jwkOf(t, &m.ec.PublicKey, map[string]any{"x5c": []string{"MIIB"}}), "", "ES256", false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := jwkMustParse(t, jwkJSON(t, tc.jwk), tc.alg, tc.wantAlg, tc.canSign, nil)
			if want := tc.kid; (want == "" && k.ID != k.Thumbprint()) || (want != "" && k.ID != want) {
				t.Fatalf("kid %q", k.ID)
			}
			// A key from a JWK signs (or verifies) like the Go key.
			if k.CanSign() {
				raw, err := jwsCodec(t, k).Encode(session.Claims{}, session.EncodeOptions{Now: jwsNow})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := session.Decode(jwsCodec(t, k), raw, jwsNow); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestParseKeysJWKS(t *testing.T) {
	m := jwsKeys()
	x25519, _ := ecdh.X25519().GenerateKey(rand.Reader)
	set := jwkSet(t,
		jwkOf(t, &m.rsa.PublicKey, map[string]any{"kid": "enc", "use": "enc"}),
		jwkOf(t, &m.ec.PublicKey, map[string]any{"kid": "e1", "use": "sig"}),
		map[string]any{"kty": "OKP", "crv": "X25519", "x": jwkB64(x25519.PublicKey().Bytes()), "kid": "x"},
		jwkOf(t, &m.rsa1024.PublicKey, map[string]any{"kid": "weak"}),
		map[string]any{"kty": "RSA", "kid": "broken"},
		jwkOf(t, m.hmac, map[string]any{"kid": "oct-no-alg"}),
		jwkOf(t, &m.rsa2.PublicKey, map[string]any{"kid": "wrap", "key_ops": []string{"wrapKey"}}),
		jwkOf(t, m.ed.Public(), map[string]any{"kid": "d1"}),
		jwkOf(t, &m.ec.PublicKey, map[string]any{"kid": "e1", "use": "sig"}),
		"not an object?",
	)
	if _, err := session.ParseKeys(set, ""); err == nil || !strings.Contains(err.Error(), `"keys" member is not an array of objects`) {
		t.Fatalf("a string entry: %v", err)
	}
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	json.Unmarshal(set, &doc)
	doc.Keys = doc.Keys[:len(doc.Keys)-1]
	set = jwkJSON(t, doc)
	keys, err := session.ParseKeys(set, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != "e1" || keys[1].ID != "d1" {
		t.Fatalf("usable keys %v; want e1 and d1 (unusable skipped, duplicate merged)", keys)
	}
	keys, err = session.ParseKeys(set, "EdDSA")
	if err != nil || len(keys) != 1 || keys[0].ID != "d1" {
		t.Fatalf("EdDSA only: %v %v", keys, err)
	}
	_, err = session.ParseKeys(set, "RS256")
	if err == nil {
		t.Fatal("a JWKS without a usable RS256 key was accepted")
	}
	for _, why := range []string{"no usable signing key", `use is "enc"`, "at least 2048", `key_ops`} {
		if !strings.Contains(err.Error(), why) {
			t.Errorf("error %q does not say %q", err, why)
		}
	}
	// The oct entry is usable once its alg is known.
	keys, err = session.ParseKeys(set, "HS256")
	if err != nil || len(keys) != 1 || keys[0].ID != "oct-no-alg" || !keys[0].Symmetric() {
		t.Fatalf("HS256: %v %v", keys, err)
	}
}

// jwkSecretish matches what would be key material in an error: a long run
// of base64url.
var jwkSecretish = regexp.MustCompile(`[A-Za-z0-9_-]{24,}`)

func TestParseKeysRefuses(t *testing.T) {
	m := jwsKeys()
	p384DER, _ := x509.MarshalECPrivateKey(m.p384)
	x25519, _ := ecdh.X25519().GenerateKey(rand.Reader)
	rsaPEM := jwkPKCS8(t, m.rsa)
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"}, Bytes: []byte{1, 2, 3}})
	otherEC := jwkOf(t, m.ec2, nil)
	notOnCurve := jwkOf(t, &m.ec.PublicKey, map[string]any{"y": jwkB64(bytes.Repeat([]byte{7}, 32))})
	rsaOther := jwkOf(t, m.rsa, map[string]any{"d": jwkB64(m.rsa2.D.Bytes())})
	cases := []struct {
		name string
		data []byte
		alg  string
		want string
	}{
		{"empty", nil, "", "no key"},
		{"white space", []byte(" \n"), "", "no key"},
		{"raw secret", []byte("this-is-a-long-random-secret-of-text"), "HS256", "neither PEM"},
		{"DER", x509.MarshalPKCS1PublicKey(&m.rsa.PublicKey), "", "neither PEM"},
		{"alg none", jwkPKIX(t, &m.ec.PublicKey), "none", `"none" is never accepted`},
		{"alg PS256", jwkPKIX(t, &m.rsa.PublicKey), "PS256", "not supported"},
		{"RSA 1024 PEM", jwkPKIX(t, &m.rsa1024.PublicKey), "", "at least 2048"},
		{"RSA 1024 private PEM", jwkPKCS8(t, m.rsa1024), "", "at least 2048"},
		{"RSA 1024 JWK", jwkJSON(t, jwkOf(t, &m.rsa1024.PublicKey, nil)), "", "at least 2048"},
		{"RSA 1024 private JWK", jwkJSON(t, jwkOf(t, m.rsa1024, nil)), "", "at least 2048"},
		{"P-384 PEM", jwkPKIX(t, &m.p384.PublicKey), "", "P-256"},
		{"P-384 SEC 1", jwkPEM("EC PRIVATE KEY", p384DER), "", "P-256"},
		{"P-384 JWK", jwkJSON(t, jwkOf(t, &m.p384.PublicKey, nil)), "", "P-256"},
		{"X25519 PEM", jwkPKCS8(t, x25519), "", "not supported"},
		{"X25519 JWK", jwkJSON(t, map[string]any{"kty": "OKP", "crv": "X25519", "x": jwkB64(x25519.PublicKey().Bytes())}), "", "Ed25519"},
		{"encrypted PEM", encrypted, "", "encrypted"},
		{"PKCS#8 encrypted PEM", jwkPEM("ENCRYPTED PRIVATE KEY", []byte{1, 2, 3}), "", "encrypted"},
		{"OpenSSH key", jwkPEM("OPENSSH PRIVATE KEY", []byte{1, 2, 3}), "", "unsupported PEM block"},
		{"garbage PUBLIC KEY", jwkPEM("PUBLIC KEY", []byte{0x30, 3, 1, 2, 3}), "", "does not parse"},
		{"text after the PEM", append(jwkPKIX(t, m.ed.Public()), "-----BEGIN PUBLIC KEY-----\nAAAA"...), "", "does not decode"},
		// algorithm confusion and mismatches
		{"RSA PEM as HS256", rsaPEM, "HS256", "algorithm confusion"},
		{"RSA public PEM as HS256", jwkPKIX(t, &m.rsa.PublicKey), "HS256", "algorithm confusion"},
		{"EC PEM as HS512", jwkPKIX(t, &m.ec.PublicKey), "HS512", "algorithm confusion"},
		{"RSA PEM as ES256", rsaPEM, "ES256", "cannot be used with ES256"},
		{"EC PEM as RS256", jwkPKIX(t, &m.ec.PublicKey), "RS256", "cannot be used with RS256"},
		{"Ed25519 PEM as ES256", jwkPKIX(t, m.ed.Public()), "ES256", "cannot be used with ES256"},
		{"RSA JWK as HS256", jwkJSON(t, jwkOf(t, &m.rsa.PublicKey, nil)), "HS256", "algorithm confusion"},
		{"RSA JWK saying HS256", jwkJSON(t, jwkOf(t, &m.rsa.PublicKey, map[string]any{"alg": "HS256"})), "", "algorithm confusion"},
		{"JWK alg differs from the given", jwkJSON(t, jwkOf(t, &m.ec.PublicKey, map[string]any{"alg": "ES256"})), "RS256", "is for ES256, not RS256"},
		{"JWK alg none", jwkJSON(t, jwkOf(t, &m.ec.PublicKey, map[string]any{"alg": "none"})), "", "not supported"},
		{"JWK alg empty", jwkJSON(t, jwkOf(t, &m.ec.PublicKey, map[string]any{"alg": ""})), "", "not supported"},
		{"oct without alg", jwkJSON(t, jwkOf(t, m.hmac, nil)), "", "needs an alg"},
		{"oct as RS256", jwkJSON(t, jwkOf(t, m.hmac, nil)), "RS256", "HMAC secret cannot be used with RS256"},
		{"oct too short", jwkJSON(t, jwkOf(t, m.hmac[:31], map[string]any{"alg": "HS256"})), "", "at least 32"},
		{"oct too short for HS512", jwkJSON(t, jwkOf(t, m.hmac, map[string]any{"alg": "HS512"})), "", "at least 64"},
		{"oct without k", []byte(`{"kty":"oct","alg":"HS256"}`), "", `no "k"`},
		// members
		{"no kty", []byte(`{"n":"AQAB"}`), "", "neither a JWK"},
		{"kty empty", []byte(`{"kty":""}`), "", `no "kty"`},
		{"kty unknown", []byte(`{"kty":"PQC"}`), "", `kty "PQC" is not supported`},
		{"kty not a string", []byte(`{"kty":1}`), "", `"kty" is not a string`},
		{"kid not a string", jwkJSON(t, jwkOf(t, &m.ec.PublicKey, map[string]any{"kid": 7})), "", `"kid" is not a string`},
		{"use enc", jwkJSON(t, jwkOf(t, &m.ec.PublicKey, map[string]any{"use": "enc"})), "", `use is "enc"`},
		{"key_ops encrypt", jwkJSON(t, jwkOf(t, &m.ec.PublicKey, map[string]any{"key_ops": []string{"encrypt"}})), "", "key_ops"},
		{"key_ops not an array", jwkJSON(t, jwkOf(t, &m.ec.PublicKey, map[string]any{"key_ops": "sign"})), "", "key_ops"},
		{"duplicate member", []byte(`{"kty":"EC","kty":"RSA"}`), "", `repeats the member "kty"`},
		{"invalid JSON", []byte(`{"kty":`), "", "JSON is invalid"},
		{"padded base64", jwkJSON(t, jwkOf(t, m.hmac, map[string]any{"alg": "HS256", "k": base64.URLEncoding.EncodeToString(m.hmac)})), "", "without padding"},
		{"standard base64", jwkJSON(t, jwkOf(t, m.ed.Public(), map[string]any{"x": "+/" + jwkB64(m.ed.Public().(ed25519.PublicKey))[2:]})), "", "without padding"},
		{"EC x too short", jwkJSON(t, jwkOf(t, &m.ec.PublicKey, map[string]any{"x": jwkB64(make([]byte, 31))})), "", `"x" has 31 bytes`},
		{"EC without y", jwkJSON(t, jwkOf(t, &m.ec.PublicKey, map[string]any{"y": nil})), "", `needs "x" and "y"`},
		{"EC not on the curve", jwkJSON(t, notOnCurve), "", "not a point"},
		{"EC d of another key", jwkJSON(t, jwkOf(t, m.ec, map[string]any{"d": otherEC["d"]})), "", "does not match"},
		{"Ed25519 d of another key", jwkJSON(t, jwkOf(t, m.ed, map[string]any{"d": jwkB64(m.ed2.Seed())})), "", "does not match"},
		{"Ed25519 x too long", jwkJSON(t, jwkOf(t, m.ed.Public(), map[string]any{"x": jwkB64(make([]byte, 33))})), "", `"x" has 33 bytes`},
		{"RSA without e", jwkJSON(t, jwkOf(t, &m.rsa.PublicKey, map[string]any{"e": nil})), "", `needs "n" and "e"`},
		{"RSA even e", jwkJSON(t, jwkOf(t, &m.rsa.PublicKey, map[string]any{"e": jwkB64([]byte{1, 0, 0})})), "", "public exponent"},
		{"RSA huge e", jwkJSON(t, jwkOf(t, &m.rsa.PublicKey, map[string]any{"e": jwkB64(make([]byte, 9))})), "", `"e" is too large`},
		{"RSA private without primes", jwkJSON(t, jwkOf(t, m.rsa, map[string]any{"p": nil, "q": nil})), "", `"d", "p" and "q"`},
		{"RSA private inconsistent", jwkJSON(t, rsaOther), "", "inconsistent"},
		{"RSA multi-prime", jwkJSON(t, jwkOf(t, m.rsa, map[string]any{"oth": []any{}})), "", "multi-prime"},
		// sets
		{"JWKS empty", []byte(`{"keys":[]}`), "", "has no keys"},
		{"JWKS keys an object", []byte(`{"keys":{}}`), "", "not an array"},
		{"JWKS nothing usable", jwkSet(t, jwkOf(t, &m.ec.PublicKey, map[string]any{"use": "enc"}), map[string]any{"kty": "oct", "k": "AAAA"}), "", "no usable signing key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := session.ParseKeys(tc.data, tc.alg)
			if err == nil {
				t.Fatalf("accepted: %v", keys)
			}
			if keys != nil {
				t.Fatal("an error came with keys")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "authkit: cannot parse the keys: ") || !strings.Contains(msg, tc.want) {
				t.Fatalf("error %q; want it to say %q", msg, tc.want)
			}
			if s := jwkSecretish.FindString(msg); s != "" {
				t.Fatalf("error %q carries %q, which looks like key material", msg, s)
			}
		})
	}
}

func TestHMACKey(t *testing.T) {
	m := jwsKeys()
	ok := []struct {
		alg, want string
		secret    []byte
	}{
		{"", "HS256", m.hmac},
		{"HS256", "HS256", []byte(strings.Repeat("s", 32))},
		{"HS384", "HS384", m.hmac2[:48]},
		{"HS512", "HS512", m.hmac2},
	}
	for _, tc := range ok {
		k, err := session.HMACKey(tc.secret, tc.alg)
		if err != nil || k.Alg != tc.want || !k.Symmetric() || !k.CanSign() || k.PublicKey() != nil || k.ID != k.Thumbprint() {
			t.Fatalf("%s: %v %v", tc.want, k, err)
		}
		if _, public := k.VerifyOnly(); public {
			t.Fatal("an HMAC key has a verify-only form")
		}
	}
	rsaPKIX, _ := x509.MarshalPKIXPublicKey(&m.rsa.PublicKey)
	refused := []struct {
		name, alg, want string
		secret          []byte
	}{
		{"31 bytes", "HS256", "at least 32", m.hmac[:31]},
		{"empty", "", "at least 32", nil},
		{"HS384 with 47 bytes", "HS384", "at least 48", m.hmac2[:47]},
		{"HS512 with 63 bytes", "HS512", "at least 64", m.hmac2[:63]},
		{"RS256", "RS256", "cannot be used with RS256", m.hmac},
		{"EdDSA", "EdDSA", "cannot be used with EdDSA", m.hmac},
		{"none", "none", `"none" is never accepted`, m.hmac},
		{"unknown alg", "HS1", "not supported", m.hmac},
		{"RSA public key PEM", "HS256", "algorithm-confusion", jwkPKIX(t, &m.rsa.PublicKey)},
		{"RSA public key DER", "HS256", "algorithm-confusion", rsaPKIX},
		{"RSA public key JWK", "HS256", "algorithm-confusion", jwkJSON(t, jwkOf(t, &m.rsa.PublicKey, nil))},
		{"JWKS", "HS256", "algorithm-confusion", jwkSet(t, jwkOf(t, &m.rsa.PublicKey, nil))},
		{"certificate", "HS512", "algorithm-confusion", jwkCert(t, m.ec)},
		{"PKCS#8 private key DER", "HS256", "algorithm-confusion", jwkDER(t, jwkPKCS8(t, m.ed))},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			k, err := session.HMACKey(tc.secret, tc.alg)
			if err == nil {
				t.Fatalf("accepted: %v", k)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "authkit: cannot use the HMAC secret: ") || !strings.Contains(msg, tc.want) {
				t.Fatalf("error %q; want %q", msg, tc.want)
			}
			if len(tc.secret) > 8 && strings.Contains(msg, string(tc.secret[:8])) {
				t.Fatal("the error quotes the secret")
			}
		})
	}
}

func TestNewKey(t *testing.T) {
	m := jwsKeys()
	edPub := m.ed.Public().(ed25519.PublicKey)
	for _, tc := range []struct {
		material any
		alg      string
		canSign  bool
	}{
		{m.rsa, "RS256", true},
		{&m.rsa.PublicKey, "RS256", false},
		{m.ec, "ES256", true},
		{&m.ec.PublicKey, "ES256", false},
		{m.ed, "EdDSA", true},
		{edPub, "EdDSA", false},
		{&edPub, "EdDSA", false},
		{m.hmac, "HS256", true},
	} {
		k, err := session.NewKey("id", "", tc.material)
		if err != nil || k.Alg != tc.alg || k.CanSign() != tc.canSign || k.ID != "id" {
			t.Fatalf("%T: %v %v", tc.material, k, err)
		}
	}
	for _, tc := range []struct {
		material any
		alg      string
		want     string
	}{
		{m.p384, "", "P-256"},
		{&m.rsa1024.PublicKey, "", "at least 2048"},
		{"a string", "", "not supported"},
		{nil, "", "not supported"},
		{(*rsa.PublicKey)(nil), "", "empty"},
		{m.rsa, "HS256", "algorithm confusion"},
		{m.ed, "ES256", "cannot be used with ES256"},
		{ed25519.PublicKey(make([]byte, 31)), "", "32 bytes"},
		{ed25519.PrivateKey(make([]byte, 31)), "", "64 bytes"},
		{(*rsa.PrivateKey)(nil), "", "empty"},
		{(*ecdsa.PrivateKey)(nil), "", "empty"},
		{jwsOtherSigner{m.ec}, "", "not supported"},
	} {
		if k, err := session.NewKey("", tc.alg, tc.material); err == nil || !strings.HasPrefix(err.Error(), "authkit: cannot use the key: ") || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%T: %v, %v; want %q", tc.material, k, err, tc.want)
		}
	}
}

// jwsOtherSigner is a crypto.Signer of another type, as an HSM would give.
type jwsOtherSigner struct{ *ecdsa.PrivateKey }

func TestKeyNeverPrintsMaterial(t *testing.T) {
	m := jwsKeys()
	secret := []byte("a-secret-that-must-never-be-printed-anywhere")
	h, err := session.HMACKey(secret, "HS256")
	if err != nil {
		t.Fatal(err)
	}
	ec := jwsKey(t, "ec", "", m.ec)
	d, _ := m.ec.Bytes()
	for _, k := range []session.Key{h, ec} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
			out := fmt.Sprintf(verb, k)
			out += fmt.Sprintf(verb, []session.Key{k})
			out += fmt.Sprintf(verb, &k)
			for _, leak := range [][]byte{secret, d} {
				for _, form := range []string{string(leak), fmt.Sprintf("%x", leak), fmt.Sprintf("%X", leak), fmt.Sprint(leak), fmt.Sprint(new(big.Int).SetBytes(leak)), jwkB64(leak)} {
					if strings.Contains(out, form) {
						t.Fatalf("%s of %s prints its material", verb, k)
					}
				}
			}
		}
		j, _ := json.Marshal(k)
		if !bytes.Equal(j, []byte(`{"ID":"`+k.ID+`","Alg":"`+k.Alg+`"}`)) {
			t.Fatalf("JSON of a key: %s", j)
		}
	}
	c := jwsCodec(t, h, ec)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, c)
		if out != `JWS codec [HS256 HMAC secret kid="`+h.ID+`", ES256 EC P-256 key (private) kid="ec"]` {
			t.Fatalf("%s of a codec: %s", verb, out)
		}
	}
	if s := ec.String(); s != `ES256 EC P-256 key (private) kid="ec"` {
		t.Fatalf("String() = %s", s)
	}
	pub, ok := ec.VerifyOnly()
	if !ok || pub.CanSign() || pub.ID != ec.ID || !strings.Contains(pub.String(), "(public)") || !ec.CanSign() {
		t.Fatalf("VerifyOnly: %v %v", pub, ok)
	}
}

func TestPublicJWKS(t *testing.T) {
	m := jwsKeys()
	keys := []session.Key{
		jwsKey(t, "r", "", m.rsa),
		jwsKey(t, "e", "", m.ec),
		jwsKey(t, "h", "", m.hmac),
		jwsKey(t, "d", "", m.ed),
		jwsKey(t, "e", "", &m.ec.PublicKey),
	}
	doc, err := session.PublicJWKS(keys)
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []map[string]string }
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 3 {
		t.Fatalf("%d keys published; want 3 (no HMAC, no duplicate): %s", len(set.Keys), doc)
	}
	public := map[string]bool{"kty": true, "use": true, "alg": true, "kid": true, "crv": true, "n": true, "e": true, "x": true, "y": true}
	for _, k := range set.Keys {
		for name := range k {
			if !public[name] {
				t.Fatalf("published member %q", name)
			}
		}
		if k["use"] != "sig" {
			t.Fatalf("use %q", k["use"])
		}
	}
	back, err := session.ParseKeys(doc, "")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []session.Key{keys[0], keys[1], keys[3]} {
		if back[i].CanSign() || back[i].ID != want.ID || back[i].Alg != want.Alg || back[i].Thumbprint() != want.Thumbprint() {
			t.Fatalf("key %d read back as %v; want the public half of %v", i, back[i], want)
		}
	}
	c := jwsCodec(t, keys...)
	if viaCodec, err := c.PublicJWKS(); err != nil || !bytes.Equal(viaCodec, doc) {
		t.Fatalf("codec JWKS differs: %s %v", viaCodec, err)
	}
	empty, err := session.PublicJWKS([]session.Key{keys[2]})
	if err != nil || string(empty) != `{"keys":[]}` {
		t.Fatalf("HMAC only: %s %v", empty, err)
	}
	if _, err := session.PublicJWKS([]session.Key{{ID: "x", Alg: "ES256"}}); err == nil {
		t.Fatal("a zero key was published")
	}
}

func TestLoadKeysFile(t *testing.T) {
	m := jwsKeys()
	dir := t.TempDir()
	write := func(name string, data []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()

	private := write("private.pem", jwkPKCS8(t, m.ec), 0o600)
	keys, err := session.LoadKeys(ctx, private, "", nil)
	if err != nil || len(keys) != 1 || !keys[0].CanSign() {
		t.Fatalf("%v %v", keys, err)
	}
	if exposed, mode, err := session.KeyFileExposed(private, keys); err != nil || exposed || mode != 0o600 {
		t.Fatalf("0600: exposed %v, mode %v, %v", exposed, mode, err)
	}
	// Readable by others: loaded and usable all the same, and reported.
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
		os.Chmod(private, mode)
		keys, err := session.LoadKeys(ctx, private, "ES256", nil)
		if err != nil || !keys[0].CanSign() {
			t.Fatalf("mode %v: %v", mode, err)
		}
		if exposed, got, err := session.KeyFileExposed(private, keys); err != nil || !exposed || got != mode {
			t.Fatalf("mode %v: exposed %v (%v), %v", mode, exposed, got, err)
		}
	}
	public := write("public.pem", jwkPKIX(t, &m.ec.PublicKey), 0o644)
	keys, err = session.LoadKeys(ctx, public, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if exposed, _, _ := session.KeyFileExposed(public, keys); exposed {
		t.Fatal("a public key file is reported as exposed")
	}
	jwks := write("jwks.json", jwkSet(t, jwkOf(t, m.hmac, map[string]any{"alg": "HS256", "kid": "h"})), 0o600)
	if keys, err = session.LoadKeys(ctx, jwks, "", nil); err != nil || keys[0].ID != "h" {
		t.Fatalf("JWKS file: %v %v", keys, err)
	}

	for _, tc := range []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope.pem"), "the file does not exist"},
		{"directory", dir, "not a regular file"},
		{"too large", write("big.pem", bytes.Repeat([]byte(" "), session.MaxKeySourceSize+1), 0o600), "larger than"},
		{"not a key", write("junk", []byte("hello"), 0o600), "neither PEM"},
		{"weak key", write("weak.pem", jwkPKIX(t, &m.rsa1024.PublicKey), 0o644), "at least 2048"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := session.LoadKeys(ctx, tc.path, "", nil)
			if err == nil || !strings.HasPrefix(err.Error(), "authkit: cannot load keys from "+tc.path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want %q", err, tc.want)
			}
		})
	}
	if _, err := session.LoadKeys(ctx, "", "", nil); err == nil {
		t.Fatal("empty source accepted")
	}
}

func TestLoadKeysURL(t *testing.T) {
	m := jwsKeys()
	good, err := session.PublicJWKS([]session.Key{jwsKey(t, "e1", "", m.ec), jwsKey(t, "d1", "", m.ed)})
	if err != nil {
		t.Fatal(err)
	}
	mixed := jwkSet(t,
		jwkOf(t, m.hmac, map[string]any{"alg": "HS256", "kid": "h"}),
		jwkOf(t, m.ec, map[string]any{"kid": "leaked-private"}),
	)
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write(good)
	})
	mux.HandleFunc("/mixed", func(w http.ResponseWriter, r *http.Request) { w.Write(mixed) })
	mux.HandleFunc("/oct", func(w http.ResponseWriter, r *http.Request) { w.Write(mixed[:0]) })
	mux.HandleFunc("/oct-only", func(w http.ResponseWriter, r *http.Request) {
		w.Write(jwkSet(t, jwkOf(t, m.hmac, map[string]any{"alg": "HS256"})))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"keys":[],"pad":"`))
		w.Write(bytes.Repeat([]byte("x"), session.MaxKeySourceSize))
		w.Write([]byte(`"}`))
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>hello</html>")) })
	mux.HandleFunc("/pem", func(w http.ResponseWriter, r *http.Request) { w.Write(jwkPKIX(t, &m.ec.PublicKey)) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/to-http", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://jwks.example.invalid/jwks", http.StatusFound)
	})
	mux.HandleFunc("/to-jwks", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/jwks", http.StatusFound) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	if u, _ := url.Parse(srv.URL); u.Hostname() != "127.0.0.1" {
		t.Fatalf("test server on %s", u.Hostname())
	}
	ctx := context.Background()

	for _, path := range []string{"/jwks", "/to-jwks"} {
		keys, err := session.LoadKeys(ctx, srv.URL+path, "", nil)
		if err != nil || len(keys) != 2 || keys[0].ID != "e1" || keys[1].ID != "d1" || keys[0].CanSign() {
			t.Fatalf("%s: %v %v", path, keys, err)
		}
	}
	localhost := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if _, err := session.LoadKeys(ctx, localhost+"/jwks", "ES256", srv.Client()); err != nil {
		t.Fatalf("localhost: %v", err)
	}
	// From a URL, HMAC secrets are skipped and private halves dropped.
	keys, err := session.LoadKeys(ctx, srv.URL+"/mixed", "", nil)
	if err != nil || len(keys) != 1 || keys[0].ID != "leaked-private" || keys[0].CanSign() {
		t.Fatalf("mixed: %v %v", keys, err)
	}

	tls := httptest.NewUnstartedServer(mux)
	tls.Config.ErrorLog = log.New(io.Discard, "", 0) // the unknown-CA case logs a handshake error
	tls.StartTLS()
	t.Cleanup(tls.Close)
	if keys, err := session.LoadKeys(ctx, tls.URL+"/jwks", "", tls.Client()); err != nil || len(keys) != 2 {
		t.Fatalf("https: %v %v", keys, err)
	}

	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	for _, tc := range []struct {
		name, url, want string
		ctx             context.Context
	}{
		{"too large", srv.URL + "/big", "larger than", ctx},
		{"not JSON", srv.URL + "/html", "not a JWKS", ctx},
		{"PEM", srv.URL + "/pem", "not a JWKS", ctx},
		{"empty", srv.URL + "/oct", "not a JWKS", ctx},
		{"secrets only", srv.URL + "/oct-only", "no public key", ctx},
		{"404", srv.URL + "/missing", "404", ctx},
		{"slow", srv.URL + "/slow", "in time", short},
		{"redirect to http", srv.URL + "/to-http", "plain http", ctx},
		{"plain http", "http://jwks.example.invalid/jwks", "plain http", ctx},
		{"http to a private address", "http://10.0.0.1/jwks", "plain http", ctx},
		{"unknown CA", tls.URL + "/jwks", "certificate", ctx},
		{"no host", "https:///jwks", "with a host", ctx},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := session.LoadKeys(tc.ctx, tc.url, "", nil)
			if err == nil {
				t.Fatalf("accepted: %v", keys)
			}
			if !strings.HasPrefix(err.Error(), "authkit: cannot load keys from ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q; want %q", err, tc.want)
			}
		})
	}
	// Credentials and query strings in the URL are not repeated.
	withCreds := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1) + "/missing?token=s3cr3t"
	_, err = session.LoadKeys(ctx, withCreds, "", nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("error %v repeats credentials", err)
	}
}
