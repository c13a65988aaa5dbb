package session_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authkit-dev/authkit/pkg/session"
)

// jwsNow is the clock of these tests.
var jwsNow = time.Unix(1_800_000_000, 0)

// jwsMaterial is the Go key material the tests sign with. Keys are made
// once per test binary: RSA generation is slow.
type jwsMaterial struct {
	rsa, rsa2 *rsa.PrivateKey
	rsa1024   *rsa.PrivateKey
	ec, ec2   *ecdsa.PrivateKey
	p384      *ecdsa.PrivateKey
	ed, ed2   ed25519.PrivateKey
	hmac      []byte
	hmac2     []byte
}

var jwsKeys = sync.OnceValue(func() *jwsMaterial {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	m := &jwsMaterial{hmac: make([]byte, 32), hmac2: make([]byte, 64)}
	var err error
	m.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	m.rsa2, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	m.rsa1024, err = rsa.GenerateKey(rand.Reader, 1024)
	must(err)
	m.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	m.ec2, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	m.p384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	must(err)
	_, m.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	_, m.ed2, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	rand.Read(m.hmac)
	rand.Read(m.hmac2)
	return m
})

func jwsKey(t testing.TB, id, alg string, material any) session.Key {
	t.Helper()
	k, err := session.NewKey(id, alg, material)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func jwsCodec(t testing.TB, keys ...session.Key) *session.JWS {
	t.Helper()
	c, err := session.NewJWS(keys)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func jwsB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// jwsForge builds a compact JWS of any header and payload, signed by
// golang-jwt's method alg with key (nil: no signature).
func jwsForge(t testing.TB, alg string, key any, header, payload string) string {
	t.Helper()
	signing := jwsB64(header) + "." + jwsB64(payload)
	if key == nil {
		return signing + "."
	}
	sig, err := jwt.GetSigningMethod(alg).Sign(signing, key)
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// jwsPayload is a payload valid at jwsNow.
func jwsPayload() string {
	return fmt.Sprintf(`{"sub":"user-1","iat":%d,"exp":%d}`, jwsNow.Unix(), jwsNow.Unix()+3600)
}

// jwsRefused asserts the REJECT contract: a nil token and an error that
// matches ErrInvalidToken and one of reasons.
func jwsRefused(t testing.TB, tok *session.Token, err error, reasons ...error) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want one of %v", reasons)
	}
	if tok != nil {
		t.Fatalf("error %q came with a token", err)
	}
	if !errors.Is(err, session.ErrInvalidToken) {
		t.Fatalf("error %q does not match ErrInvalidToken", err)
	}
	var te *session.TokenError
	if !errors.As(err, &te) {
		t.Fatalf("error %q is not a *TokenError", err)
	}
	for _, r := range reasons {
		if errors.Is(err, r) {
			return
		}
	}
	t.Fatalf("error %q; want one of %v", err, reasons)
}

type jwsAlgCase struct {
	alg     string
	private any // what signs
	public  any // what verifies
}

func jwsAlgCases() []jwsAlgCase {
	m := jwsKeys()
	return []jwsAlgCase{
		{"HS256", m.hmac, m.hmac},
		{"HS384", m.hmac2, m.hmac2},
		{"HS512", m.hmac2, m.hmac2},
		{"RS256", m.rsa, &m.rsa.PublicKey},
		{"ES256", m.ec, &m.ec.PublicKey},
		{"EdDSA", m.ed, m.ed.Public()},
	}
}

func TestJWSRoundTripEachAlg(t *testing.T) {
	for _, tc := range jwsAlgCases() {
		t.Run(tc.alg, func(t *testing.T) {
			key := jwsKey(t, "", tc.alg, tc.private)
			if key.Alg != tc.alg || !key.CanSign() || key.ID != key.Thumbprint() {
				t.Fatalf("key %v: alg, CanSign or kid wrong", key)
			}
			c := jwsCodec(t, key)
			if c.Format() != session.FormatJWS {
				t.Fatalf("format %q", c.Format())
			}
			raw, err := c.Encode(session.Claims{"sub": "user-1", "name": "Ann", "big": json.Number("12345678901234567890")},
				session.EncodeOptions{Now: jwsNow, MaxAge: time.Hour, JTI: "jti-1"})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := session.Decode(c, raw, jwsNow)
			if err != nil {
				t.Fatal(err)
			}
			wantHeader := `{"alg":"` + tc.alg + `","kid":"` + key.ID + `","typ":"JWT"}`
			switch {
			case tok.Format != session.FormatJWS, tok.Alg != tc.alg, tok.Enc != "", tok.KeyID != key.ID,
				tok.SecretIndex != 0, tok.Size != len(raw), string(tok.Header) != wantHeader:
				t.Fatalf("token fields: %+v", tok)
			case tok.Subject() != "user-1", tok.Claims["jti"] != "jti-1",
				tok.Claims["exp"] != json.Number(strconv.FormatInt(jwsNow.Unix()+3600, 10)),
				tok.Claims["big"] != json.Number("12345678901234567890"):
				t.Fatalf("claims: %v", tok.Claims)
			}
			if exp, ok := tok.ExpiresAt(); !ok || !exp.Equal(jwsNow.Add(time.Hour)) {
				t.Fatalf("exp %v", exp)
			}
			// The payload is the verified segment, byte for byte.
			seg := strings.Split(raw, ".")[1]
			if jwsB64(string(tok.Payload)) != seg {
				t.Fatal("Payload is not the token's payload segment")
			}
			// golang-jwt itself accepts what authkit signs...
			parsed, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return tc.public, nil },
				jwt.WithValidMethods([]string{tc.alg}), jwt.WithTimeFunc(func() time.Time { return jwsNow }),
				jwt.WithExpirationRequired())
			if err != nil || !parsed.Valid {
				t.Fatalf("golang-jwt refuses the token: %v", err)
			}
			// ...and authkit accepts what golang-jwt signs (no kid).
			theirs, err := jwt.NewWithClaims(jwt.GetSigningMethod(tc.alg), jwt.MapClaims{
				"sub": "user-2", "exp": jwsNow.Unix() + 60,
			}).SignedString(tc.private)
			if err != nil {
				t.Fatal(err)
			}
			tok, err = session.Decode(c, theirs, jwsNow)
			if err != nil || tok.Subject() != "user-2" || tok.KeyID != "" {
				t.Fatalf("golang-jwt token: %v %v", tok, err)
			}
		})
	}
}

// TestJWSVerifyOnlyFromJWKS signs with private keys and verifies with the
// keys read back from the JWKS they publish.
func TestJWSVerifyOnlyFromJWKS(t *testing.T) {
	m := jwsKeys()
	signers := []session.Key{
		jwsKey(t, "rsa-1", "", m.rsa),
		jwsKey(t, "ec-1", "", m.ec),
		jwsKey(t, "ed-1", "", m.ed),
	}
	doc, err := session.PublicJWKS(signers)
	if err != nil {
		t.Fatal(err)
	}
	public, err := session.ParseKeys(doc, "")
	if err != nil {
		t.Fatal(err)
	}
	verifier := jwsCodec(t, public...)
	if _, ok := verifier.SigningKey(); ok {
		t.Fatal("a codec of public keys says it can sign")
	}
	if _, err := verifier.Encode(session.Claims{"sub": "x"}, session.EncodeOptions{}); err == nil || !strings.Contains(err.Error(), "public keys only") {
		t.Fatalf("encode with public keys: %v", err)
	}
	for i, k := range signers {
		raw, err := jwsCodec(t, k).Encode(session.Claims{"sub": k.ID}, session.EncodeOptions{Now: jwsNow})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := session.Decode(verifier, raw, jwsNow)
		if err != nil {
			t.Fatalf("%s: %v", k.ID, err)
		}
		if tok.SecretIndex != i || tok.KeyID != k.ID {
			t.Fatalf("%s opened with key %d (kid %q)", k.ID, tok.SecretIndex, tok.KeyID)
		}
	}
}

func TestJWSSignsWithFirstKeyThatCanSign(t *testing.T) {
	m := jwsKeys()
	pub := jwsKey(t, "old", "", &m.ec2.PublicKey)
	priv := jwsKey(t, "new", "", m.ec)
	c := jwsCodec(t, pub, priv)
	if k, ok := c.SigningKey(); !ok || k.ID != "new" {
		t.Fatalf("signing key %v", k)
	}
	raw, err := c.Encode(session.Claims{}, session.EncodeOptions{Now: jwsNow})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Open(raw)
	if err != nil || tok.KeyID != "new" || tok.SecretIndex != 1 {
		t.Fatalf("%v %v", tok, err)
	}
	if got := c.Keys(); len(got) != 2 || got[0].ID != "old" || got[1].ID != "new" {
		t.Fatalf("Keys() = %v", got)
	}
}

func TestJWSHMACRotation(t *testing.T) {
	m := jwsKeys()
	oldKey, err := session.HMACKey(m.hmac, "HS256")
	if err != nil {
		t.Fatal(err)
	}
	newSecret := []byte(strings.Repeat("n", 40))
	newKey, err := session.HMACKey(newSecret, "")
	if err != nil {
		t.Fatal(err)
	}
	oldRaw, err := jwsCodec(t, oldKey).Encode(session.Claims{"sub": "1"}, session.EncodeOptions{Now: jwsNow})
	if err != nil {
		t.Fatal(err)
	}
	rotated := jwsCodec(t, newKey, oldKey)
	tok, err := session.Decode(rotated, oldRaw, jwsNow)
	if err != nil || tok.SecretIndex != 1 {
		t.Fatalf("old token under rotation: %v %v", tok, err)
	}
	// Without a kid, each HS256 key is tried in turn.
	kidless := jwsForge(t, "HS256", m.hmac, `{"alg":"HS256","typ":"JWT"}`, jwsPayload())
	tok, err = session.Decode(rotated, kidless, jwsNow)
	if err != nil || tok.SecretIndex != 1 || tok.KeyID != "" {
		t.Fatalf("kid-less old token: %v %v", tok, err)
	}
	// Once the old secret is removed, its tokens are refused.
	tok, err = jwsCodec(t, newKey).Open(oldRaw)
	jwsRefused(t, tok, err, session.ErrNoMatchingSecret)
	tok, err = jwsCodec(t, newKey).Open(kidless)
	jwsRefused(t, tok, err, session.ErrTampered)
	// The secret was copied: changing the caller's slice changes nothing.
	newSecret[0] ^= 1
	raw, err := jwsCodec(t, newKey).Encode(session.Claims{}, session.EncodeOptions{Now: jwsNow})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rotated.Open(raw); err != nil {
		t.Fatalf("key changed with the caller's slice: %v", err)
	}
}

// TestJWSKeylessSeveralKeys pins the decision for tokens without kid: each
// key whose alg is the token's is tried, in order.
func TestJWSKeylessSeveralKeys(t *testing.T) {
	m := jwsKeys()
	c := jwsCodec(t,
		jwsKey(t, "a", "", &m.ec.PublicKey),
		jwsKey(t, "h", "", m.hmac),
		jwsKey(t, "b", "", &m.ec2.PublicKey),
	)
	raw := jwsForge(t, "ES256", m.ec2, `{"alg":"ES256"}`, jwsPayload())
	tok, err := session.Decode(c, raw, jwsNow)
	if err != nil || tok.SecretIndex != 2 || tok.KeyID != "" {
		t.Fatalf("%v %v", tok, err)
	}
	raw = jwsForge(t, "HS256", m.hmac, `{"alg":"HS256"}`, jwsPayload())
	if tok, err = session.Decode(c, raw, jwsNow); err != nil || tok.SecretIndex != 1 {
		t.Fatalf("%v %v", tok, err)
	}
	// Signed by a key the codec does not have.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tok, err = c.Open(jwsForge(t, "ES256", other, `{"alg":"ES256"}`, jwsPayload()))
	jwsRefused(t, tok, err, session.ErrTampered)
	// An alg none of the keys has.
	tok, err = c.Open(jwsForge(t, "EdDSA", m.ed, `{"alg":"EdDSA"}`, jwsPayload()))
	jwsRefused(t, tok, err, session.ErrUnsupported)
}

// TestJWSRefuses is the REJECT catalogue for JWS (security catalogue §2c
// 42-46, 59-67 and §2d 85-87, 92).
func TestJWSRefuses(t *testing.T) {
	m := jwsKeys()
	ecKey := jwsKey(t, "k1", "", m.ec)
	es := jwsCodec(t, ecKey)
	rsaKey := jwsKey(t, "r1", "", &m.rsa.PublicKey)
	rs := jwsCodec(t, rsaKey)
	hs := jwsCodec(t, jwsKey(t, "h1", "", m.hmac))

	rsaPKIX, _ := x509.MarshalPKIXPublicKey(&m.rsa.PublicKey)
	rsaPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsaPKIX})
	rsaJWKS, _ := session.PublicJWKS([]session.Key{rsaKey})
	good := jwsForge(t, "ES256", m.ec, `{"alg":"ES256","kid":"k1","typ":"JWT"}`, jwsPayload())
	parts := strings.Split(good, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	asn1Sig, _ := ecdsa.SignASN1(rand.Reader, m.ec, make([]byte, 32))
	attacker, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	attackerJWKS, _ := session.PublicJWKS([]session.Key{jwsKey(t, "k1", "", &attacker.PublicKey)})
	var attackerJWK struct{ Keys []json.RawMessage }
	json.Unmarshal(attackerJWKS, &attackerJWK)
	es256 := func(header, payload string) string { return jwsForge(t, "ES256", m.ec, header, payload) }
	withSig := func(header, payload string, s []byte) string {
		return jwsB64(header) + "." + jwsB64(payload) + "." + base64.RawURLEncoding.EncodeToString(s)
	}
	h := `{"alg":"ES256","kid":"k1"}`

	cases := []struct {
		name   string
		codec  *session.JWS
		token  string
		reason []error
	}{
		// alg none (42, 92)
		{"none no signature", es, jwsForge(t, "", nil, `{"alg":"none"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"none with kid", es, jwsForge(t, "", nil, `{"alg":"none","kid":"k1"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"None", es, jwsForge(t, "", nil, `{"alg":"None"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"NONE", es, jwsForge(t, "", nil, `{"alg":"NONE"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"nOnE", es, jwsForge(t, "", nil, `{"alg":"nOnE"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"none with a signature", es, withSig(`{"alg":"none","kid":"k1"}`, jwsPayload(), sig), []error{session.ErrUnsupported}},
		{"none on an HMAC codec", hs, jwsForge(t, "", nil, `{"alg":"none"}`, jwsPayload()), []error{session.ErrUnsupported}},
		// algorithm confusion (43, 92): the RSA public key as an HMAC secret
		{"RSA PEM as HS256 secret", rs, jwsForge(t, "HS256", rsaPEM, `{"alg":"HS256"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"RSA PEM as HS256 secret, kid", rs, jwsForge(t, "HS256", rsaPEM, `{"alg":"HS256","kid":"r1"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"RSA DER as HS256 secret", rs, jwsForge(t, "HS256", rsaPKIX, `{"alg":"HS256","kid":"r1"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"RSA JWKS as HS512 secret", rs, jwsForge(t, "HS512", rsaJWKS, `{"alg":"HS512"}`, jwsPayload()), []error{session.ErrUnsupported}},
		// header alg not the key's alg (44, 92)
		{"EdDSA header on ES256 key", es, jwsForge(t, "EdDSA", m.ed, `{"alg":"EdDSA","kid":"k1"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"RS256 header on ES256 codec", es, jwsForge(t, "RS256", m.rsa, `{"alg":"RS256"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"ES384 not in allow-list", es, jwsForge(t, "ES384", m.p384, `{"alg":"ES384","kid":"k1"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"PS256 not in allow-list", rs, jwsForge(t, "PS256", m.rsa, `{"alg":"PS256","kid":"r1"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"unknown alg", es, withSig(`{"alg":"ES256K","kid":"k1"}`, jwsPayload(), sig), []error{session.ErrUnsupported}},
		{"alg case differs", es, withSig(`{"alg":"es256","kid":"k1"}`, jwsPayload(), sig), []error{session.ErrUnsupported}},
		// signatures (45, 46)
		{"other key same kid", es, jwsForge(t, "ES256", attacker, h, jwsPayload()), []error{session.ErrTampered}},
		{"r=s=0", es, withSig(h, jwsPayload(), make([]byte, 64)), []error{session.ErrTampered}},
		{"DER signature", es, withSig(h, jwsPayload(), asn1Sig), []error{session.ErrTampered}},
		{"short signature", es, withSig(h, jwsPayload(), sig[:63]), []error{session.ErrTampered}},
		{"long signature", es, withSig(h, jwsPayload(), append(sig[:64:64], 0)), []error{session.ErrTampered}},
		{"embedded jwk ignored", es, jwsForge(t, "ES256", attacker, `{"alg":"ES256","kid":"k1","jwk":`+string(attackerJWK.Keys[0])+`}`, jwsPayload()), []error{session.ErrTampered}},
		{"embedded jwk, no kid", es, jwsForge(t, "ES256", attacker, `{"alg":"ES256","jwk":`+string(attackerJWK.Keys[0])+`}`, jwsPayload()), []error{session.ErrTampered}},
		{"jku ignored", es, jwsForge(t, "ES256", attacker, `{"alg":"ES256","jku":"https://attacker.example/jwks"}`, jwsPayload()), []error{session.ErrTampered}},
		// kid (60)
		{"unknown kid", es, jwsForge(t, "ES256", m.ec, `{"alg":"ES256","kid":"k2"}`, jwsPayload()), []error{session.ErrNoMatchingSecret}},
		{"path kid", es, jwsForge(t, "ES256", m.ec, `{"alg":"ES256","kid":"../../etc/passwd"}`, jwsPayload()), []error{session.ErrNoMatchingSecret}},
		{"SQL kid", es, jwsForge(t, "ES256", m.ec, `{"alg":"ES256","kid":"' OR 1=1 --"}`, jwsPayload()), []error{session.ErrNoMatchingSecret}},
		{"10 KB kid", es, jwsForge(t, "ES256", m.ec, `{"alg":"ES256","kid":"`+strings.Repeat("k", 10<<10)+`"}`, jwsPayload()), []error{session.ErrNoMatchingSecret}},
		{"empty kid", es, jwsForge(t, "ES256", m.ec, `{"alg":"ES256","kid":""}`, jwsPayload()), []error{session.ErrNoMatchingSecret}},
		{"kid not a string", es, jwsForge(t, "ES256", m.ec, `{"alg":"ES256","kid":1}`, jwsPayload()), []error{session.ErrMalformed}},
		// header members (62, 63, 85)
		{"crit", es, es256(`{"alg":"ES256","kid":"k1","crit":["exp"],"exp":1}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"b64 false", es, es256(`{"alg":"ES256","kid":"k1","b64":false,"crit":["b64"]}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"b64 without crit", es, es256(`{"alg":"ES256","kid":"k1","b64":true}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"nested cty", es, es256(`{"alg":"ES256","kid":"k1","cty":"JWT"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"zip", es, es256(`{"alg":"ES256","kid":"k1","zip":"DEF"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"JWE header", es, es256(`{"alg":"ES256","kid":"k1","enc":"A256GCM"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"typ at+jwt", es, es256(`{"alg":"ES256","kid":"k1","typ":"at+jwt"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"typ logout+jwt", es, es256(`{"alg":"ES256","kid":"k1","typ":"logout+jwt"}`, jwsPayload()), []error{session.ErrUnsupported}},
		{"typ not a string", es, es256(`{"alg":"ES256","kid":"k1","typ":1}`, jwsPayload()), []error{session.ErrMalformed}},
		{"no alg", es, es256(`{"kid":"k1"}`, jwsPayload()), []error{session.ErrMalformed}},
		{"alg not a string", es, es256(`{"alg":["ES256"],"kid":"k1"}`, jwsPayload()), []error{session.ErrMalformed}},
		{"alg twice", es, es256(`{"alg":"ES256","alg":"none","kid":"k1"}`, jwsPayload()), []error{session.ErrMalformed}},
		{"alg twice, escaped", es, es256(`{"alg":"ES256","\u0061lg":"none","kid":"k1"}`, jwsPayload()), []error{session.ErrMalformed}},
		{"header not JSON", es, es256(`{"alg":"ES256"`, jwsPayload()), []error{session.ErrMalformed}},
		{"header an array", es, es256(`["ES256"]`, jwsPayload()), []error{session.ErrMalformed}},
		{"header invalid UTF-8", es, es256("{\"alg\":\"ES256\",\"kid\":\"k1\",\"x\":\"\xff\"}", jwsPayload()), []error{session.ErrMalformed}},
		{"header empty", es, "." + jwsB64(jwsPayload()) + "." + parts[2], []error{session.ErrMalformed}},
		// payload (85, 86): validly signed, still refused
		{"payload array", es, es256(h, `[{"exp":1900000000}]`), []error{session.ErrInvalidClaims}},
		{"payload string", es, es256(h, `"sub"`), []error{session.ErrInvalidClaims}},
		{"payload null", es, es256(h, `null`), []error{session.ErrInvalidClaims}},
		{"payload number", es, es256(h, `1900000000`), []error{session.ErrInvalidClaims}},
		{"payload nested JWS", es, es256(`{"alg":"ES256","kid":"k1"}`, good), []error{session.ErrInvalidClaims}},
		{"payload invalid UTF-8", es, es256(h, "{\"sub\":\"\xc3\x28\",\"exp\":1900000000}"), []error{session.ErrInvalidClaims}},
		{"payload duplicate sub", es, es256(h, `{"sub":"a","sub":"admin","exp":1900000000}`), []error{session.ErrInvalidClaims}},
		{"payload duplicate exp", es, es256(h, `{"exp":1,"exp":1900000000}`), []error{session.ErrInvalidClaims}},
		{"payload trailing data", es, es256(h, `{"exp":1900000000}{}`), []error{session.ErrInvalidClaims}},
		{"payload huge number", es, es256(h, `{"exp":1e309}`), []error{session.ErrInvalidClaims}},
		{"payload deep", es, es256(h, `{"a":`+strings.Repeat("[", 1000)+strings.Repeat("]", 1000)+`}`), []error{session.ErrInvalidClaims}},
		{"payload empty", es, jwsB64(h) + ".." + parts[2], []error{session.ErrMalformed}},
		// form (64, 66, 87)
		{"2 segments", es, parts[0] + "." + parts[1], []error{session.ErrMalformed}},
		{"4 segments", es, good + "." + parts[2], []error{session.ErrMalformed}},
		{"6 segments", es, good + ".." + parts[2] + ".", []error{session.ErrMalformed}},
		{"1 segment", es, parts[0], []error{session.ErrMalformed}},
		{"empty", es, "", []error{session.ErrMalformed}},
		{"dots", es, "..", []error{session.ErrMalformed}},
		{"no signature", es, parts[0] + "." + parts[1] + ".", []error{session.ErrMalformed}},
		{"truncated by one", es, good[:len(good)-1], []error{session.ErrMalformed, session.ErrTampered}},
		{"truncated by two", es, good[:len(good)-2], []error{session.ErrMalformed, session.ErrTampered}},
		{"truncated to half", es, good[:len(good)/2], []error{session.ErrMalformed, session.ErrTampered}},
		{"padding", es, good + "==", []error{session.ErrMalformed}},
		{"padded header", es, parts[0] + "=." + parts[1] + "." + parts[2], []error{session.ErrMalformed}},
		{"newline in signature", es, parts[0] + "." + parts[1] + "." + parts[2][:10] + "\n" + parts[2][10:], []error{session.ErrMalformed}},
		{"CRLF in payload", es, parts[0] + "." + parts[1][:8] + "\r\n" + parts[1][8:] + "." + parts[2], []error{session.ErrMalformed}},
		{"space in header", es, parts[0][:4] + " " + parts[0][4:] + "." + parts[1] + "." + parts[2], []error{session.ErrMalformed}},
		{"standard base64", es, parts[0] + "." + parts[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[2]) + "+/", []error{session.ErrMalformed}},
		{"JSON flattened", es, `{"protected":"` + parts[0] + `","payload":"` + parts[1] + `","signature":"` + parts[2] + `"}`, []error{session.ErrMalformed}},
		{"JSON general", es, `{"payload":"` + parts[1] + `","signatures":[{"protected":"` + parts[0] + `","signature":"` + parts[2] + `"}]}`, []error{session.ErrMalformed}},
		{"JWE compact", es, "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aaaa.bbbb.cccc", []error{session.ErrMalformed}},
		{"Bearer prefix", es, "Bearer " + good, []error{session.ErrMalformed}},
		// size (65, 88)
		{"oversized", es, good + strings.Repeat("A", session.DefaultMaxTokenSize), []error{session.ErrTooLarge}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := tc.codec.Open(tc.token)
			jwsRefused(t, tok, err, tc.reason...)
			t.Logf("%v", err)
			tok, err = session.Decode(tc.codec, tc.token, jwsNow)
			jwsRefused(t, tok, err, tc.reason...)
			if len(err.Error()) > 300 {
				t.Fatalf("error message of %d bytes: details must be bounded", len(err.Error()))
			}
		})
	}
	// The control: the untouched token opens.
	if _, err := session.Decode(es, good, jwsNow); err != nil {
		t.Fatal(err)
	}
	// A lower-case typ and another member order are fine: only the
	// signature decides whether the header is the signer's.
	for _, header := range []string{`{"typ":"jwt","kid":"k1","alg":"ES256"}`, `{"alg":"ES256"}`, `{"alg":"ES256","kid":"k1","x5u":"https://x.example"}`} {
		if _, err := session.Decode(es, es256(header, jwsPayload()), jwsNow); err != nil {
			t.Fatalf("%s: %v", header, err)
		}
	}
}

// TestJWSTimeClaims runs the time rules (catalogue 51-53, 80, 81) through
// Decode: Open itself never judges time.
func TestJWSTimeClaims(t *testing.T) {
	m := jwsKeys()
	c := jwsCodec(t, jwsKey(t, "k1", "", m.ed))
	now := jwsNow.Unix()
	cases := []struct {
		name       string
		payload    string
		reason     error // nil: accepted
		openRefuse bool  // refused by Open already (claims syntax), not only by Validate
	}{
		{"valid", fmt.Sprintf(`{"exp":%d}`, now+60), nil, false},
		{"missing exp", `{"sub":"1"}`, session.ErrMissingExp, false},
		{"missing exp, has iat", fmt.Sprintf(`{"iat":%d}`, now), session.ErrMissingExp, false},
		{"expired beyond leeway", fmt.Sprintf(`{"exp":%d}`, now-16), session.ErrExpired, false},
		{"expired long ago", `{"exp":1}`, session.ErrExpired, false},
		{"expired within leeway", fmt.Sprintf(`{"exp":%d}`, now-10), nil, false},
		{"expired one second inside the leeway", fmt.Sprintf(`{"exp":%d}`, now-14), nil, false},
		{"expired at the leeway (jose: exp <= now - 15 is expired)", fmt.Sprintf(`{"exp":%d}`, now-15), session.ErrExpired, false},
		{"iat in the future", fmt.Sprintf(`{"exp":%d,"iat":%d}`, now+600, now+16), session.ErrNotYetValid, false},
		{"iat within leeway", fmt.Sprintf(`{"exp":%d,"iat":%d}`, now+600, now+10), nil, false},
		{"nbf in the future", fmt.Sprintf(`{"exp":%d,"nbf":%d}`, now+600, now+16), session.ErrNotYetValid, false},
		{"nbf within leeway", fmt.Sprintf(`{"exp":%d,"nbf":%d}`, now+600, now+15), nil, false},
		{"exp a string", fmt.Sprintf(`{"exp":"%d"}`, now+60), session.ErrInvalidClaims, false},
		{"exp negative", `{"exp":-1}`, session.ErrInvalidClaims, false},
		{"exp null", `{"exp":null}`, session.ErrInvalidClaims, false},
		{"exp overflows", `{"exp":1e309}`, session.ErrInvalidClaims, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := jwsForge(t, "EdDSA", m.ed, `{"alg":"EdDSA","kid":"k1","typ":"JWT"}`, tc.payload)
			tok, err := session.Decode(c, raw, jwsNow)
			if tc.reason == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			jwsRefused(t, tok, err, tc.reason)
			tok, err = c.Open(raw)
			if tc.openRefuse {
				jwsRefused(t, tok, err, tc.reason)
			} else if err != nil || tok == nil {
				t.Fatalf("Open judged time claims: %v", err)
			}
		})
	}
	// Encode's own tokens carry iat and exp, and expire after MaxAge.
	raw, err := c.Encode(session.Claims{}, session.EncodeOptions{Now: jwsNow, MaxAge: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := session.Decode(c, raw, jwsNow.Add(time.Minute+14*time.Second)); err != nil {
		t.Fatalf("within leeway: %v", err)
	}
	tok, err := session.Decode(c, raw, jwsNow.Add(time.Minute+15*time.Second))
	jwsRefused(t, tok, err, session.ErrExpired)
	raw, err = c.Encode(session.Claims{}, session.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := session.Decode(c, raw, time.Now()); err != nil || tok.Claims["jti"] == "" {
		t.Fatalf("default options: %v", err)
	}
}

// flipBit returns seg (base64url) with one bit of its decoded byte i
// flipped, re-encoded, so the token stays well-formed.
func jwsFlipBit(seg string, i int, bit uint) string {
	b, _ := base64.RawURLEncoding.DecodeString(seg)
	b[i] ^= 1 << bit
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestJWSTampered(t *testing.T) {
	for _, tc := range jwsAlgCases() {
		t.Run(tc.alg, func(t *testing.T) {
			c := jwsCodec(t, jwsKey(t, "k1", tc.alg, tc.private))
			raw, err := c.Encode(session.Claims{"sub": "user-1", "role": "user"}, session.EncodeOptions{Now: jwsNow})
			if err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(raw, ".")
			for seg := 0; seg < 3; seg++ {
				n := base64.RawURLEncoding.DecodedLen(len(parts[seg]))
				for _, i := range []int{0, n / 2, n - 1} {
					for _, bit := range []uint{0, 5, 7} {
						p := append([]string(nil), parts...)
						p[seg] = jwsFlipBit(p[seg], i, bit)
						tok, err := c.Open(strings.Join(p, "."))
						if seg == 0 {
							// A changed header may no longer parse, or name
							// another alg or kid; it is refused either way.
							jwsRefused(t, tok, err, session.ErrMalformed, session.ErrUnsupported, session.ErrNoMatchingSecret, session.ErrTampered)
						} else {
							jwsRefused(t, tok, err, session.ErrTampered)
						}
					}
				}
			}
			// A header change that keeps its meaning (typ "JWT" to "jWT")
			// still breaks the signature.
			hdr := strings.Replace(`{"alg":"`+tc.alg+`","kid":"k1","typ":"JWT"}`, `"JWT"`, `"jWT"`, 1)
			tok, err := c.Open(jwsB64(hdr) + "." + parts[1] + "." + parts[2])
			jwsRefused(t, tok, err, session.ErrTampered)
		})
	}
}

// TestJWSEveryCharacterChange replaces each character of a token with
// every other one: no variant may open.
func TestJWSEveryCharacterChange(t *testing.T) {
	m := jwsKeys()
	c := jwsCodec(t, jwsKey(t, "k", "HS256", m.hmac))
	raw, err := c.Encode(session.Claims{"sub": "1"}, session.EncodeOptions{Now: jwsNow, JTI: "j"})
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \n"
	b := []byte(raw)
	for i := range b {
		orig := b[i]
		for j := 0; j < len(alphabet); j++ {
			if alphabet[j] == orig {
				continue
			}
			b[i] = alphabet[j]
			if tok, err := c.Open(string(b)); err == nil || tok != nil {
				t.Fatalf("character %d changed to %q: accepted", i, alphabet[j])
			}
		}
		b[i] = orig
	}
}

func TestJWSOversizedBeforeCrypto(t *testing.T) {
	m := jwsKeys()
	c := jwsCodec(t, jwsKey(t, "r", "", m.rsa))
	raw, err := c.Encode(session.Claims{"sub": "1"}, session.EncodeOptions{Now: jwsNow})
	if err != nil {
		t.Fatal(err)
	}
	// A well-formed, validly signed token over the limit.
	bigRaw, err := c.Encode(session.Claims{"pad": strings.Repeat("x", 20<<10)}, session.EncodeOptions{})
	if err == nil {
		t.Fatalf("Encode wrote a token of %d bytes, over the limit", len(bigRaw))
	}
	c.SetMaxSize(1 << 20)
	if bigRaw, err = c.Encode(session.Claims{"pad": strings.Repeat("x", 20<<10)}, session.EncodeOptions{Now: jwsNow}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Open(bigRaw); err != nil {
		t.Fatalf("with a raised limit: %v", err)
	}
	c.SetMaxSize(session.DefaultMaxTokenSize)
	tok, err := c.Open(bigRaw)
	jwsRefused(t, tok, err, session.ErrTooLarge)

	huge := raw + strings.Repeat("A", 10<<20)
	tok, err = c.Open(huge)
	jwsRefused(t, tok, err, session.ErrTooLarge)
	if allocs := testing.AllocsPerRun(20, func() { c.Open(huge) }); allocs > 8 {
		t.Fatalf("refusing a 10 MB token allocated %v times", allocs)
	}
	// Nothing of the token was decoded: the bytes allocated are a small
	// constant, not a share of its 10 MB.
	if n := jwsBytesAllocated(func() { c.Open(huge) }); n > 1024 {
		t.Fatalf("refusing a 10 MB token allocated %d bytes", n)
	}

	c.SetMaxSize(64)
	tok, err = c.Open(raw)
	jwsRefused(t, tok, err, session.ErrTooLarge)
}

// TestJWSDotsLinear: 1 MB of dots, or of one long segment, is refused
// without work or memory proportional to it (catalogue 64).
func TestJWSDotsLinear(t *testing.T) {
	m := jwsKeys()
	c := jwsCodec(t, jwsKey(t, "e", "", m.ec))
	c.SetMaxSize(4 << 20)
	for name, in := range map[string]string{
		"dots":           strings.Repeat(".", 1<<20),
		"two dots first": ".." + strings.Repeat(".", 1<<20),
		"long segment":   strings.Repeat("a", 1<<20),
	} {
		tok, err := c.Open(in)
		jwsRefused(t, tok, err, session.ErrMalformed)
		const runs = 20
		if n := jwsBytesAllocated(func() {
			for range runs {
				c.Open(in)
			}
		}) / runs; n > 64<<10 {
			t.Fatalf("%s: %d bytes allocated per refusal of a 1 MiB input", name, n)
		}
	}
}

// jwsBytesAllocated is the process's allocation during f: an upper bound,
// since other goroutines (the race detector's, the runtime's) count too.
func jwsBytesAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestNewJWSRefusesBadKeys(t *testing.T) {
	m := jwsKeys()
	if _, err := session.NewJWS(nil); err == nil || !strings.HasPrefix(err.Error(), "authkit: cannot make the JWS session codec") {
		t.Fatalf("no keys: %v", err)
	}
	if _, err := session.NewJWS([]session.Key{{ID: "x", Alg: "HS256"}}); err == nil {
		t.Fatal("a zero Key was accepted")
	}
	// Changing the exported Alg of an RSA key to HS256 cannot make an
	// HMAC key of its public key.
	k := jwsKey(t, "r", "", &m.rsa.PublicKey)
	k.Alg = "HS256"
	if _, err := session.NewJWS([]session.Key{k}); err == nil || !strings.Contains(err.Error(), "algorithm confusion") {
		t.Fatalf("RSA key relabelled HS256: %v", err)
	}
	k.Alg = "none"
	if _, err := session.NewJWS([]session.Key{k}); err == nil {
		t.Fatal("alg none accepted")
	}
}

func benchmarkJWSVerify(b *testing.B, alg string, material any) {
	c := jwsCodec(b, jwsKey(b, "", alg, material))
	raw, err := c.Encode(session.Claims{"sub": "user-1", "email": "ann@example.com", "name": "Ann"}, session.EncodeOptions{Now: jwsNow})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := session.Decode(c, raw, jwsNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJWSVerifyES256(b *testing.B) { benchmarkJWSVerify(b, "ES256", jwsKeys().ec) }
func BenchmarkJWSVerifyHS256(b *testing.B) { benchmarkJWSVerify(b, "HS256", jwsKeys().hmac) }
func BenchmarkJWSVerifyEdDSA(b *testing.B) { benchmarkJWSVerify(b, "EdDSA", jwsKeys().ed) }
func BenchmarkJWSVerifyRS256(b *testing.B) { benchmarkJWSVerify(b, "RS256", jwsKeys().rsa) }

func BenchmarkJWSSignES256(b *testing.B) {
	c := jwsCodec(b, jwsKey(b, "", "ES256", jwsKeys().ec))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode(session.Claims{"sub": "user-1"}, session.EncodeOptions{Now: jwsNow}); err != nil {
			b.Fatal(err)
		}
	}
}
