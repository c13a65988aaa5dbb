package session

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

const (
	testSecret    = "test-secret-with-at-least-32-bytes-of-text"
	testOldSecret = "old-test-secret-that-was-rotated-out-of-use"
	testSalt      = "authjs.session-token"
)

var testNow = time.Unix(1_800_000_000, 0)

func mustV5(t testing.TB, secrets []string, salt string) *JWE {
	t.Helper()
	c, err := NewAuthJS(secrets, salt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustEncode(t testing.TB, c Codec, claims Claims) string {
	t.Helper()
	tok, err := c.Encode(claims, EncodeOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// sealCBC seals payload under header with the codec's first key, so tests
// can build tokens with any header and any payload.
func sealCBC(c *JWE, headerJSON string, payload []byte) string {
	k := &c.keys[0]
	header := b64.EncodeToString([]byte(headerJSON))
	iv := make([]byte, 16)
	rand.Read(iv)
	pad := 16 - len(payload)%16
	ct := append(append([]byte{}, payload...), make([]byte, pad)...)
	for i := len(payload); i < len(ct); i++ {
		ct[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(k.cbcBlock, iv).CryptBlocks(ct, ct)
	var sb strings.Builder
	join(&sb, header, iv, ct, k.cbcTag(header, iv, ct))
	return sb.String()
}

func sealGCM(c *JWE, headerJSON string, payload []byte) string {
	k := &c.keys[0]
	header := b64.EncodeToString([]byte(headerJSON))
	iv := make([]byte, 12)
	rand.Read(iv)
	sealed := k.gcmAEAD.Seal(nil, iv, payload, []byte(header))
	var sb strings.Builder
	join(&sb, header, iv, sealed[:len(sealed)-16], sealed[len(sealed)-16:])
	return sb.String()
}

func assertRefused(t *testing.T, tok *Token, err error, reason error) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want %v", reason)
	}
	if tok != nil {
		t.Fatalf("error %v returned a token too", err)
	}
	if !errors.Is(err, ErrInvalidToken) || !errors.Is(err, reason) {
		t.Fatalf("error %q; want %v", err, reason)
	}
}

func TestAuthJSRoundTrip(t *testing.T) {
	claims := Claims{"name": "Zoë 🦊", "email": "zoe@example.com", "sub": "user_1", "nested": map[string]any{"roles": []any{"a", "b"}}}
	for _, tc := range []struct {
		name  string
		codec func(t testing.TB) *JWE
		enc   string
	}{
		{"v5", func(t testing.TB) *JWE { return mustV5(t, []string{testSecret}, testSalt) }, encCBC},
		{"v5 secure salt", func(t testing.TB) *JWE { return mustV5(t, []string{testSecret}, "__Secure-"+testSalt) }, encCBC},
		{"v4", func(t testing.TB) *JWE {
			c, err := NewAuthJSv4([]string{testSecret})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}, encGCM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.codec(t)
			raw := mustEncode(t, c, claims)
			tok, err := Decode(c, raw, testNow.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if tok.Enc != tc.enc || tok.Alg != "dir" || tok.SecretIndex != 0 || tok.Size != len(raw) {
				t.Fatalf("token %+v", tok)
			}
			if tok.Claims["name"] != "Zoë 🦊" || tok.Subject() != "user_1" {
				t.Fatalf("claims %v", tok.Claims)
			}
			if got := tok.Claims["exp"].(json.Number).String(); got != "1802592000" {
				t.Fatalf("exp %s, want iat + 30 days", got)
			}
			if _, ok := tok.Claims["jti"].(string); !ok {
				t.Fatal("no jti")
			}
			if c.version == V5 && tok.KeyID != c.KeyID() {
				t.Fatalf("kid %q, want %q", tok.KeyID, c.KeyID())
			}
		})
	}
}

func TestAuthJSKeyIDDependsOnSecretAndSalt(t *testing.T) {
	a := mustV5(t, []string{testSecret}, testSalt).KeyID()
	b := mustV5(t, []string{testSecret}, "__Secure-"+testSalt).KeyID()
	c := mustV5(t, []string{testOldSecret}, testSalt).KeyID()
	if a == b || a == c || len(a) != 86 {
		t.Fatalf("kids %q %q %q", a, b, c)
	}
}

func TestAuthJSRotation(t *testing.T) {
	old := mustV5(t, []string{testOldSecret}, testSalt)
	rotated := mustV5(t, []string{testSecret, testOldSecret}, testSalt)
	oldToken := mustEncode(t, old, Claims{"sub": "1"})
	tok, err := Decode(rotated, oldToken, testNow)
	if err != nil || tok.SecretIndex != 1 {
		t.Fatalf("old-secret token under [new, old]: %v %+v", err, tok)
	}
	fresh := mustEncode(t, rotated, Claims{"sub": "1"})
	if tok, err := Decode(mustV5(t, []string{testSecret}, testSalt), fresh, testNow); err != nil || tok.SecretIndex != 0 {
		t.Fatalf("new tokens must use the first secret: %v", err)
	}
	removed := mustV5(t, []string{testSecret}, testSalt)
	tok, err = Decode(removed, oldToken, testNow)
	assertRefused(t, tok, err, ErrNoMatchingSecret)
}

func TestAuthJSKeylessTriesFirstSecretOnly(t *testing.T) {
	old := mustV5(t, []string{testOldSecret}, testSalt)
	payload := []byte(`{"sub":"1","exp":1900000000}`)
	keyless := sealCBC(old, `{"alg":"dir","enc":"A256CBC-HS512"}`, payload)
	tok, err := Decode(mustV5(t, []string{testSecret, testOldSecret}, testSalt), keyless, testNow)
	assertRefused(t, tok, err, ErrTampered)
	if _, err := Decode(mustV5(t, []string{testOldSecret, testSecret}, testSalt), keyless, testNow); err != nil {
		t.Fatalf("kid-less token with its secret first: %v", err)
	}
}

func TestAuthJSAcceptsGCM(t *testing.T) {
	c := mustV5(t, []string{testSecret}, testSalt)
	payload := []byte(`{"sub":"1","exp":1900000000}`)
	for _, header := range []string{
		`{"alg":"dir","enc":"A256GCM"}`,
		`{"alg":"dir","enc":"A256GCM","kid":"` + c.keys[0].gcm.kid + `"}`,
	} {
		tok, err := Decode(c, sealGCM(c, header, payload), testNow)
		if err != nil || tok.Enc != encGCM || tok.Subject() != "1" {
			t.Fatalf("%s: %v", header, err)
		}
	}
	tok, err := Decode(c, sealGCM(c, `{"alg":"dir","enc":"A256GCM","kid":"nope"}`, payload), testNow)
	assertRefused(t, tok, err, ErrNoMatchingSecret)
	c.RefuseGCM()
	tok, err = Decode(c, sealGCM(c, `{"alg":"dir","enc":"A256GCM"}`, payload), testNow)
	assertRefused(t, tok, err, ErrUnsupported)
}

func TestAuthJSRefusesOtherSaltAndSecret(t *testing.T) {
	session := mustV5(t, []string{testSecret}, testSalt)
	for _, salt := range []string{"authjs.state", "authjs.pkce.code_verifier", "authjs.nonce", "__Secure-" + testSalt} {
		other := mustV5(t, []string{testSecret}, salt)
		raw := mustEncode(t, other, Claims{"value": "x", "provider": "github"})
		tok, err := Decode(session, raw, testNow)
		assertRefused(t, tok, err, ErrNoMatchingSecret)
	}
	raw := mustEncode(t, mustV5(t, []string{testOldSecret}, testSalt), Claims{"sub": "1"})
	tok, err := Decode(session, raw, testNow)
	assertRefused(t, tok, err, ErrNoMatchingSecret)
	v4, _ := NewAuthJSv4([]string{testSecret})
	v4other, _ := NewAuthJSv4([]string{testOldSecret})
	tok, err = Decode(v4, mustEncode(t, v4other, Claims{"sub": "1"}), testNow)
	assertRefused(t, tok, err, ErrTampered)
	tok, err = Decode(v4, mustEncode(t, session, Claims{"sub": "1"}), testNow)
	assertRefused(t, tok, err, ErrUnsupported)
}

func TestAuthJSTimeClaims(t *testing.T) {
	c := mustV5(t, []string{testSecret}, testSalt)
	raw := mustEncode(t, c, Claims{"sub": "1"})
	exp := testNow.Add(DefaultMaxAge)
	if _, err := Decode(c, raw, exp.Add(Leeway-time.Second)); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	tok, err := Decode(c, raw, exp.Add(Leeway))
	assertRefused(t, tok, err, ErrExpired)
	opened, err := c.Open(raw)
	if err != nil || opened.Validate(exp.Add(time.Minute)) == nil {
		t.Fatalf("Open must not judge time, Validate must: %v", err)
	}
	for name, payload := range map[string]string{
		"no exp":          `{"sub":"1"}`,
		"future iat":      `{"sub":"1","exp":1900000000,"iat":1800000016}`,
		"future nbf":      `{"sub":"1","exp":1900000000,"nbf":1800000100}`,
		"string exp":      `{"sub":"1","exp":"1900000000"}`,
		"negative exp":    `{"sub":"1","exp":-5}`,
		"exp beyond 2^53": `{"sub":"1","exp":1e300}`,
	} {
		want := map[string]error{"no exp": ErrMissingExp, "future iat": ErrNotYetValid, "future nbf": ErrNotYetValid}[name]
		if want == nil {
			want = ErrInvalidClaims
		}
		tok, err := Decode(c, sealCBC(c, `{"alg":"dir","enc":"A256CBC-HS512"}`, []byte(payload)), testNow)
		t.Run(name, func(t *testing.T) { assertRefused(t, tok, err, want) })
	}
	if _, err := Decode(c, sealCBC(c, `{"alg":"dir","enc":"A256CBC-HS512"}`, []byte(`{"exp":1900000000,"iat":1800000015}`)), testNow); err != nil {
		t.Fatalf("iat within the leeway: %v", err)
	}
}

func flip(s string, i int) string {
	b := []byte(s)
	c := b[i]
	for _, r := range "AQgwBC" {
		if byte(r) != c {
			b[i] = byte(r)
			break
		}
	}
	return string(b)
}

func TestAuthJSTamperedAndTruncated(t *testing.T) {
	c := mustV5(t, []string{testSecret}, testSalt)
	raw := mustEncode(t, c, Claims{"sub": "1", "name": "a"})
	parts := strings.Split(raw, ".")
	offset := 0
	for seg, p := range parts {
		if p == "" {
			tampered := strings.Join(append(append([]string{}, parts[:1]...), append([]string{"AAAA"}, parts[2:]...)...), ".")
			tok, err := Decode(c, tampered, testNow)
			assertRefused(t, tok, err, ErrMalformed)
			offset++
			continue
		}
		for _, at := range []int{0, len(p) / 2, len(p) - 2} {
			tampered := flip(raw, offset+at)
			tok, err := Decode(c, tampered, testNow)
			if err == nil {
				t.Fatalf("segment %d byte %d flipped: accepted", seg, at)
			}
			if tok != nil || !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("segment %d: %v", seg, err)
			}
		}
		offset += len(p) + 1
	}
	for name, bad := range map[string]string{
		"last char dropped":  raw[:len(raw)-1],
		"no tag":             raw[:strings.LastIndexByte(raw, '.')+1],
		"four parts":         raw[:strings.LastIndexByte(raw, '.')],
		"six parts":          raw + ".AAAA",
		"empty":              "",
		"padding":            raw + "=",
		"spaces":             " " + raw,
		"json serialisation": `{"protected":"` + parts[0] + `","iv":"` + parts[2] + `","ciphertext":"` + parts[3] + `","tag":"` + parts[4] + `"}`,
	} {
		tok, err := Decode(c, bad, testNow)
		if err == nil || tok != nil || !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestAuthJSRefusesHeaders(t *testing.T) {
	c := mustV5(t, []string{testSecret}, testSalt)
	payload := []byte(`{"sub":"1","exp":1900000000}`)
	for _, header := range []string{
		`{"alg":"RSA1_5","enc":"A256CBC-HS512"}`,
		`{"alg":"RSA-OAEP","enc":"A256CBC-HS512"}`,
		`{"alg":"A256KW","enc":"A256CBC-HS512"}`,
		`{"alg":"ECDH-ES","enc":"A256CBC-HS512","epk":{}}`,
		`{"alg":"PBES2-HS512+A256KW","enc":"A256CBC-HS512","p2c":2147483647,"p2s":"AAAA"}`,
		`{"alg":"none","enc":"A256CBC-HS512"}`,
		`{"alg":"dir","enc":"A128CBC-HS256"}`,
		`{"alg":"dir","enc":"A128GCM"}`,
		`{"alg":"dir","enc":"A256CBC-HS512","zip":"DEF"}`,
		`{"alg":"dir","enc":"A256CBC-HS512","cty":"JWT"}`,
		`{"alg":"dir","enc":"A256CBC-HS512","crit":["exp"]}`,
		`{"alg":"dir","enc":"A256CBC-HS512","jku":"https://evil.example/keys"}`,
		`{"alg":"dir","enc":"A256CBC-HS512","ZIP":"DEF"}`,
		`{"alg":"dir","enc":"A256CBC-HS512","Kid":"x"}`,
	} {
		tok, err := Decode(c, sealCBC(c, header, payload), testNow)
		t.Run(header, func(t *testing.T) { assertRefused(t, tok, err, ErrUnsupported) })
	}
	for _, header := range []string{
		`{"alg":"dir","enc":"A256CBC-HS512","alg":"none"}`,
		`{"alg":"dir","enc":"A256CBC-HS512","\u0061lg":"RSA1_5"}`,
		`{"alg":1,"enc":"A256CBC-HS512"}`,
		`["dir"]`,
		`{"alg":"dir","enc":"A256CBC-HS512"`,
	} {
		tok, err := Decode(c, sealCBC(c, header, payload), testNow)
		t.Run(header, func(t *testing.T) { assertRefused(t, tok, err, ErrMalformed) })
	}
}

func TestAuthJSKeyWrappingIsUnsupportedNotMalformed(t *testing.T) {
	c := mustV5(t, []string{testSecret}, testSalt)
	for _, alg := range []string{"RSA-OAEP", "A256KW", "PBES2-HS512+A256KW"} {
		header := b64.EncodeToString([]byte(`{"alg":"` + alg + `","enc":"A256CBC-HS512"}`))
		tok, err := c.Open(header + ".AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA.AAAA")
		assertRefused(t, tok, err, ErrUnsupported)
	}
}

func TestAuthJSRefusesPBES2BeforeDerivation(t *testing.T) {
	c := mustV5(t, []string{testSecret}, testSalt)
	bad := b64.EncodeToString([]byte(`{"alg":"PBES2-HS512+A256KW","enc":"A256CBC-HS512","p2c":2147483647,"p2s":"AAAAAAAAAAAAAAAAAAAAAA"}`)) + ".AAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA.AAAA"
	// 2^31 PBKDF2 rounds would take minutes: refused by the algorithm
	// check (ErrUnsupported), nothing is derived.
	tok, err := c.Open(bad)
	if err == nil || tok != nil || !errors.Is(err, ErrInvalidToken) || !errors.Is(err, ErrUnsupported) {
		t.Fatalf("PBES2 token: %v", err)
	}
}

func TestAuthJSRefusesBadClaims(t *testing.T) {
	c := mustV5(t, []string{testSecret}, testSalt)
	for name, payload := range map[string][]byte{
		"array":             []byte(`["sub"]`),
		"string":            []byte(`"sub"`),
		"null":              []byte(`null`),
		"invalid utf-8":     []byte("{\"sub\":\"\xff\",\"exp\":1900000000}"),
		"duplicate sub":     []byte(`{"sub":"1","sub":"2","exp":1900000000}`),
		"escaped duplicate": []byte(`{"sub":"1","\u0073ub":"2","exp":1900000000}`),
		"nested duplicate":  []byte(`{"a":{"b":1,"b":2},"exp":1900000000}`),
		"huge number":       []byte(`{"n":1e400,"exp":1900000000}`),
		"trailing data":     []byte(`{"exp":1900000000} {}`),
		"deep nesting":      []byte(`{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `,"exp":1900000000}`),
		"empty":             {},
	} {
		tok, err := Decode(c, sealCBC(c, `{"alg":"dir","enc":"A256CBC-HS512"}`, payload), testNow)
		t.Run(name, func(t *testing.T) { assertRefused(t, tok, err, ErrInvalidClaims) })
	}
}

func TestAuthJSRefusesOversizedBeforeCrypto(t *testing.T) {
	c := mustV5(t, []string{testSecret}, testSalt)
	big := strings.Repeat("A", DefaultMaxTokenSize+1)
	tok, err := c.Open(big)
	assertRefused(t, tok, err, ErrTooLarge)
	huge := strings.Repeat("A", 10<<20)
	allocs := testing.AllocsPerRun(10, func() { c.Open(huge) })
	if allocs > 8 {
		t.Fatalf("refusing a 10 MB token allocated %v times", allocs)
	}
	c.SetMaxSize(64)
	tok, err = c.Open(mustEncode(t, c, Claims{"sub": "1"}))
	assertRefused(t, tok, err, ErrTooLarge)
}

func TestJWEPrintsNoKeys(t *testing.T) {
	c := mustV5(t, []string{testSecret}, testSalt)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, c)
		if strings.Contains(out, testSecret) || strings.Contains(out, string(c.keys[0].cbc.key)) || strings.Contains(out, fmt.Sprint(c.keys[0].cbc.key)) {
			t.Fatalf("%s prints key material: %s", verb, out)
		}
	}
}

func TestNewAuthJSRefusesBadConfig(t *testing.T) {
	if _, err := NewAuthJS(nil, testSalt); err == nil {
		t.Fatal("no secret accepted")
	}
	if _, err := NewAuthJS([]string{testSecret, ""}, testSalt); err == nil {
		t.Fatal("empty secret accepted")
	}
	if _, err := NewAuthJS([]string{testSecret}, ""); err == nil {
		t.Fatal("empty salt accepted")
	}
	if _, err := NewAuthJS([]string{testSecret}, strings.Repeat("s", 1000)); err == nil {
		t.Fatal("salt longer than Auth.js allows accepted")
	}
}

func TestEncodeKeepsClaimOrderAsAuthJS(t *testing.T) {
	c := mustV5(t, []string{testSecret}, testSalt)
	src := []byte(`{"name":"a","exp":1,"sub":"u","email":"e","iat":2}`)
	order, err := MemberOrder(src)
	if err != nil {
		t.Fatal(err)
	}
	claims, _ := parseClaims(src)
	raw, err := c.Encode(claims, EncodeOptions{Now: testNow, JTI: "j", Order: order})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := c.Open(raw)
	want := `{"name":"a","exp":1802592000,"sub":"u","email":"e","iat":1800000000,"jti":"j"}`
	if string(tok.Payload) != want {
		t.Fatalf("payload %s\nwant    %s", tok.Payload, want)
	}
	raw, _ = c.Encode(Claims{"z": 1, "a": "<&>"}, EncodeOptions{Now: testNow, JTI: "j"})
	tok, _ = c.Open(raw)
	if want := `{"a":"<&>","z":1,"iat":1800000000,"exp":1802592000,"jti":"j"}`; string(tok.Payload) != want {
		t.Fatalf("payload %s\nwant    %s", tok.Payload, want)
	}
}
