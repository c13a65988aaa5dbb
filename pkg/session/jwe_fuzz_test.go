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
