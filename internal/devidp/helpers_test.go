package devidp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/golang-jwt/jwt/v5"
)

// noRedirect is an HTTP client that shows redirects instead of following
// them.
var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

// pkce returns a fresh verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	b := make([]byte, 32)
	rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// flow is one sign-in as a client runs it.
type flow struct {
	t        *testing.T
	s        *devidp.Server
	clientID string
	secret   string
	redirect string
	state    string
	nonce    string
	verifier string
	scope    string
	extra    url.Values
}

func newFlow(t *testing.T, s *devidp.Server) *flow {
	v, _ := pkce()
	scope := "openid profile email"
	switch s.Shape() {
	case devidp.ShapeGitHub:
		scope = "read:user user:email"
	case devidp.ShapeDiscord:
		scope = "identify email"
	}
	return &flow{t: t, s: s, clientID: "app", secret: "app-secret", redirect: "http://127.0.0.1:3000/auth/callback/dev",
		state: "state-" + randomString(), nonce: "nonce-" + randomString(), verifier: v, scope: scope}
}

func randomString() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// authorizeURL is the authorization request.
func (f *flow) authorizeURL() string {
	q := url.Values{"response_type": {"code"}, "client_id": {f.clientID}, "redirect_uri": {f.redirect},
		"scope": {f.scope}, "state": {f.state}}
	if f.nonce != "" {
		q.Set("nonce", f.nonce)
	}
	if f.verifier != "" {
		sum := sha256.Sum256([]byte(f.verifier))
		q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
		q.Set("code_challenge_method", "S256")
	}
	for k, v := range f.extra {
		q[k] = v
	}
	return f.s.Endpoints().Authorization + "?" + q.Encode()
}

// authorize sends the authorization request and returns the callback's
// query; it fails the test unless the answer is a redirect to the client.
func (f *flow) authorize() url.Values {
	f.t.Helper()
	resp, err := noRedirect.Get(f.authorizeURL())
	if err != nil {
		f.t.Fatal(err)
	}
	return callbackOf(f.t, resp, f.redirect)
}

// callbackOf checks that resp redirects to redirect and returns the
// redirect's query.
func callbackOf(t *testing.T, resp *http.Response, redirect string) url.Values {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d, want 302; body:\n%s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirect {
		t.Fatalf("redirected to %s, want %s", got, redirect)
	}
	return loc.Query()
}

// code runs the authorization request and returns the code.
func (f *flow) code() string {
	f.t.Helper()
	q := f.authorize()
	if q.Get("code") == "" {
		f.t.Fatalf("no code in the callback: %v", q)
	}
	return q.Get("code")
}

// exchange redeems code with client_secret_basic and returns the status
// and the JSON body.
func (f *flow) exchange(code string) (int, map[string]any) {
	f.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {f.redirect}}
	if f.verifier != "" {
		form.Set("code_verifier", f.verifier)
	}
	return postToken(f.t, f.s, form, f.clientID, f.secret)
}

// postToken posts form to the token endpoint, with HTTP Basic when id is
// not empty, asking for JSON.
func postToken(t *testing.T, s *devidp.Server, form url.Values, id, secret string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.Endpoints().Token, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("token response is not JSON: %v", err)
	}
	return resp.StatusCode, body
}

// tokens runs a whole flow and returns the token response.
func (f *flow) tokens() map[string]any {
	f.t.Helper()
	status, body := f.exchange(f.code())
	if status != http.StatusOK {
		f.t.Fatalf("token: status %d: %v", status, body)
	}
	return body
}

// getJSON GETs url with a bearer token (when given) and decodes the JSON.
func getJSON(t *testing.T, u, auth string, into any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if into != nil {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatalf("GET %s: not JSON: %v", u, err)
		}
	}
	return resp.StatusCode
}

// jwksKeys fetches the provider's JWKS and returns its public keys by kid.
func jwksKeys(t *testing.T, s *devidp.Server) map[string]any {
	t.Helper()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if code := getJSON(t, s.Endpoints().JWKS, "", &set); code != http.StatusOK {
		t.Fatalf("jwks: status %d", code)
	}
	keys := map[string]any{}
	num := func(s string) *big.Int {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("jwks: %v", err)
		}
		return new(big.Int).SetBytes(b)
	}
	for _, k := range set.Keys {
		switch k["kty"] {
		case "RSA":
			keys[k["kid"]] = &rsa.PublicKey{N: num(k["n"]), E: int(num(k["e"]).Int64())}
		case "EC":
			keys[k["kid"]] = &ecdsa.PublicKey{Curve: elliptic.P256(), X: num(k["x"]), Y: num(k["y"])}
		default:
			t.Fatalf("jwks: unexpected key %v", k)
		}
	}
	return keys
}

// verifyIDToken verifies raw the way a strict client does: a key from
// the JWKS by kid, RS256 or ES256 only, exact iss and aud, exp and iat
// required and checked; then the nonce.
func verifyIDToken(t *testing.T, s *devidp.Server, raw, clientID, nonce string) (jwt.MapClaims, error) {
	t.Helper()
	keys := jwksKeys(t, s)
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		if k, ok := keys[kid]; ok {
			return k, nil
		}
		return nil, fmt.Errorf("unknown kid %q", kid)
	}, jwt.WithValidMethods([]string{"RS256", "ES256"}), jwt.WithIssuer(s.Issuer()), jwt.WithAudience(clientID),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		return claims, err
	}
	if got, _ := claims["nonce"].(string); got != nonce {
		return claims, fmt.Errorf("nonce %q, want %q", got, nonce)
	}
	return claims, nil
}

// unverifiedClaims decodes a JWT's header and claims without checking.
func unverifiedClaims(t *testing.T, raw string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", raw)
	}
	for i, into := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// start starts a provider for the test.
func start(t *testing.T, opts devidp.Options) *devidp.Server {
	t.Helper()
	return devidp.StartTest(t, opts)
}
