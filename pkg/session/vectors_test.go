package session_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/session"
)

// The golden vectors in testdata/session/vectors.json were minted by the
// real @auth/core and next-auth (interop/gen-session-vectors.sh); each
// records what the real library's decode returns for its token. This test
// needs no Node: it holds the Go decoder to those recorded answers.

type vectorFile struct {
	Generator string            `json:"generator"`
	Libraries map[string]string `json:"libraries"`
	Vectors   []vector          `json:"vectors"`
}

type vector struct {
	Name       string          `json:"name"`
	Version    int             `json:"version"`
	Token      string          `json:"token"`
	Secret     json.RawMessage `json:"secret"`
	Salt       string          `json:"salt"`
	MintSalt   *string         `json:"mintSalt"`
	Expected   expectation     `json:"expected"`
	MintedAt   int64           `json:"mintedAt"`
	Note       string          `json:"note"`
	CookieName string          `json:"cookieName"`
	Cookies    []string        `json:"cookies"`
}

type expectation struct {
	Claims               map[string]any `json:"claims"`
	Error                string         `json:"error"`
	Code                 string         `json:"code"`
	ClaimsIfIgnoringTime map[string]any `json:"claimsIfIgnoringTime"`
	ClaimsUnderMintSalt  map[string]any `json:"claimsUnderMintSalt"`
	SecretIndex          *int           `json:"secretIndex"`
}

func (v *vector) secrets(t *testing.T) []string {
	t.Helper()
	var one string
	if err := json.Unmarshal(v.Secret, &one); err == nil {
		return []string{one}
	}
	var list []string
	if err := json.Unmarshal(v.Secret, &list); err != nil || len(list) == 0 {
		t.Fatalf("vector %s: secret is neither a string nor a list of strings: %s", v.Name, v.Secret)
	}
	return list
}

func loadVectors(t *testing.T) vectorFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "session", "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var f vectorFile
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("testdata/session/vectors.json: %v", err)
	}
	return f
}

func codecFor(t *testing.T, version int, secrets []string, salt string) *session.JWE {
	t.Helper()
	var c *session.JWE
	var err error
	switch version {
	case 5:
		c, err = session.NewAuthJS(secrets, salt)
	case 4:
		c, err = session.NewAuthJSv4(secrets)
	default:
		t.Fatalf("version %d", version)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// reasonFor maps the error the real library threw to the sentinel the Go
// decoder must give for the same token.
func reasonFor(e expectation) error {
	switch {
	case e.Error == "no matching decryption secret":
		// @auth/core's kid resolver found no secret whose key has the kid:
		// another secret, or another salt.
		return session.ErrNoMatchingSecret
	case e.Code == "ERR_JWT_EXPIRED":
		return session.ErrExpired
	case e.Code == "ERR_JWE_DECRYPTION_FAILED":
		// jose: the tag does not verify (changed, or another key without kid).
		return session.ErrTampered
	case e.Code == "ERR_JWT_CLAIM_VALIDATION_FAILED" && strings.Contains(e.Error, `"nbf"`):
		return session.ErrNotYetValid
	case e.Code == "ERR_JWE_INVALID" || e.Code == "ERR_JWT_INVALID":
		return session.ErrMalformed
	case e.Code == "ERR_JOSE_ALG_NOT_ALLOWED" || e.Code == "ERR_JOSE_NOT_SUPPORTED":
		return session.ErrUnsupported
	}
	return nil
}

// The vectors the file must keep, so that regenerating it cannot drop
// coverage silently.
var requiredVectors = []string{
	"v5-plain", "v5-unicode", "v5-nested-numbers", "v5-large-chunked", "v5-rotated",
	"v5-secret-removed", "v5-secure-salt", "v5-wrong-salt-secure", "v5-expired",
	"v5-oauth-state-cookie", "v5-pkce-cookie", "v5-a256gcm-kid", "v5-a256gcm-no-kid",
	"v5-cbc-no-kid", "v5-cbc-no-kid-rotated", "v5-tampered-ciphertext",
	"v4-plain", "v4-unicode", "v4-expired", "v4-wrong-secret", "v4-large-chunked",
}

func TestAuthJSVectors(t *testing.T) {
	f := loadVectors(t)
	if f.Libraries["@auth/core"] == "" || f.Libraries["next-auth"] == "" {
		t.Errorf("vectors.json does not say which library versions minted it: %v", f.Libraries)
	}
	have := map[string]bool{}
	for _, v := range f.Vectors {
		if have[v.Name] {
			t.Errorf("vector %s appears twice", v.Name)
		}
		have[v.Name] = true
	}
	for _, name := range requiredVectors {
		if !have[name] {
			t.Errorf("vectors.json has no vector %s", name)
		}
	}
	now := time.Now()
	for _, v := range f.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			secrets := v.secrets(t)
			c := codecFor(t, v.Version, secrets, v.Salt)
			tok, err := session.Decode(c, v.Token, now)
			if v.Expected.Claims != nil {
				checkAccepted(t, v, secrets, tok, err)
			} else {
				checkRefused(t, v, c, tok, err)
			}
			if v.MintSalt != nil {
				checkUnderMintSalt(t, v, secrets)
			}
			if v.Cookies != nil {
				checkCookies(t, v)
			}
		})
	}
}

func checkAccepted(t *testing.T, v vector, secrets []string, tok *session.Token, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("Auth.js decodes %s, Go refuses it: %v", v.Name, err)
	}
	if d := claimsDiff(v.Expected.Claims, tok.Claims); d != "" {
		t.Errorf("claims differ from what Auth.js decodes: %s", d)
	}
	want := session.FormatAuthJS
	if v.Version == 4 {
		want = session.FormatAuthJSv4
	}
	if tok.Format != want {
		t.Errorf("Format = %q, want %q", tok.Format, want)
	}
	if v.Expected.SecretIndex != nil && tok.SecretIndex != *v.Expected.SecretIndex {
		t.Errorf("SecretIndex = %d, want %d (only secret %d of %d opens it in Auth.js)", tok.SecretIndex, *v.Expected.SecretIndex, *v.Expected.SecretIndex, len(secrets))
	}
	if tok.SecretIndex < 0 || tok.SecretIndex >= len(secrets) {
		t.Fatalf("SecretIndex = %d, out of range", tok.SecretIndex)
	}
	// The kid Auth.js wrote is the kid Go derives for the same secret and
	// salt (A256CBC-HS512: the SHA-512 thumbprint of the 64-byte key).
	if v.Version == 5 && tok.Enc == "A256CBC-HS512" && tok.KeyID != "" {
		one := codecFor(t, 5, secrets[tok.SecretIndex:tok.SecretIndex+1], v.Salt)
		if one.KeyID() != tok.KeyID {
			t.Errorf("Go derives kid %s for the secret that opened the token, Auth.js wrote %s", one.KeyID(), tok.KeyID)
		}
	}
	var payload any
	dec := json.NewDecoder(bytes.NewReader(tok.Payload))
	dec.UseNumber()
	if err := dec.Decode(&payload); err != nil {
		t.Errorf("Payload is not JSON: %v", err)
	} else if d := claimsDiff(v.Expected.Claims, payload.(map[string]any)); d != "" {
		t.Errorf("Payload differs from the claims: %s", d)
	}
	if tok.Size != len(v.Token) {
		t.Errorf("Size = %d, want %d", tok.Size, len(v.Token))
	}
}

func checkRefused(t *testing.T, v vector, c *session.JWE, tok *session.Token, err error) {
	t.Helper()
	reason := reasonFor(v.Expected)
	if reason == nil {
		t.Fatalf("the test does not know which Go error matches Auth.js's %q (code %q): add it to reasonFor", v.Expected.Error, v.Expected.Code)
	}
	if err == nil {
		t.Fatalf("Auth.js refuses %s (%s), Go accepts it with claims %v", v.Name, v.Expected.Error, tok.Claims)
	}
	if tok != nil {
		t.Errorf("Decode returned a token with its error")
	}
	if !errors.Is(err, session.ErrInvalidToken) || !errors.Is(err, reason) {
		t.Errorf("Auth.js: %q (%s); Go: %v; want an error matching ErrInvalidToken and %q", v.Expected.Error, v.Expected.Code, err, reason)
	}
	if v.Expected.ClaimsIfIgnoringTime != nil {
		opened, err := c.Open(v.Token)
		if err != nil {
			t.Fatalf("Open (no time checks) refuses a token Auth.js decrypts: %v", err)
		}
		if d := claimsDiff(v.Expected.ClaimsIfIgnoringTime, opened.Claims); d != "" {
			t.Errorf("claims ignoring time differ from Auth.js's: %s", d)
		}
		// While it was valid, Decode took it.
		iat, ok := opened.IssuedAt()
		if !ok {
			t.Fatalf("no iat in %v", opened.Claims)
		}
		if _, err := session.Decode(c, v.Token, iat.Add(24*time.Hour)); err != nil {
			t.Errorf("Decode a day after iat: %v", err)
		}
	}
}

func checkUnderMintSalt(t *testing.T, v vector, secrets []string) {
	t.Helper()
	if v.Expected.ClaimsUnderMintSalt == nil {
		t.Fatalf("vector %s has mintSalt but no expected.claimsUnderMintSalt", v.Name)
	}
	c := codecFor(t, v.Version, secrets, *v.MintSalt)
	tok, err := c.Open(v.Token)
	if err != nil {
		t.Fatalf("under its own salt %q, Auth.js decodes the token but Go refuses it: %v", *v.MintSalt, err)
	}
	if d := claimsDiff(v.Expected.ClaimsUnderMintSalt, tok.Claims); d != "" {
		t.Errorf("claims under salt %q differ: %s", *v.MintSalt, d)
	}
}

func checkCookies(t *testing.T, v vector) {
	t.Helper()
	if v.CookieName == "" {
		t.Fatalf("vector %s has cookies but no cookieName", v.Name)
	}
	var parsed []*http.Cookie
	for _, line := range v.Cookies {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %.60q...: %v", line, err)
		}
		parsed = append(parsed, c)
	}
	size := session.ChunkSizeV5
	if v.Version == 4 {
		size = session.ChunkSizeV4
	}
	if len(v.Token) > size && len(parsed) < 2 {
		t.Fatalf("a %d-char token in %d cookie(s): not chunked", len(v.Token), len(parsed))
	}
	// Go's reader joins what Auth.js wrote.
	got, err := session.ReadChunked(parsed, v.CookieName, 0)
	if err != nil {
		t.Fatalf("ReadChunked on Auth.js's Set-Cookie cookies: %v", err)
	}
	if got != v.Token {
		t.Errorf("ReadChunked joined %d chars, want the %d-char token", len(got), len(v.Token))
	}
	// ... also when the browser sends them back in one Cookie header, in
	// another order.
	pairs := make([]string, len(parsed))
	for i, c := range parsed {
		pairs[len(parsed)-1-i] = c.Name + "=" + c.Value
	}
	fromHeader, err := session.ParseCookieHeader(strings.Join(pairs, "; "))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := session.ReadChunked(fromHeader, v.CookieName, 0); err != nil || got != v.Token {
		t.Errorf("ReadChunked on the Cookie header: %d chars, %v; want the token", len(got), err)
	}
	// Go writes the same Set-Cookie lines for the same token.
	opts := session.CookieOptions{Expires: parsed[0].Expires}
	mine := session.SessionCookies(v.CookieName, v.Token, size, opts, nil)
	if len(mine) != len(v.Cookies) {
		t.Fatalf("Go writes %d cookies, Auth.js %d", len(mine), len(v.Cookies))
	}
	for i, c := range mine {
		if got := c.String(); got != v.Cookies[i] {
			t.Errorf("Set-Cookie %d:\n Go:      %s\n Auth.js: %s", i, abbreviate(got), abbreviate(v.Cookies[i]))
		}
	}
}

func abbreviate(line string) string {
	name, rest, _ := strings.Cut(line, "=")
	value, attrs, _ := strings.Cut(rest, ";")
	if len(value) > 24 {
		value = fmt.Sprintf("%s...%s(%d chars)", value[:10], value[len(value)-10:], len(value))
	}
	return name + "=" + value + ";" + attrs
}

// claimsDiff compares two decoded JSON values and describes the first
// difference ("" when equal). Numbers are json.Number and compare by their
// decimal text, so a digit lost on either side shows.
func claimsDiff(want, got map[string]any) string {
	return jsonDiff("$", want, got)
}

func jsonDiff(at string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := asObject(got)
		if !ok {
			return fmt.Sprintf("%s: want an object, got %T %v", at, got, got)
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			wv, inW := w[k]
			gv, inG := g[k]
			switch {
			case !inW:
				return fmt.Sprintf("%s.%q: unexpected member %v", at, k, gv)
			case !inG:
				return fmt.Sprintf("%s.%q: missing (want %v)", at, k, wv)
			}
			if d := jsonDiff(fmt.Sprintf("%s.%q", at, k), wv, gv); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s: want an array, got %T %v", at, got, got)
		}
		if len(g) != len(w) {
			return fmt.Sprintf("%s: want %d elements, got %d", at, len(w), len(g))
		}
		for i := range w {
			if d := jsonDiff(fmt.Sprintf("%s[%d]", at, i), w[i], g[i]); d != "" {
				return d
			}
		}
		return ""
	case json.Number:
		g, ok := got.(json.Number)
		if !ok || g.String() != w.String() {
			return fmt.Sprintf("%s: want number %s, got %T %v", at, w, got, got)
		}
		return ""
	case string, bool, nil:
		if got != want {
			return fmt.Sprintf("%s: want %T %q, got %T %q", at, want, fmt.Sprint(want), got, fmt.Sprint(got))
		}
		return ""
	}
	return fmt.Sprintf("%s: unexpected type %T in the expectation", at, want)
}

func asObject(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case session.Claims:
		return m, true
	}
	return nil, false
}
