package session_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/pkg/session"
)

var jwsReasons = []error{
	session.ErrMalformed, session.ErrUnsupported, session.ErrNoMatchingSecret, session.ErrTampered,
	session.ErrInvalidClaims, session.ErrTooLarge, session.ErrExpired, session.ErrNotYetValid, session.ErrMissingExp,
}

// jwsCheckContract asserts the decoder contract on one result.
func jwsCheckContract(t *testing.T, c *session.JWS, token string, tok *session.Token, err error) {
	t.Helper()
	if err != nil {
		if tok != nil {
			t.Fatalf("error %q came with a token", err)
		}
		var te *session.TokenError
		if !errors.Is(err, session.ErrInvalidToken) || !errors.As(err, &te) {
			t.Fatalf("error %q is not a token refusal", err)
		}
		n := 0
		for _, r := range jwsReasons {
			if errors.Is(err, r) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("error %q matches %d reasons", err, n)
		}
		if msg := err.Error(); len(msg) > 400 || (len(token) >= 24 && strings.Contains(msg, token)) {
			t.Fatalf("error message repeats the token or is unbounded (%d bytes)", len(msg))
		}
		return
	}
	if tok == nil || tok.Claims == nil || tok.Format != session.FormatJWS || tok.Size != len(token) {
		t.Fatalf("accepted token with bad fields: %+v", tok)
	}
	keys := c.Keys()
	if tok.SecretIndex < 0 || tok.SecretIndex >= len(keys) || keys[tok.SecretIndex].Alg != tok.Alg {
		t.Fatalf("opened with key %d under alg %q", tok.SecretIndex, tok.Alg)
	}
	if tok.KeyID != "" && keys[tok.SecretIndex].ID != tok.KeyID {
		t.Fatalf("kid %q opened with key %q", tok.KeyID, keys[tok.SecretIndex].ID)
	}
	if !json.Valid(tok.Header) || !json.Valid(tok.Payload) {
		t.Fatal("accepted token with invalid JSON")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || base64.RawURLEncoding.EncodeToString(tok.Payload) != parts[1] {
		t.Fatal("Payload is not the verified segment")
	}
}

// FuzzJWSOpen feeds Open and Decode arbitrary tokens. With resign set, a
// token of three segments gets a valid HS256 signature first, so the
// fuzzer also explores headers and payloads past the signature check.
func FuzzJWSOpen(f *testing.F) {
	m := jwsKeys()
	hs := jwsKey(f, "h", "HS256", m.hmac)
	c := jwsCodec(f,
		hs,
		jwsKey(f, "e", "", m.ec),
		jwsKey(f, "d", "", m.ed),
	)
	for _, k := range c.Keys() {
		raw, err := jwsCodec(f, k).Encode(session.Claims{"sub": "user-1", "n": 1.5, "list": []any{"a", nil, true}}, session.EncodeOptions{Now: jwsNow})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, false)
		f.Add(raw, true)
		f.Add(raw[:len(raw)-3], false)
		f.Add(strings.Replace(raw, ".", "..", 1), false)
	}
	for _, s := range []string{
		jwsForge(f, "", nil, `{"alg":"none"}`, jwsPayload()),
		jwsForge(f, "HS256", m.hmac, `{"alg":"HS256"}`, jwsPayload()),
		jwsForge(f, "ES256", m.ec, `{"alg":"ES256","kid":"h"}`, jwsPayload()),
		jwsForge(f, "HS256", m.hmac, `{"alg":"HS256","kid":"h","crit":["x"]}`, `{"exp":1e400}`),
		jwsForge(f, "HS256", m.hmac, `{"alg":"HS256","alg":"HS256"}`, `{"a":1,"a":2}`),
		jwsForge(f, "HS256", m.hmac, `{"alg":"HS256","typ":"at+jwt"}`, "[1]"),
		`{"protected":"e30","payload":"e30","signature":""}`,
		"..", ".", "", "a.b.c", "a.b.c.d", strings.Repeat(".", 100),
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, token string, resign bool) {
		if resign {
			if p := strings.Split(token, "."); len(p) == 3 {
				mac := hmac.New(sha256.New, m.hmac)
				mac.Write([]byte(p[0] + "." + p[1]))
				token = p[0] + "." + p[1] + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
			}
		}
		tok, err := c.Open(token)
		jwsCheckContract(t, c, token, tok, err)
		tok, err = session.Decode(c, token, jwsNow)
		jwsCheckContract(t, c, token, tok, err)
	})
}

// FuzzParseKeys: ParseKeys never panics, and what it returns is usable.
func FuzzParseKeys(f *testing.F) {
	m := jwsKeys()
	for _, seed := range [][]byte{
		jwkPKIX(f, &m.ec.PublicKey),
		jwkPKCS8(f, m.ed),
		jwkPKIX(f, &m.rsa.PublicKey),
		jwkJSON(f, jwkOf(f, m.ec, map[string]any{"kid": "e"})),
		jwkJSON(f, jwkOf(f, m.ed, nil)),
		jwkJSON(f, jwkOf(f, m.hmac, map[string]any{"alg": "HS256"})),
		jwkJSON(f, jwkOf(f, &m.rsa.PublicKey, nil)),
		jwkSet(f, jwkOf(f, &m.ec.PublicKey, nil), jwkOf(f, m.ed.Public(), map[string]any{"use": "enc"})),
		[]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`),
		[]byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"),
	} {
		for _, alg := range []string{"", "ES256", "HS256"} {
			f.Add(seed, alg)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, alg string) {
		keys, err := session.ParseKeys(data, alg)
		if err != nil {
			if keys != nil || !strings.HasPrefix(err.Error(), "authkit: cannot parse the keys: ") {
				t.Fatalf("error %q with keys %v", err, keys)
			}
			return
		}
		if len(keys) == 0 {
			t.Fatal("no keys and no error")
		}
		for _, k := range keys {
			if alg != "" && k.Alg != alg {
				t.Fatalf("key %v for alg %q", k, alg)
			}
		}
		if _, err := session.NewJWS(keys); err != nil {
			t.Fatalf("parsed keys make no codec: %v", err)
		}
		if _, err := session.PublicJWKS(keys); err != nil {
			t.Fatalf("parsed keys cannot be published: %v", err)
		}
	})
}
