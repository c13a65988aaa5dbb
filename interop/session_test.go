package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/clitest"
	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/session"
)

// The live session check: interop/session.mjs drives the real @auth/core
// 0.41.3 and next-auth 4.24.15 (encode, decode, SessionStore, getToken),
// and pkg/session must read what they write and write what they read.

// Test-only secrets.
const (
	secretV5    = "authkit-interop-test-secret-v5"
	secretOld   = "authkit-interop-test-secret-old"
	secretNew   = "authkit-interop-test-secret-new"
	secretV4    = "authkit-interop-test-secret-v4"
	saltPlain   = "authjs.session-token"
	saltSecure  = "__Secure-authjs.session-token"
	v4Cookie    = "next-auth.session-token"
	oneHour     = 3600
	fiftyYears  = 50 * 365 * 24 * 3600
	nodeTimeout = 2 * time.Minute
)

// The claims sets both sides encode. They are JSON text, so that node and
// Go start from the same bytes.
var claimSets = []struct {
	name, json string
}{
	{"plain", `{"name":"Alice Example","email":"alice@example.com","picture":"https://example.com/a.png","sub":"3c1b2a90-7d4e-4f3a-8b6c-5e2d1f0a9b87"}`},
	{"unicode", `{"sub":"ünï","name":"Zoë 👩🏽‍💻 𝔘𝔫𝔦","rtl":"مرحبا بالعالم","hebrew":"שָׁלוֹם","combining":"e\u0301 n\u0303 a\u030a",` +
		`"nonBMP":"𠜎𠜱😀","family":"👨‍👩‍👧‍👦","escapes":"\" \\ / \t \n \u2028 \u2029 \u0000 \u001f","ключ":"значение","emoji🔑":"💡","":"empty key"}`},
	{"nested", `{"sub":"42","user":{"id":42,"roles":["admin","editor"],"prefs":{"flags":[true,false,null],"ratio":0.75}},` +
		`"big":12345678901234567890,"maxSafe":9007199254740991,"neg":-42,"zero":0,"pi":3.141592653589793,"tenth":0.1,` +
		`"tiny":1e-7,"huge":1.5e300,"exp21":1e21,"mixed":[1,2.5,"three",[4,[5]],{"six":6},null],"emptyObject":{},"emptyArray":[],"nothing":null}`},
	{"large", largeClaimsJSON(190)},
}

func largeClaimsJSON(n int) string {
	groups := make([]string, n)
	for i := range groups {
		groups[i] = fmt.Sprintf("%q", fmt.Sprintf("group-%04d-engineering-platform", i))
	}
	return `{"sub":"u-large","email":"large@example.com","groups":[` + strings.Join(groups, ",") + `]}`
}

// ---- node ---------------------------------------------------------------

type nodeSession struct{ node string }

func sessionJS(t *testing.T) nodeSession {
	t.Helper()
	node := testenv.Command(t, "node")
	for _, p := range []string{"@auth/core", "next-auth"} {
		if _, err := os.Stat(filepath.Join("node_modules", p)); err != nil {
			testenv.Missing(t, "interop/node_modules/"+p+" is missing (run `npm ci` in interop/)")
		}
	}
	return nodeSession{node}
}

// batch runs requests ({"cmd": ..., fields}) through one node process and
// returns each answer, numbers as json.Number. An answer with "error" is a
// failure of that request.
func (n nodeSession) batch(t *testing.T, reqs []map[string]any) []map[string]any {
	t.Helper()
	in, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), nodeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, n.node, "session.mjs", "batch")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node session.mjs batch: %v\n%s\n%s", err, out, stderr.String())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	var res []map[string]any
	if err := dec.Decode(&res); err != nil || len(res) != len(reqs) {
		t.Fatalf("session.mjs batch printed %d answers for %d requests (%v):\n%s", len(res), len(reqs), err, out)
	}
	return res
}

func (n nodeSession) one(t *testing.T, req map[string]any) map[string]any {
	t.Helper()
	return n.batch(t, []map[string]any{req})[0]
}

func mustOK(t *testing.T, what string, res map[string]any) map[string]any {
	t.Helper()
	if e, ok := res["error"]; ok {
		t.Fatalf("%s: Auth.js says %v (%v)", what, e, res["code"])
	}
	return res
}

func claimsOf(t *testing.T, what string, res map[string]any) map[string]any {
	t.Helper()
	mustOK(t, what, res)
	c, ok := res["claims"].(map[string]any)
	if !ok {
		t.Fatalf("%s: Auth.js returned no claims: %v", what, res)
	}
	return c
}

// ---- Go -----------------------------------------------------------------

func parseClaims(t *testing.T, s string) session.Claims {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var c session.Claims
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("claims %.40s: %v", s, err)
	}
	return c
}

func v5Codec(t *testing.T, secrets []string, salt string) *session.JWE {
	t.Helper()
	c, err := session.NewAuthJS(secrets, salt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func v4Codec(t *testing.T, secrets []string) *session.JWE {
	t.Helper()
	c, err := session.NewAuthJSv4(secrets)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func goEncode(t *testing.T, c *session.JWE, claims string, maxAge time.Duration) string {
	t.Helper()
	tok, err := c.Encode(parseClaims(t, claims), session.EncodeOptions{MaxAge: maxAge})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// ---- comparison ---------------------------------------------------------

// jsonDiff describes the first difference between two decoded JSON values
// ("" when equal). Numbers are json.Number. Strictly they compare by their
// decimal text; with jsNumbers, as JavaScript's JSON.parse reads them
// (float64), for a token Go wrote and Auth.js read: Go keeps every digit of
// 12345678901234567890, JavaScript reads the nearest double.
func jsonDiff(at string, want, got any, jsNumbers bool) string {
	switch w := want.(type) {
	case map[string]any:
		var g map[string]any
		switch x := got.(type) {
		case map[string]any:
			g = x
		case session.Claims:
			g = x
		default:
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
			if !inW {
				return fmt.Sprintf("%s.%q: unexpected member %v", at, k, gv)
			}
			if !inG {
				return fmt.Sprintf("%s.%q: missing (want %v)", at, k, wv)
			}
			if d := jsonDiff(fmt.Sprintf("%s.%q", at, k), wv, gv, jsNumbers); d != "" {
				return d
			}
		}
		return ""
	case session.Claims:
		return jsonDiff(at, map[string]any(w), got, jsNumbers)
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: want %v, got %v", at, w, got)
		}
		for i := range w {
			if d := jsonDiff(fmt.Sprintf("%s[%d]", at, i), w[i], g[i], jsNumbers); d != "" {
				return d
			}
		}
		return ""
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return fmt.Sprintf("%s: want number %s, got %T %v", at, w, got, got)
		}
		if g == w {
			return ""
		}
		if jsNumbers {
			wf, err1 := strconv.ParseFloat(string(w), 64)
			gf, err2 := strconv.ParseFloat(string(g), 64)
			if err1 == nil && err2 == nil && wf == gf && !math.IsInf(wf, 0) {
				return ""
			}
		}
		return fmt.Sprintf("%s: want number %s, got %s", at, w, g)
	case string, bool, nil:
		if got != want {
			return fmt.Sprintf("%s: want %T %q, got %T %q", at, want, fmt.Sprint(want), got, fmt.Sprint(got))
		}
		return ""
	}
	return fmt.Sprintf("%s: unexpected type %T", at, want)
}

func sameClaims(t *testing.T, what string, want, got any, jsNumbers bool) {
	t.Helper()
	if d := jsonDiff("$", want, got, jsNumbers); d != "" {
		t.Errorf("%s: %s", what, d)
	}
}

func cookieHeader(cookies []*http.Cookie) string {
	pairs := make([]string, 0, len(cookies))
	for _, c := range cookies {
		if c.MaxAge >= 0 {
			pairs = append(pairs, c.Name+"="+c.Value)
		}
	}
	return strings.Join(pairs, "; ")
}

func parseSetCookies(t *testing.T, lines []any) []*http.Cookie {
	t.Helper()
	var out []*http.Cookie
	for _, l := range lines {
		c, err := http.ParseSetCookie(l.(string))
		if err != nil {
			t.Fatalf("Auth.js Set-Cookie %.60q: %v", l, err)
		}
		out = append(out, c)
	}
	return out
}

// ---- (1) Auth.js writes, Go reads ---------------------------------------

// TestSessionAuthJSMintsGoDecodes: tokens fresh from @auth/core and
// next-auth decode in Go to exactly the claims the libraries themselves
// decode, under both salts, with rotation, and for v4.
func TestSessionAuthJSMintsGoDecodes(t *testing.T) {
	n := sessionJS(t)
	type kase struct {
		name        string
		version     int
		mintSecret  string
		salt        string
		goSecrets   []string
		secretIndex int
		claims      string
	}
	var cases []kase
	for _, cs := range claimSets {
		cases = append(cases,
			kase{"v5/" + cs.name, 5, secretV5, saltPlain, []string{secretV5}, 0, cs.json},
			kase{"v5-secure/" + cs.name, 5, secretV5, saltSecure, []string{secretV5}, 0, cs.json},
			kase{"v5-rotated/" + cs.name, 5, secretOld, saltPlain, []string{secretNew, secretOld}, 1, cs.json},
			kase{"v4/" + cs.name, 4, secretV4, "", []string{secretV4}, 0, cs.json},
		)
	}
	var reqs []map[string]any
	for _, c := range cases {
		reqs = append(reqs, map[string]any{"cmd": "encode", "version": c.version, "claims": json.RawMessage(c.claims),
			"secret": c.mintSecret, "salt": c.salt, "maxAge": oneHour})
	}
	minted := n.batch(t, reqs)
	reqs = reqs[:0]
	for i, c := range cases {
		tok, _ := mustOK(t, c.name+": encode", minted[i])["token"].(string)
		// The real decode, with the decoder's secret list, is the truth
		// (next-auth 4 takes one secret string).
		var secret any = c.goSecrets
		if c.version == 4 {
			secret = c.goSecrets[0]
		}
		reqs = append(reqs, map[string]any{"cmd": "decode", "version": c.version, "token": tok, "secret": secret, "salt": c.salt})
	}
	decoded := n.batch(t, reqs)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok := minted[i]["token"].(string)
			want := claimsOf(t, "Auth.js decode", decoded[i])
			var codec *session.JWE
			if c.version == 5 {
				codec = v5Codec(t, c.goSecrets, c.salt)
			} else {
				codec = v4Codec(t, c.goSecrets)
			}
			got, err := session.Decode(codec, tok, time.Now())
			if err != nil {
				t.Fatalf("Go refuses a %d-char token Auth.js wrote and reads: %v", len(tok), err)
			}
			sameClaims(t, "Go's claims vs Auth.js's", want, got.Claims, false)
			if got.SecretIndex != c.secretIndex {
				t.Errorf("SecretIndex = %d, want %d", got.SecretIndex, c.secretIndex)
			}
			if c.version == 5 && got.KeyID != v5Codec(t, []string{c.mintSecret}, c.salt).KeyID() {
				t.Errorf("Auth.js wrote kid %s; Go derives %s", got.KeyID, v5Codec(t, []string{c.mintSecret}, c.salt).KeyID())
			}
			// A token made under one salt is refused under the other
			// (catalogue 78).
			if c.version == 5 {
				other := saltSecure
				if c.salt == saltSecure {
					other = saltPlain
				}
				if _, err := session.Decode(v5Codec(t, c.goSecrets, other), tok, time.Now()); !errors.Is(err, session.ErrNoMatchingSecret) {
					t.Errorf("under salt %s: %v, want ErrNoMatchingSecret", other, err)
				}
			}
		})
	}
}

// ---- (2) Go writes, Auth.js reads ---------------------------------------

// TestSessionGoEncodesAuthJSDecodes: tokens from pkg/session decode in the
// real libraries to the claims Go put in, under both salts and for v4;
// rotation behaves as Auth.js's resolver says.
func TestSessionGoEncodesAuthJSDecodes(t *testing.T) {
	n := sessionJS(t)
	type kase struct {
		name    string
		version int
		codec   *session.JWE
		secret  any // what Auth.js decodes with
		salt    string
		claims  string
		wantErr string // Auth.js's error, when it must refuse
	}
	var cases []kase
	for _, cs := range claimSets {
		cases = append(cases,
			kase{"v5/" + cs.name, 5, v5Codec(t, []string{secretV5}, saltPlain), secretV5, saltPlain, cs.json, ""},
			kase{"v5-secure/" + cs.name, 5, v5Codec(t, []string{secretV5}, saltSecure), secretV5, saltSecure, cs.json, ""},
			kase{"v4/" + cs.name, 4, v4Codec(t, []string{secretV4}), secretV4, "", cs.json, ""},
		)
	}
	plain := claimSets[0].json
	rotating := v5Codec(t, []string{secretNew, secretOld}, saltPlain)
	beforeRotation := v5Codec(t, []string{secretOld}, saltPlain)
	cases = append(cases,
		// Go with [new, old] encodes with new: Auth.js with [new, old] or
		// [new] reads it; Auth.js still on [old] cannot.
		kase{"rotation/new-old-by-new-old", 5, rotating, []string{secretNew, secretOld}, saltPlain, plain, ""},
		kase{"rotation/new-old-by-new", 5, rotating, []string{secretNew}, saltPlain, plain, ""},
		kase{"rotation/new-old-by-old", 5, rotating, []string{secretOld}, saltPlain, plain, "no matching decryption secret"},
		// A cookie Go wrote before the rotation: Auth.js with [new, old]
		// still reads it; with [new] alone it cannot.
		kase{"rotation/old-by-new-old", 5, beforeRotation, []string{secretNew, secretOld}, saltPlain, plain, ""},
		kase{"rotation/old-by-new", 5, beforeRotation, []string{secretNew}, saltPlain, plain, "no matching decryption secret"},
		// The salt is part of the key.
		kase{"salt/plain-by-secure", 5, v5Codec(t, []string{secretV5}, saltPlain), secretV5, saltSecure, plain, "no matching decryption secret"},
		kase{"salt/secure-by-plain", 5, v5Codec(t, []string{secretV5}, saltSecure), secretV5, saltPlain, plain, "no matching decryption secret"},
		kase{"v4/other-secret", 4, v4Codec(t, []string{secretV4}), secretOld, "", plain, "decryption operation failed"},
	)
	tokens := make([]string, len(cases))
	var reqs []map[string]any
	for i, c := range cases {
		tokens[i] = goEncode(t, c.codec, c.claims, time.Hour)
		reqs = append(reqs, map[string]any{"cmd": "decode", "version": c.version, "token": tokens[i], "secret": c.secret, "salt": c.salt})
	}
	decoded := n.batch(t, reqs)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := decoded[i]
			if c.wantErr != "" {
				if res["error"] != c.wantErr {
					t.Fatalf("Auth.js decode = %v, want the error %q", res, c.wantErr)
				}
				return
			}
			got := claimsOf(t, "Auth.js decode of Go's token", res)
			// What Go put in: the claims set plus iat, exp and jti, as Go
			// itself reads them back.
			mine, err := c.codec.Open(tokens[i])
			if err != nil {
				t.Fatal(err)
			}
			sameClaims(t, "Auth.js's claims vs Go's", map[string]any(mine.Claims), got, true)
			for k, v := range parseClaims(t, c.claims) {
				if d := jsonDiff("$."+k, v, mine.Claims[k], false); d != "" {
					t.Errorf("Go did not keep the claim it encoded: %s", d)
				}
			}
			for _, k := range []string{"iat", "exp", "jti"} {
				if _, ok := got[k]; !ok {
					t.Errorf("Auth.js sees no %s", k)
				}
			}
		})
	}
}

// ---- (3) cookies both ways ----------------------------------------------

// TestSessionCookiesInterop: Go's Set-Cookie chunks are what Auth.js's
// SessionStore and getToken read, and Auth.js's chunks are what Go reads.
func TestSessionCookiesInterop(t *testing.T) {
	n := sessionJS(t)
	large := claimSets[len(claimSets)-1].json
	expires := time.Unix(time.Now().Unix()+fiftyYears, 0)

	t.Run("go-writes", func(t *testing.T) {
		type kase struct {
			name    string
			version int
			codec   *session.JWE
			cookie  string
			size    int
			secure  bool
			claims  string
		}
		cases := []kase{
			{"v5-chunked", 5, v5Codec(t, []string{secretV5}, saltPlain), saltPlain, session.ChunkSizeV5, false, large},
			{"v5-secure-chunked", 5, v5Codec(t, []string{secretV5}, saltSecure), saltSecure, session.ChunkSizeV5, true, large},
			{"v5-single", 5, v5Codec(t, []string{secretV5}, saltPlain), saltPlain, session.ChunkSizeV5, false, claimSets[0].json},
			{"v4-chunked", 4, v4Codec(t, []string{secretV4}), v4Cookie, session.ChunkSizeV4, false, large},
		}
		var reqs []map[string]any
		tokens := make([]string, len(cases))
		headers := make([]string, len(cases))
		for i, c := range cases {
			tokens[i] = goEncode(t, c.codec, c.claims, time.Hour)
			set := session.SessionCookies(c.cookie, tokens[i], c.size, session.CookieOptions{Secure: c.secure, Expires: expires}, nil)
			if c.name != "v5-single" && len(set) < 2 {
				t.Fatalf("%s: a %d-char token in %d cookie(s)", c.name, len(tokens[i]), len(set))
			}
			// Browsers send cookies in any order; Auth.js sorts by suffix.
			sort.Slice(set, func(a, b int) bool { return set[a].Name > set[b].Name })
			headers[i] = cookieHeader(set)
			secret := secretV5
			if c.version == 4 {
				secret = secretV4
			}
			reqs = append(reqs,
				map[string]any{"cmd": "readcookies", "version": c.version, "name": c.cookie, "cookieHeader": headers[i]},
				map[string]any{"cmd": "gettoken", "version": c.version, "secret": secret, "cookieHeader": headers[i], "secureCookie": c.secure},
				// The framework's Authorization: Bearer fallback, URL-encoded.
				map[string]any{"cmd": "gettoken", "version": c.version, "secret": secret, "authorization": "Bearer " + tokens[i], "secureCookie": c.secure},
			)
		}
		res := n.batch(t, reqs)
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				read, viaCookie, viaBearer := res[3*i], res[3*i+1], res[3*i+2]
				if v, _ := mustOK(t, "readcookies", read)["value"].(string); v != tokens[i] {
					t.Errorf("Auth.js's SessionStore joined %d chars from Go's cookies, want the %d-char token", len(v), len(tokens[i]))
				}
				mine, err := c.codec.Open(tokens[i])
				if err != nil {
					t.Fatal(err)
				}
				if viaCookie["claims"] == nil {
					t.Fatalf("Auth.js getToken finds no session in Go's cookies: %v", viaCookie)
				}
				sameClaims(t, "getToken (cookie) vs Go", map[string]any(mine.Claims), claimsOf(t, "getToken", viaCookie), true)
				if viaBearer["claims"] == nil {
					t.Fatalf("Auth.js getToken finds no session in Authorization: Bearer: %v", viaBearer)
				}
				sameClaims(t, "getToken (bearer) vs Go", map[string]any(mine.Claims), claimsOf(t, "getToken", viaBearer), true)
			})
		}
	})

	t.Run("authjs-writes", func(t *testing.T) {
		type kase struct {
			name    string
			version int
			secret  string
			salt    string
			cookie  string
			size    int
			secure  bool
		}
		cases := []kase{
			{"v5-chunked", 5, secretV5, saltPlain, saltPlain, session.ChunkSizeV5, false},
			{"v5-secure-chunked", 5, secretV5, saltSecure, saltSecure, session.ChunkSizeV5, true},
			{"v4-chunked", 4, secretV4, "", v4Cookie, session.ChunkSizeV4, false},
		}
		var reqs []map[string]any
		for _, c := range cases {
			reqs = append(reqs, map[string]any{"cmd": "encode", "version": c.version, "claims": json.RawMessage(large), "secret": c.secret, "salt": c.salt, "maxAge": oneHour})
		}
		minted := n.batch(t, reqs)
		reqs = reqs[:0]
		for i, c := range cases {
			tok, _ := mustOK(t, c.name+": encode", minted[i])["token"].(string)
			reqs = append(reqs,
				map[string]any{"cmd": "cookies", "version": c.version, "name": c.cookie, "value": tok, "secure": c.secure, "expires": expires.Unix()},
				map[string]any{"cmd": "decode", "version": c.version, "token": tok, "secret": c.secret, "salt": c.salt},
			)
		}
		res := n.batch(t, reqs)
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				tok := minted[i]["token"].(string)
				lines, _ := mustOK(t, "cookies", res[2*i])["setCookie"].([]any)
				want := claimsOf(t, "decode", res[2*i+1])
				set := parseSetCookies(t, lines)
				if len(set) < 2 {
					t.Fatalf("Auth.js wrote a %d-char token in %d cookie(s)", len(tok), len(set))
				}
				got, err := session.ReadChunked(set, c.cookie, 0)
				if err != nil || got != tok {
					t.Fatalf("ReadChunked on Auth.js's cookies: %d chars, %v; want the %d-char token", len(got), err, len(tok))
				}
				// Go writes the same lines, byte for byte.
				mine := session.SessionCookies(c.cookie, tok, c.size, session.CookieOptions{Secure: c.secure, Expires: expires}, nil)
				if len(mine) != len(lines) {
					t.Fatalf("Go writes %d cookies, Auth.js %d", len(mine), len(lines))
				}
				for j, m := range mine {
					if m.String() != lines[j].(string) {
						t.Errorf("Set-Cookie %d differs:\n Go:      %s\n Auth.js: %s", j, abbreviate(m.String()), abbreviate(lines[j].(string)))
					}
				}
				// And FromRequest, Go's getToken, reads the request.
				r := httptest.NewRequest("GET", "/", nil)
				r.Header.Set("Cookie", cookieHeader(set))
				opts := session.RequestOptions{Version: session.Version(c.version)}
				opts.Secrets = []string{c.secret}
				tk, err := session.FromRequest(r, opts)
				if err != nil {
					t.Fatalf("FromRequest on Auth.js's cookies: %v", err)
				}
				sameClaims(t, "FromRequest vs Auth.js decode", want, tk.Claims, false)
			})
		}
	})

	// Both sides clear stale cookies the same way when the session shrinks
	// from chunks to one cookie, and when it grows from one to chunks.
	t.Run("stale-chunks", func(t *testing.T) {
		codec := v5Codec(t, []string{secretV5}, saltPlain)
		big := goEncode(t, codec, large, time.Hour)
		small := goEncode(t, codec, claimSets[0].json, time.Hour)
		bigSet := session.SessionCookies(saltPlain, big, session.ChunkSizeV5, session.CookieOptions{Expires: expires}, nil)
		smallSet := session.SessionCookies(saltPlain, small, session.ChunkSizeV5, session.CookieOptions{Expires: expires}, nil)
		type kase struct {
			name            string
			existing, value string
		}
		cases := []kase{
			{"shrink", cookieHeader(bigSet), small},
			{"grow", cookieHeader(smallSet), big},
			{"rewrite-chunked", cookieHeader(bigSet), big},
		}
		var reqs []map[string]any
		for _, c := range cases {
			reqs = append(reqs, map[string]any{"cmd": "cookies", "version": 5, "name": saltPlain, "value": c.value, "existing": c.existing, "expires": expires.Unix()})
		}
		res := n.batch(t, reqs)
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				lines, _ := mustOK(t, "cookies", res[i])["setCookie"].([]any)
				theirs := parseSetCookies(t, lines)
				existing, err := session.ParseCookieHeader(c.existing)
				if err != nil {
					t.Fatal(err)
				}
				mine := session.SessionCookies(saltPlain, c.value, session.ChunkSizeV5, session.CookieOptions{Expires: expires}, existing)
				a, b := summarize(mine), summarize(theirs)
				if a != b {
					t.Errorf("Set-Cookie after %s differ:\n Go:      %s\n Auth.js: %s", c.name, a, b)
				}
				t.Logf("both set: %s", b)
			})
		}
	})
}

// summarize lists cookies as name=(cleared|N chars), sorted by name, for
// comparing what each side sets regardless of order.
func summarize(cookies []*http.Cookie) string {
	var parts []string
	for _, c := range cookies {
		if c.MaxAge < 0 {
			parts = append(parts, c.Name+"=(cleared)")
		} else {
			parts = append(parts, fmt.Sprintf("%s=(%d chars)", c.Name, len(c.Value)))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func abbreviate(line string) string {
	name, rest, _ := strings.Cut(line, "=")
	value, attrs, _ := strings.Cut(rest, ";")
	if len(value) > 24 {
		value = fmt.Sprintf("%s...(%d chars)", value[:10], len(value))
	}
	return name + "=" + value + ";" + attrs
}

// TestSessionCookieReaderAgrees: for odd Cookie headers, Go's reader either
// returns the very token Auth.js's SessionStore reassembles, or refuses
// (fails closed, catalogue 89). It never reads a different token.
func TestSessionCookieReaderAgrees(t *testing.T) {
	n := sessionJS(t)
	type kase struct {
		name    string
		version int
		cookie  string
		header  string
	}
	p, p4 := saltPlain, v4Cookie
	cases := []kase{
		{"bare", 5, p, p + "=AAA"},
		{"chunks-out-of-order", 5, p, p + ".2=CCC; " + p + ".0=AAA; " + p + ".1=BBB"},
		{"gap", 5, p, p + ".0=AAA; " + p + ".2=CCC"},
		{"bare-and-chunks", 5, p, p + "=XXX; " + p + ".0=AAA; " + p + ".1=BBB"},
		{"empty-bare-and-chunks", 5, p, p + "=; " + p + ".0=AAA; " + p + ".1=BBB"},
		{"empty-chunk", 5, p, p + ".0=AAA; " + p + ".1=; " + p + ".2=CCC"},
		{"duplicate-chunk", 5, p, p + ".0=AAA; " + p + ".0=ZZZ; " + p + ".1=BBB"},
		{"lookalike-with-bare", 5, p, p + "=AAA; " + p + "X=JUNK"},
		{"lookalike-with-chunks", 5, p, p + ".0=AAA; " + p + ".1=BBB; " + p + "-old=JUNK"},
		{"non-numeric-suffix", 5, p, p + ".0=AAA; " + p + ".1=BBB; " + p + ".x=JUNK"},
		{"leading-zero-suffix", 5, p, p + ".0=AAA; " + p + ".01=BBB"},
		{"secure-prefix-not-plain", 5, p, "__Secure-" + p + "=SSS"},
		{"v4-chunks", 4, p4, p4 + ".1=BBB; " + p4 + ".0=AAA"},
		{"v4-empty-chunk", 4, p4, p4 + ".0=AAA; " + p4 + ".1="},
		{"v4-lookalike", 4, p4, p4 + "=AAA; " + p4 + "X=JUNK"},
	}
	var reqs []map[string]any
	for _, c := range cases {
		reqs = append(reqs, map[string]any{"cmd": "readcookies", "version": c.version, "name": c.cookie, "cookieHeader": c.header})
	}
	res := n.batch(t, reqs)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			theirs, _ := mustOK(t, "readcookies", res[i])["value"].(string)
			cookies, err := session.ParseCookieHeader(c.header)
			if err != nil {
				t.Fatal(err)
			}
			mine, err := session.ReadChunked(cookies, c.cookie, 0)
			switch {
			case err != nil && theirs == "" && !errors.Is(err, session.ErrNoToken):
				t.Errorf("Auth.js finds no session; Go: %v, want ErrNoToken", err)
			case err != nil:
				t.Logf("Auth.js reads %q; Go refuses: %v", theirs, err)
			case mine != theirs:
				t.Errorf("Cookie: %s\n Auth.js reads %q, Go reads %q: a different token, where Go should read the same or refuse", c.header, theirs, mine)
			}
		})
	}
}

// ---- (4) the CLI --------------------------------------------------------

// TestSessionCLIDecodesAuthJSTokens: `authkit session decode`, run
// in-process, opens cookies and tokens fresh from Auth.js, with secrets
// from a dotenv file as Auth.js reads them from the environment.
func TestSessionCLIDecodesAuthJSTokens(t *testing.T) {
	n := sessionJS(t)
	dir := t.TempDir()
	envFile := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	v5env := envFile("v5.env", "AUTH_SECRET="+secretV5+"\n")
	// @auth/core puts AUTH_SECRET_1 before AUTH_SECRET: it is the newest.
	rotatedEnv := envFile("rotated.env", "AUTH_SECRET="+secretOld+"\nAUTH_SECRET_1="+secretNew+"\n")
	v4env := envFile("v4.env", "NEXTAUTH_SECRET="+secretV4+"\n")
	large := claimSets[len(claimSets)-1].json

	type kase struct {
		name       string
		version    int
		secret     string
		salt       string
		now        int64 // mint at this time (0: now)
		claims     string
		asCookie   bool
		env        string
		wantCode   int
		wantSalt   string
		wantIndex  int
		wantFormat string
	}
	cases := []kase{
		{"v5-chunked-cookie", 5, secretV5, saltPlain, 0, large, true, v5env, 0, saltPlain, 0, "authjs"},
		{"v5-secure-cookie", 5, secretV5, saltSecure, 0, claimSets[1].json, true, v5env, 0, saltSecure, 0, "authjs"},
		{"v5-token-nested", 5, secretV5, saltPlain, 0, claimSets[2].json, false, v5env, 0, saltPlain, 0, "authjs"},
		{"v5-rotated", 5, secretOld, saltPlain, 0, claimSets[0].json, true, rotatedEnv, 0, saltPlain, 1, "authjs"},
		{"v4-token", 4, secretV4, "", 0, claimSets[1].json, false, v4env, 0, "", 0, "authjs-v4"},
		{"v5-expired", 5, secretV5, saltPlain, 1577836800, claimSets[0].json, true, v5env, 4, saltPlain, 0, "authjs"},
	}
	var reqs []map[string]any
	for _, c := range cases {
		req := map[string]any{"cmd": "encode", "version": c.version, "claims": json.RawMessage(c.claims), "secret": c.secret, "salt": c.salt, "maxAge": oneHour}
		if c.now != 0 {
			req["now"] = c.now
		}
		reqs = append(reqs, req)
	}
	minted := n.batch(t, reqs)
	reqs = reqs[:0]
	for i, c := range cases {
		tok, _ := mustOK(t, c.name+": encode", minted[i])["token"].(string)
		dec := map[string]any{"cmd": "decode", "version": c.version, "token": tok, "secret": c.secret, "salt": c.salt}
		if c.now != 0 {
			dec["now"] = c.now + 60
		}
		name := c.salt
		if c.version == 4 {
			name = v4Cookie
		}
		reqs = append(reqs, dec, map[string]any{"cmd": "cookies", "version": c.version, "name": name, "value": tok, "secure": c.salt == saltSecure})
	}
	res := n.batch(t, reqs)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := claimsOf(t, "Auth.js decode", res[2*i])
			tok := minted[i]["token"].(string)
			args := []string{"session", "decode", "--json", "--secret-file", c.env}
			stdin := tok
			if c.asCookie {
				lines, _ := mustOK(t, "cookies", res[2*i+1])["setCookie"].([]any)
				// The browser also sends unrelated cookies.
				stdin = "theme=dark; " + cookieHeader(parseSetCookies(t, lines)) + "; other=1"
				args = append(args, "--cookie", "-")
			}
			r := clitest.Run(clitest.Options{Stdin: stdin}, args...)
			if r.Code != c.wantCode {
				t.Fatalf("authkit %s: exit %d, want %d\n%s%s", strings.Join(args, " "), r.Code, c.wantCode, r.Stdout, r.Stderr)
			}
			dec := json.NewDecoder(strings.NewReader(r.Stdout))
			dec.UseNumber()
			var out map[string]any
			if err := dec.Decode(&out); err != nil {
				t.Fatalf("authkit session decode --json printed no JSON: %v\n%s\n%s", err, r.Stdout, r.Stderr)
			}
			sameClaims(t, "authkit session decode vs Auth.js decode", want, out["claims"], false)
			if out["format"] != c.wantFormat {
				t.Errorf("format = %v, want %s", out["format"], c.wantFormat)
			}
			if c.version == 5 && out["salt"] != c.wantSalt {
				t.Errorf("salt = %v, want %s", out["salt"], c.wantSalt)
			}
			if idx, _ := out["secretIndex"].(json.Number); idx.String() != strconv.Itoa(c.wantIndex) {
				t.Errorf("secretIndex = %v, want %d", out["secretIndex"], c.wantIndex)
			}
			if expired, _ := out["expired"].(bool); expired != (c.wantCode == 4) {
				t.Errorf("expired = %v (problem %v)", out["expired"], out["problem"])
			}
			if strings.Contains(r.Stdout+r.Stderr, c.secret) {
				t.Errorf("the output shows the secret")
			}
		})
	}
}
