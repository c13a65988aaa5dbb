package session

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func cookiesOf(pairs ...string) []*http.Cookie {
	var out []*http.Cookie
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, &http.Cookie{Name: pairs[i], Value: pairs[i+1]})
	}
	return out
}

func TestNames(t *testing.T) {
	if n := Names(V5, false); n.SessionToken != "authjs.session-token" || n.CSRFToken != "authjs.csrf-token" || n.Challenge != "authjs.challenge" {
		t.Fatalf("%+v", n)
	}
	if n := Names(V5, true); n.SessionToken != "__Secure-authjs.session-token" || n.CSRFToken != "__Host-authjs.csrf-token" || n.PKCECodeVerifier != "__Secure-authjs.pkce.code_verifier" {
		t.Fatalf("%+v", n)
	}
	if n := Names(V4, true); n.SessionToken != "__Secure-next-auth.session-token" || n.CSRFToken != "__Host-next-auth.csrf-token" || n.Challenge != "" {
		t.Fatalf("%+v", n)
	}
}

func TestSessionCookiesChunking(t *testing.T) {
	name := "authjs.session-token"
	value := strings.Repeat("x", 2*ChunkSizeV5+670)
	set := SessionCookies(name, value, ChunkSizeV5, CookieOptions{}, nil)
	if len(set) != 3 {
		t.Fatalf("%d cookies", len(set))
	}
	for i, c := range set {
		if c.Name != name+"."+strconv.Itoa(i) || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Fatalf("cookie %d: %s", i, c)
		}
	}
	if len(set[0].Value) != 3936 || len(set[2].Value) != 670 {
		t.Fatalf("split %d/%d", len(set[0].Value), len(set[2].Value))
	}
	joined, err := ReadChunked(set, name, 0)
	if err != nil || joined != value {
		t.Fatalf("read back: %v", err)
	}
	if one := SessionCookies(name, strings.Repeat("x", ChunkSizeV5), ChunkSizeV5, CookieOptions{}, nil); len(one) != 1 || one[0].Name != name {
		t.Fatalf("a value of exactly one chunk: %v", one)
	}
}

func TestSessionCookiesClearStaleChunks(t *testing.T) {
	name := "authjs.session-token"
	existing := cookiesOf(name+".0", "a", name+".1", "b", name+".2", "c", "other", "keep")
	set := SessionCookies(name, "small", ChunkSizeV5, CookieOptions{Secure: true}, existing)
	got := map[string]*http.Cookie{}
	for _, c := range set {
		got[c.Name] = c
	}
	for _, stale := range []string{name + ".0", name + ".1", name + ".2"} {
		if c := got[stale]; c == nil || c.MaxAge >= 0 || c.Value != "" {
			t.Fatalf("%s not cleared: %v", stale, c)
		}
	}
	if got[name] == nil || got[name].Value != "small" || !got[name].Secure || got["other"] != nil {
		t.Fatalf("%v", set)
	}
	back := SessionCookies(name, strings.Repeat("y", ChunkSizeV5+1), ChunkSizeV5, CookieOptions{}, cookiesOf(name, "small"))
	if len(back) != 3 || back[0].Name != name || back[0].MaxAge >= 0 {
		t.Fatalf("unchunked to chunked: %v", back)
	}
	signOut := SessionCookies(name, "", ChunkSizeV5, CookieOptions{}, nil)
	if len(signOut) != 1 || signOut[0].MaxAge >= 0 || !strings.Contains(signOut[0].String(), "Max-Age=0") {
		t.Fatalf("sign-out: %v", signOut)
	}
}

func TestReadChunkedFailsClosed(t *testing.T) {
	n := "authjs.session-token"
	for name, tc := range map[string]struct {
		cookies []*http.Cookie
		want    error
	}{
		"nothing":             {cookiesOf("a", "b"), ErrNoToken},
		"look-alike only":     {cookiesOf(n+"X", "v"), ErrMalformed},
		"look-alike suffix":   {cookiesOf(n, "a", n+"-old", "v"), ErrMalformed},
		"non-numeric chunk":   {cookiesOf(n+".0", "a", n+".x", "v"), ErrMalformed},
		"padded chunk index":  {cookiesOf(n+".0", "a", n+".01", "v"), ErrMalformed},
		"empty bare":          {cookiesOf(n, ""), ErrNoToken},
		"gap":                 {cookiesOf(n+".0", "a", n+".2", "c"), ErrMalformed},
		"no first chunk":      {cookiesOf(n+".1", "a"), ErrMalformed},
		"duplicate chunk":     {cookiesOf(n+".0", "a", n+".0", "a", n+".1", "b"), ErrMalformed},
		"duplicate bare":      {cookiesOf(n, "a", n, "b"), ErrMalformed},
		"bare and chunks":     {cookiesOf(n, "a", n+".0", "b"), ErrMalformed},
		"empty chunk":         {cookiesOf(n+".0", "a", n+".1", ""), ErrMalformed},
		"too many chunks":     {manyChunks(n, 1000), ErrTooLarge},
		"one cookie too long": {cookiesOf(n, strings.Repeat("a", MaxCookieSize+1)), ErrTooLarge},
		"one chunk too long":  {cookiesOf(n+".0", "a", n+".1", strings.Repeat("a", MaxCookieSize+1)), ErrTooLarge},
		"too long in total":   {cookiesOf(n+".0", strings.Repeat("a", 9000), n+".1", strings.Repeat("a", 9000)), ErrTooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			v, err := ReadChunked(tc.cookies, n, 0)
			if !errors.Is(err, tc.want) || v != "" {
				t.Fatalf("got %q, %v; want %v", v, err, tc.want)
			}
		})
	}
	v, err := ReadChunked(cookiesOf(n+".1", "b", "x"+n, "zzz", n+".0", "a", "__Secure-"+n, "q"), n, 0)
	if err != nil || v != "ab" {
		t.Fatalf("chunks in any order, other names ignored: %q %v", v, err)
	}
}

func manyChunks(name string, n int) []*http.Cookie {
	var out []*http.Cookie
	for i := range n {
		out = append(out, &http.Cookie{Name: name + "." + strconv.Itoa(i), Value: "a"})
	}
	return out
}

func TestParseCookieHeader(t *testing.T) {
	cs, err := ParseCookieHeader(`Cookie: a=1; authjs.session-token=abc.def; bad; x="q r"; =v`)
	if err != nil || len(cs) != 3 || cs[1].Value != "abc.def" {
		t.Fatalf("%v %v", cs, err)
	}
	for _, h := range []string{"cookie: authjs.session-token=abc; theme=dark", "COOKIE:authjs.session-token=abc", `authjs.session-token="abc"; theme=dark`} {
		cs, err := ParseCookieHeader(h)
		if err != nil || cs[0].Name != "authjs.session-token" || cs[0].Value != "abc" {
			t.Fatalf("%q: %v %v", h, cs, err)
		}
	}
	if _, err := ParseCookieHeader(strings.Repeat("a=b; ", 1<<20/5)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("1 MB header: %v", err)
	}
	if _, err := ParseCookieHeader("  "); !errors.Is(err, ErrNoToken) {
		t.Fatalf("empty header: %v", err)
	}
}

func TestFromRequest(t *testing.T) {
	now := func() time.Time { return testNow }
	plain := mustV5(t, []string{testSecret}, "authjs.session-token")
	secure := mustV5(t, []string{testSecret}, "__Secure-authjs.session-token")
	small := mustEncode(t, plain, Claims{"sub": "u1"})
	large := mustEncode(t, secure, Claims{"sub": "u2", "blob": strings.Repeat("é", 4000)})
	opts := RequestOptions{Secrets: []string{testSecret}, Now: now}

	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "authjs.session-token", Value: small})
	if tok, err := FromRequest(r, opts); err != nil || tok.Subject() != "u1" {
		t.Fatalf("plain cookie: %v", err)
	}

	r = httptest.NewRequest("GET", "/", nil)
	for _, c := range SessionCookies("__Secure-authjs.session-token", large, ChunkSizeV5, CookieOptions{Secure: true}, nil) {
		r.AddCookie(c)
	}
	if tok, err := FromRequest(r, opts); err != nil || tok.Subject() != "u2" || tok.Salt != "__Secure-authjs.session-token" {
		t.Fatalf("chunked secure cookie: %v", err)
	}

	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+small)
	if tok, err := FromRequest(r, opts); err != nil || tok.Subject() != "u1" {
		t.Fatalf("bearer: %v", err)
	}
	if _, err := FromRequest(r, RequestOptions{Secrets: opts.Secrets, Now: now, NoBearer: true}); !errors.Is(err, ErrNoToken) {
		t.Fatalf("bearer turned off: %v", err)
	}

	for _, h := range []string{"Bearer %%", "Bearer", "Bearer ", "Bearer  a b", "bearer " + small, "Basic " + small} {
		r = httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", h)
		if tok, err := FromRequest(r, opts); !errors.Is(err, ErrNoToken) || tok != nil {
			t.Fatalf("%q: %v", h, err)
		}
	}

	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "authjs.session-token", Value: small})
	if tok, err := FromRequest(r, RequestOptions{Secrets: []string{testOldSecret}, Now: now}); !errors.Is(err, ErrNoMatchingSecret) || tok != nil {
		t.Fatalf("wrong secret: %v", err)
	}
	if tok, err := FromRequest(r, RequestOptions{Secrets: opts.Secrets, Now: func() time.Time { return testNow.Add(31 * 24 * time.Hour) }}); !errors.Is(err, ErrExpired) || tok != nil {
		t.Fatalf("expired: %v", err)
	}

	for _, claims := range []Claims{{"name": "x"}, {"sub": ""}, {"sub": 42}} {
		r = httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: "authjs.session-token", Value: mustEncode(t, plain, claims)})
		if tok, err := FromRequest(r, opts); !errors.Is(err, ErrInvalidClaims) || tok != nil {
			t.Fatalf("%v names nobody: %v", claims, err)
		}
	}

	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", strings.Repeat("authjs.session-token.1=a; ", 2000))
	if tok, err := FromRequest(r, opts); !errors.Is(err, ErrInvalidToken) || tok != nil {
		t.Fatalf("thousands of chunks: %v", err)
	}
}
