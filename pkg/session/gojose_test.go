package session

import (
	"encoding/json"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// go-jose is an independent JOSE implementation: what authkit seals, it
// opens with the key authkit derives, and what it seals with that key and
// kid, authkit opens. (The Auth.js vectors and the live interop tests
// check the key derivation itself against @auth/core and next-auth.)

func goJoseOpen(t testing.TB, token string, enc jose.ContentEncryption, key []byte) []byte {
	t.Helper()
	obj, err := jose.ParseEncryptedCompact(token, []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{enc})
	if err != nil {
		t.Fatalf("go-jose cannot parse: %v", err)
	}
	out, err := obj.Decrypt(key)
	if err != nil {
		t.Fatalf("go-jose cannot decrypt: %v", err)
	}
	return out
}

func goJoseSeal(t testing.TB, enc jose.ContentEncryption, key []byte, kid string, payload []byte) string {
	t.Helper()
	opts := &jose.EncrypterOptions{}
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: jose.DIRECT, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := e.Encrypt(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGoJoseOpensAuthkitTokens(t *testing.T) {
	v5 := mustV5(t, []string{testSecret}, testSalt)
	v4, _ := NewAuthJSv4([]string{testSecret})
	claims := Claims{"sub": "1", "name": "Zoë 🦊"}
	for _, tc := range []struct {
		codec *JWE
		enc   jose.ContentEncryption
		key   []byte
	}{
		{v5, jose.A256CBC_HS512, v5.keys[0].cbc.key},
		{v4, jose.A256GCM, v4.keys[0].gcm.key},
	} {
		payload := goJoseOpen(t, mustEncode(t, tc.codec, claims), tc.enc, tc.key)
		var got map[string]any
		if err := json.Unmarshal(payload, &got); err != nil || got["name"] != "Zoë 🦊" || got["jti"] == nil {
			t.Fatalf("%s: %s %v", tc.enc, payload, err)
		}
	}
}

func TestAuthkitOpensGoJoseTokens(t *testing.T) {
	c := mustV5(t, []string{testOldSecret, testSecret}, testSalt)
	k := c.keys[1]
	payload := []byte(`{"sub":"1","exp":1900000000}`)
	for _, token := range []string{
		goJoseSeal(t, jose.A256CBC_HS512, k.cbc.key, k.cbc.kid, payload),
		goJoseSeal(t, jose.A256GCM, k.gcm.key, k.gcm.kid, payload),
	} {
		tok, err := Decode(c, token, testNow)
		if err != nil || tok.SecretIndex != 1 || tok.Subject() != "1" {
			t.Fatalf("%v %+v", err, tok)
		}
	}
	zipped, err := jose.NewEncrypter(jose.A256CBC_HS512, jose.Recipient{Algorithm: jose.DIRECT, Key: k.cbc.key}, &jose.EncrypterOptions{Compression: jose.DEFLATE})
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := zipped.Encrypt(payload)
	token, _ := obj.CompactSerialize()
	tok, err := Decode(c, token, testNow)
	assertRefused(t, tok, err, ErrUnsupported)
}

// BenchmarkGoJoseDecode is what a v5 decode costs through go-jose (parse
// with allow-lists, decrypt, then the same claims parsing), for the
// comparison in bench/README.md.
func BenchmarkGoJoseDecode(b *testing.B) {
	c := mustV5(b, []string{testSecret}, testSalt)
	tok := mustEncode(b, c, benchClaims)
	key := c.keys[0].cbc.key
	b.ReportAllocs()
	for b.Loop() {
		obj, err := jose.ParseEncryptedCompact(tok, []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256CBC_HS512, jose.A256GCM})
		if err != nil {
			b.Fatal(err)
		}
		payload, err := obj.Decrypt(key)
		if err != nil {
			b.Fatal(err)
		}
		t := &Token{}
		if t.Claims, err = parseClaims(payload); err != nil {
			b.Fatal(err)
		}
		if err := t.Validate(testNow); err != nil {
			b.Fatal(err)
		}
	}
}
