package flow_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/session"
	"github.com/authkit-dev/authkit/pkg/store"
)

type app struct {
	srv *httptest.Server
	h   *flow.Handler
	idp *devidp.Server
	st  store.Store
}

// newApp serves the handler at /auth and a protected /dashboard and
// /api/me, with the dev IdP as provider "dev".
func newApp(t *testing.T, withStore bool, opts flow.HandlerOptions) *app {
	t.Helper()
	a := &app{idp: devidp.StartTest(t, devidp.Options{Users: []devidp.User{{Email: "ada@example.com", Name: "Ada"}}})}
	mux := http.NewServeMux()
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	cfg := flow.Config{Providers: []*providers.Provider{oidcProvider(a.idp, "dev")}, Secrets: []string{testSecret}, BaseURL: a.srv.URL + "/auth"}
	if withStore {
		a.st = newStore(t)
		cfg.Store = a.st
	}
	e, err := flow.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.h = flow.NewHandler(e, opts)
	mux.Handle("/auth/", a.h)
	protected := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := flow.SessionFromContext(r.Context())
		if !ok {
			t.Error("no session in the context")
		}
		json.NewEncoder(w).Encode(s.User)
	})
	mux.Handle("/dashboard", a.h.RequireSession(protected))
	mux.Handle("/api/me", a.h.RequireSession(protected))
	return a
}

func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func csrf(t *testing.T, c *http.Client, a *app) string {
	t.Helper()
	resp, body := do(t, c, "GET", a.srv.URL+"/auth/csrf", nil)
	var v struct{ CsrfToken string }
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &v) != nil || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(v.CsrfToken) {
		t.Fatalf("csrf: %d %s", resp.StatusCode, body)
	}
	return v.CsrfToken
}

// signInThroughHandler posts the sign-in form, follows the provider's
// redirect back to the callback, and returns the final redirect.
func signInThroughHandler(t *testing.T, c *http.Client, a *app, callbackURL string) *http.Response {
	t.Helper()
	tok := csrf(t, c, a)
	resp, _ := do(t, c, "POST", a.srv.URL+"/auth/signin/dev", url.Values{"csrfToken": {tok}, "callbackUrl": {callbackURL}})
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), a.idp.URL()) {
		t.Fatalf("sign-in POST: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = do(t, c, "GET", resp.Header.Get("Location"), nil)
	cb := resp.Header.Get("Location")
	if !strings.HasPrefix(cb, a.srv.URL+"/auth/callback/dev?") {
		t.Fatalf("the provider sent the browser to %s", cb)
	}
	resp, _ = do(t, c, "GET", cb, nil)
	return resp
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestHandlerCSRFAndProviders(t *testing.T) {
	a := newApp(t, false, flow.HandlerOptions{})
	c := browser(t)
	resp, body := do(t, c, "GET", a.srv.URL+"/auth/csrf", nil)
	set := resp.Header.Get("Set-Cookie")
	if !regexp.MustCompile(`^authjs\.csrf-token=[0-9a-f]{64}%7C[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Lax$`).MatchString(set) {
		t.Fatalf("csrf cookie %q", set)
	}
	if resp.Header.Get("Cache-Control") != "private, no-cache, no-store" || resp.Header.Get("Pragma") != "no-cache" {
		t.Fatalf("headers %v", resp.Header)
	}
	first := body
	resp, body = do(t, c, "GET", a.srv.URL+"/auth/csrf", nil)
	if body != first || resp.Header.Get("Set-Cookie") != "" {
		t.Fatalf("a valid CSRF cookie must be reused: %s vs %s, %q", body, first, resp.Header.Get("Set-Cookie"))
	}
	_, body = do(t, c, "GET", a.srv.URL+"/auth/providers", nil)
	var ps map[string]map[string]string
	if json.Unmarshal([]byte(body), &ps) != nil || ps["dev"]["signinUrl"] != a.srv.URL+"/auth/signin/dev" || ps["dev"]["callbackUrl"] != a.srv.URL+"/auth/callback/dev" || ps["dev"]["type"] != "oidc" {
		t.Fatalf("providers %s", body)
	}
}

func TestHandlerRoutesAndErrors(t *testing.T) {
	a := newApp(t, false, flow.HandlerOptions{})
	c := browser(t)
	for _, tc := range []struct {
		method, path string
		status       int
		location     string
	}{
		{"GET", "/auth/nope", 400, ""},
		{"PUT", "/auth/session", 400, ""},
		{"GET", "/auth/session/extra", 400, ""},
		{"GET", "/auth/signin/dev", 302, "/auth/error?error=Configuration"},
		{"POST", "/auth/signin/dev", 302, "/auth/signin?error=MissingCSRF"},
		{"POST", "/auth/signout", 302, "/auth/signin?error=MissingCSRF"},
		{"GET", "/auth/error?error=OAuthAccountNotLinked", 200, ""},
	} {
		resp, body := do(t, c, tc.method, a.srv.URL+tc.path, url.Values{})
		if resp.StatusCode != tc.status || (tc.location != "" && resp.Header.Get("Location") != a.srv.URL+tc.location) {
			t.Errorf("%s %s: %d %s %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Location"), body)
		}
		if tc.status == 400 && strings.TrimSpace(body) != `"Bad request."` {
			t.Errorf("%s %s: body %q", tc.method, tc.path, body)
		}
		if cookieNamed(resp, "authjs.state") != nil || cookieNamed(resp, "authjs.session-token") != nil {
			t.Errorf("%s %s set a check or session cookie", tc.method, tc.path)
		}
	}
	resp, body := do(t, c, "POST", a.srv.URL+"/auth/signin/dev", url.Values{}, "X-Auth-Return-Redirect", "1")
	if resp.StatusCode != 200 || !strings.Contains(body, `"url":"`+a.srv.URL+`/auth/signin?error=MissingCSRF"`) {
		t.Fatalf("X-Auth-Return-Redirect: %d %s", resp.StatusCode, body)
	}
	for code, status := range map[string]int{"Configuration": 500, "AccessDenied": 403, "Verification": 403, "Default": 200} {
		resp, _ := do(t, c, "GET", a.srv.URL+"/auth/error?error="+code, nil)
		if resp.StatusCode != status {
			t.Errorf("error page %s: %d", code, resp.StatusCode)
		}
	}
}

func TestHandlerJWTSignInSessionSignOut(t *testing.T) {
	a := newApp(t, false, flow.HandlerOptions{})
	c := browser(t)
	if resp, body := do(t, c, "GET", a.srv.URL+"/auth/session", nil); strings.TrimSpace(body) != "null" || resp.Header.Get("Cache-Control") == "" {
		t.Fatalf("no session: %q", body)
	}
	resp := signInThroughHandler(t, c, a, "/dashboard?tab=1")
	if resp.StatusCode != 302 || resp.Header.Get("Location") != a.srv.URL+"/dashboard?tab=1" {
		t.Fatalf("after the callback: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	sess := cookieNamed(resp, "authjs.session-token")
	if sess == nil || !sess.HttpOnly || sess.Path != "/" || sess.SameSite != http.SameSiteLaxMode || sess.Expires.IsZero() {
		t.Fatalf("session cookie %v", sess)
	}
	if st := cookieNamed(resp, "authjs.state"); st == nil || st.MaxAge >= 0 {
		t.Fatalf("the state cookie was not cleared: %v", st)
	}
	resp, body := do(t, c, "GET", a.srv.URL+"/auth/session", nil)
	if !regexp.MustCompile(`^\{"expires":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","user":\{"email":"ada@example.com","image":"[^"]+","name":"Ada"\}\}$`).MatchString(strings.TrimSpace(body)) {
		t.Fatalf("session %s", body)
	}
	if rolled := cookieNamed(resp, "authjs.session-token"); rolled == nil || rolled.Value == sess.Value {
		t.Fatal("a JWT session must roll on each /session read")
	}
	if _, body := do(t, c, "GET", a.srv.URL+"/dashboard", nil); !strings.Contains(body, `"email":"ada@example.com"`) {
		t.Fatalf("protected page: %s", body)
	}
	if resp, body := do(t, c, "POST", a.srv.URL+"/auth/session", url.Values{}); resp.StatusCode != 400 || strings.TrimSpace(body) != "null" {
		t.Fatalf("POST /session without CSRF: %d %s", resp.StatusCode, body)
	}
	tok := csrf(t, c, a)
	resp, _ = do(t, c, "POST", a.srv.URL+"/auth/signout", url.Values{"csrfToken": {tok}, "callbackUrl": {"https://evil.example/"}})
	if resp.StatusCode != 302 || resp.Header.Get("Location") != a.srv.URL {
		t.Fatalf("sign-out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if cl := cookieNamed(resp, "authjs.session-token"); cl == nil || cl.MaxAge >= 0 {
		t.Fatalf("sign-out did not clear the session: %v", cl)
	}
	if _, body := do(t, c, "GET", a.srv.URL+"/auth/session", nil); strings.TrimSpace(body) != "null" {
		t.Fatalf("after sign-out: %s", body)
	}
	if resp, _ := do(t, c, "GET", a.srv.URL+"/dashboard", nil); resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), a.srv.URL+"/auth/signin?callbackUrl=") {
		t.Fatalf("the protected page after sign-out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := do(t, c, "GET", a.srv.URL+"/api/me", nil, "Accept", "application/json"); resp.StatusCode != 401 {
		t.Fatalf("API without a session: %d", resp.StatusCode)
	}
}

func TestHandlerDatabaseSessions(t *testing.T) {
	a := newApp(t, true, flow.HandlerOptions{})
	c := browser(t)
	signInThroughHandler(t, c, a, "/")
	if n := rowCounts(t, a.st)["sessions"]; n != 1 {
		t.Fatalf("%d session rows", n)
	}
	if _, body := do(t, c, "GET", a.srv.URL+"/auth/session", nil); !strings.Contains(body, `"email":"ada@example.com"`) {
		t.Fatalf("session %s", body)
	}
	rows, _ := a.st.ListSessions(context.Background(), store.SessionQuery{})
	if _, err := a.st.RevokeSessions(context.Background(), store.SessionQuery{ID: rows[0].ID}); err != nil {
		t.Fatal(err)
	}
	if _, body := do(t, c, "GET", a.srv.URL+"/auth/session", nil); strings.TrimSpace(body) != "null" {
		t.Fatalf("a revoked database session still reads: %s", body)
	}
	signInThroughHandler(t, c, a, "/")
	tok := csrf(t, c, a)
	do(t, c, "POST", a.srv.URL+"/auth/signout", url.Values{"csrfToken": {tok}})
	if n := rowCounts(t, a.st)["sessions"]; n != 0 {
		t.Fatalf("sign-out left %d session rows", n)
	}
}

func TestHandlerCallbackFailuresRedirectWithCodes(t *testing.T) {
	a := newApp(t, true, flow.HandlerOptions{})
	c := browser(t)
	before := rowCounts(t, a.st)
	resp, _ := do(t, c, "GET", a.srv.URL+"/auth/callback/dev?code=x&state=forged", nil)
	if resp.StatusCode != 302 || resp.Header.Get("Location") != a.srv.URL+"/auth/signin?error=OAuthCallbackError" || cookieNamed(resp, "authjs.session-token") != nil {
		t.Fatalf("forged callback: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	a.idp.SetFailures(devidp.FailAccessDenied)
	resp = signInThroughHandler(t, c, a, "/")
	if resp.Header.Get("Location") != a.srv.URL+"/auth/signin?error=OAuthCallbackError" || cookieNamed(resp, "authjs.session-token") != nil {
		t.Fatalf("refused at the provider: %s", resp.Header.Get("Location"))
	}
	assertUnchanged(t, a.st, before)
}

// TestJWTRevocationAcrossInstances: two handlers (two instances) share one
// database; a JWT session signed out on one is refused by both at once.
func TestJWTRevocationAcrossInstances(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) store.Store{
		"sqlite":   func(t *testing.T) store.Store { return newStore(t) },
		"postgres": openPostgres,
	} {
		t.Run(name, func(t *testing.T) { revocationAcrossInstances(t, open(t)) })
	}
}

func revocationAcrossInstances(t *testing.T, st store.Store) {
	idp := devidp.StartTest(t, devidp.Options{})
	var apps []*httptest.Server
	for range 2 {
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		e, err := flow.New(flow.Config{Providers: []*providers.Provider{oidcProvider(idp, "dev")}, Secrets: []string{testSecret},
			BaseURL: apps0(apps, srv) + "/auth", Store: st, Strategy: flow.JWT, Revocation: true})
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle("/auth/", flow.NewHandler(e, flow.HandlerOptions{}))
		apps = append(apps, srv)
	}
	// Both instances sit behind one origin in production; here the second
	// is reached at its own address with the first one's cookie.
	a := &app{srv: apps[0], idp: idp, st: st}
	c := browser(t)
	signInThroughHandler(t, c, a, "/")
	u, _ := url.Parse(apps[0].URL)
	cookie := c.Jar.Cookies(u)
	other := browser(t)
	u2, _ := url.Parse(apps[1].URL)
	other.Jar.SetCookies(u2, cookie)
	if _, body := do(t, other, "GET", apps[1].URL+"/auth/session", nil); !strings.Contains(body, "dev@example.com") {
		t.Fatalf("the other instance does not read the session: %s", body)
	}
	tok := csrf(t, c, a)
	do(t, c, "POST", apps[0].URL+"/auth/signout", url.Values{"csrfToken": {tok}})
	if _, body := do(t, other, "GET", apps[1].URL+"/auth/session", nil); strings.TrimSpace(body) != "null" {
		t.Fatalf("a revoked JWT still reads on the other instance: %s", body)
	}
}

// apps0 is the origin every instance is configured with: the first's.
func apps0(apps []*httptest.Server, srv *httptest.Server) string {
	if len(apps) > 0 {
		return apps[0].URL
	}
	return srv.URL
}

// TestSignedSessionsAndJWKS: with a JWS session codec, the session cookie
// is a signed JWT that another service verifies with the keys /jwks serves.
func TestSignedSessionsAndJWKS(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := session.NewKey("k1", "ES256", priv)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := session.NewJWS([]session.Key{key})
	if err != nil {
		t.Fatal(err)
	}
	idp := devidp.StartTest(t, devidp.Options{})
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e, err := flow.New(flow.Config{Providers: []*providers.Provider{oidcProvider(idp, "dev")}, Secrets: []string{testSecret},
		BaseURL: srv.URL + "/auth", SessionCodec: codec})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/auth/", flow.NewHandler(e, flow.HandlerOptions{}))
	a := &app{srv: srv, idp: idp}
	c := browser(t)
	resp := signInThroughHandler(t, c, a, "/")
	cookie := cookieNamed(resp, "authjs.session-token")
	if cookie == nil || strings.Count(cookie.Value, ".") != 2 {
		t.Fatalf("the session cookie is not a JWS: %v", cookie)
	}
	keys, err := session.LoadKeys(context.Background(), srv.URL+"/auth/jwks", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := session.NewJWS(keys)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := session.Decode(verifier, cookie.Value, time.Now())
	if err != nil || tok.Claims["email"] != "dev@example.com" {
		t.Fatalf("another service cannot verify the session: %v", err)
	}
	if _, body := do(t, c, "GET", srv.URL+"/auth/session", nil); !strings.Contains(body, "dev@example.com") {
		t.Fatalf("session %s", body)
	}
	plain := newApp(t, false, flow.HandlerOptions{})
	if resp, _ := do(t, browser(t), "GET", plain.srv.URL+"/auth/jwks", nil); resp.StatusCode != 404 {
		t.Fatalf("/jwks with encrypted sessions: %d", resp.StatusCode)
	}
}

// TestDatabaseSessionUpdateAge: a database session's expiry moves only
// once UpdateAge has passed since it was last set.
func TestDatabaseSessionUpdateAge(t *testing.T) {
	idp := devidp.StartTest(t, devidp.Options{})
	st := newStore(t)
	now := time.Now()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e, err := flow.New(flow.Config{Providers: []*providers.Provider{oidcProvider(idp, "dev")}, Secrets: []string{testSecret},
		BaseURL: srv.URL + "/auth", Store: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/auth/", flow.NewHandler(e, flow.HandlerOptions{UpdateAge: time.Hour}))
	a := &app{srv: srv, idp: idp, st: st}
	c := browser(t)
	signInThroughHandler(t, c, a, "/")
	expiry := func() time.Time {
		rows, err := st.ListSessions(context.Background(), store.SessionQuery{})
		if err != nil || len(rows) != 1 {
			t.Fatalf("%v %v", rows, err)
		}
		return rows[0].Expires
	}
	first := expiry()
	now = now.Add(30 * time.Minute)
	if do(t, c, "GET", srv.URL+"/auth/session", nil); !expiry().Equal(first) {
		t.Fatal("the expiry moved before UpdateAge")
	}
	now = now.Add(time.Hour)
	resp, _ := do(t, c, "GET", srv.URL+"/auth/session", nil)
	moved := expiry()
	if !moved.After(first) {
		t.Fatal("the expiry did not move after UpdateAge")
	}
	// As Auth.js, every read sends the cookie again with the row's expiry.
	if ck := cookieNamed(resp, "authjs.session-token"); ck == nil || ck.Expires.Unix() != moved.Unix() {
		t.Fatalf("the session cookie does not carry the new expiry: %v", ck)
	}
}

// TestCustomPages: pages replace the built-in ones as Auth.js pages do.
func TestCustomPages(t *testing.T) {
	a := newApp(t, false, flow.HandlerOptions{Pages: flow.Pages{SignIn: "/login", Error: "/oops", SignOut: "/bye", VerifyRequest: "/check-email"}})
	c := browser(t)
	for path, want := range map[string]string{
		"/auth/signin?callbackUrl=%2Fx":       "/login?callbackUrl=%2Fx",
		"/auth/error?error=AccessDenied":      "/oops?error=AccessDenied",
		"/auth/signout":                       "/bye",
		"/auth/verify-request?provider=email": "/check-email?provider=email",
	} {
		resp, _ := do(t, c, "GET", a.srv.URL+path, nil)
		if resp.StatusCode != 302 || resp.Header.Get("Location") != want {
			t.Errorf("%s: %d %s, want %s", path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	if resp, _ := do(t, c, "GET", a.srv.URL+"/dashboard", nil); !strings.HasPrefix(resp.Header.Get("Location"), "/login?callbackUrl=") {
		t.Fatalf("RequireSession with a custom sign-in page: %s", resp.Header.Get("Location"))
	}
}
