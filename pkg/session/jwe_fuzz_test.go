package session

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func FuzzAuthJSOpen(f *testing.F) {
	c := mustV5(f, []string{testSecret, testOldSecret}, testSalt)
	v4, _ := NewAuthJSv4([]string{testSecret})
	valid := mustEncode(f, c, Claims{"sub": "1", "name": "ä"})
	f.Add(valid)
	f.Add(mustEncode(f, v4, Claims{"sub": "1"}))
	f.Add(valid[:len(valid)-1])
	f.Add(strings.Replace(valid, ".", "..", 1))
	f.Add(sealCBC(c, `{"alg":"dir","enc":"A256CBC-HS512","zip":"DEF"}`, []byte(`{}`)))
	f.Add(sealGCM(c, `{"alg":"dir","enc":"A256GCM"}`, []byte(`{"exp":1}`)))
	f.Fuzz(func(t *testing.T, token string) {
		for _, codec := range []*JWE{c, v4} {
			if tok, err := Decode(codec, token, testNow); (err != nil) == (tok != nil) {
				t.Fatalf("Decode: error %v with token %v", err, tok)
			}
			tok, err := codec.Open(token)
			if err != nil {
				if tok != nil || !errors.Is(err, ErrInvalidToken) {
					t.Fatalf("error %v with token %v", err, tok)
				}
				continue
			}
			if tok == nil || tok.Claims == nil || !json.Valid(tok.Payload) {
				t.Fatalf("accepted without claims: %+v", tok)
			}
		}
	})
}

// FuzzAuthJSClaims seals fuzzed payloads and headers with the codec's own
// key, so that the fuzzer gets past the tag to the header checks, the
// claims parser and the time checks.
func FuzzAuthJSClaims(f *testing.F) {
	c := mustV5(f, []string{testSecret}, testSalt)
	f.Add(`{"alg":"dir","enc":"A256CBC-HS512"}`, []byte(`{"sub":"1","exp":1900000000}`))
	f.Add(`{"alg":"dir","enc":"A256CBC-HS512","kid":"x"}`, []byte(`{"exp":"1"}`))
	f.Add(`{"alg":"dir","enc":"A256CBC-HS512","zip":"DEF"}`, []byte(`{"a":[1,{"b":null}],"exp":1e3}`))
	f.Add(`{"alg":"dir","enc":"A256GCM"}`, []byte(`{"iat":1800000000,"nbf":1.5,"exp":1800000001}`))
	f.Fuzz(func(t *testing.T, header string, payload []byte) {
		token := sealCBC(c, header, payload)
		if strings.Contains(header, "A256GCM") {
			token = sealGCM(c, header, payload)
		}
		tok, err := Decode(c, token, testNow)
		if err != nil {
			if tok != nil || !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("error %v with token %v", err, tok)
			}
			return
		}
		if tok.Claims == nil || !json.Valid(tok.Payload) {
			t.Fatalf("accepted without claims: %+v", tok)
		}
		if _, ok := tok.ExpiresAt(); !ok {
			t.Fatal("accepted without a numeric exp")
		}
	})
}

func FuzzReadChunked(f *testing.F) {
	n := "authjs.session-token"
	f.Add(n + "=abc")
	f.Add(n + ".0=ab; " + n + ".1=cd; other=x")
	f.Add(n + ".1=ab; " + n + ".1=cd; " + n + "X=1")
	f.Add("Cookie: ; ;=; a")
	f.Fuzz(func(t *testing.T, header string) {
		cookies, err := ParseCookieHeader(header)
		if err != nil {
			return
		}
		v, err := ReadChunked(cookies, n, 1024)
		if err != nil && v != "" {
			t.Fatalf("error %v with value", err)
		}
		if err == nil && (v == "" || len(v) > 1024 || len(v) > len(header)) {
			t.Fatalf("value of %d bytes from a %d-byte header", len(v), len(header))
		}
	})
}

func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":{"b":[1,2,{"c":null}]}}`, `{"a":1,"a":2}`, `{"\u0061":1,"a":2}`, `{"n":-0.5e+3}`, `[]`, `{"a":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if checkJSON(b) != nil {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || m == nil {
			t.Fatalf("checkJSON accepted what encoding/json refuses: %v", err)
		}
	})
}
