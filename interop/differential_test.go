package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/providers"
)

// The differential test: the same scripted requests go to the real
// Auth.js (@auth/express on @auth/core, interop/express-server.mjs) and to
// authkit's flow.Handler, both with the same secret and the same OpenID
// provider (one internal/devidp), JWT sessions and the base path /auth.
// Their answers are normalised (status, content type family,
// Cache-Control, JSON shape, redirect target, cookie names and
// attributes; random values masked, each server's own origin replaced by
// ORIGIN) and must be equal, except where `deliberate` lists the
// difference with its reason. The README's list of deliberate differences
// is this list.

// Test-only values shared by both servers.
const (
	diffSecret       = "authkit-differential-test-secret-0123456789abcdef"
	diffClientID     = "authkit-differential-client"
	diffClientSecret = "authkit-differential-client-secret"
	diffProviderName = "Dev"
)

// deliberateDiff is a difference authkit keeps on purpose. Case is
// "<scenario>/<step>", or "*/<step>" for that step in every scenario;
// Field is a field of the normalised response (see observe), or "*" for
// all of them. Authkit, when set, is the value authkit must answer (its
// normalised form, "(absent)" for none), so that an entry excuses one
// known answer and not any.
type deliberateDiff struct {
	Case, Field, Authkit, Reason string
}

// deliberate lists every difference from Auth.js that authkit keeps on
// purpose. Anything else that differs fails the test, and so does an entry
// here that no longer matches any difference.
var deliberate = []deliberateDiff{
	// State and nonce: authkit always sends state, and a nonce to OpenID
	// providers; Auth.js's default checks for an "oidc" provider are PKCE
	// only.
	{"*/POST /auth/signin/dev", "location?state", "<random>", reasonStateNonce},
	{"*/POST /auth/signin/dev", "location?nonce", "<random>", reasonStateNonce},
	{"*/POST /auth/signin/dev", "set-cookie authjs.state", checkCookieSet, reasonStateNonce},
	{"*/POST /auth/signin/dev", "set-cookie authjs.nonce", checkCookieSet, reasonStateNonce},
	{"signin-post-with-csrf-return-redirect/POST /auth/signin/dev", "body.url?state", "<random>", reasonStateNonce},
	{"signin-post-with-csrf-return-redirect/POST /auth/signin/dev", "body.url?nonce", "<random>", reasonStateNonce},
	{"*/IdP redirect", "location?state", "<random>", reasonStateNonce + " (the provider echoes the state)"},
	// Check cookies are used up by every callback.
	{"*/GET /auth/callback/dev", "set-cookie authjs.state", cookieCleared, reasonChecksCleared},
	{"*/GET /auth/callback/dev", "set-cookie authjs.nonce", cookieCleared, reasonChecksCleared},
	{"*/GET /auth/callback/dev", "set-cookie authjs.pkce.code_verifier", cookieCleared, reasonChecksCleared},
	{"*/POST /auth/callback/dev", "set-cookie authjs.state", cookieCleared, reasonChecksCleared},
	{"*/POST /auth/callback/dev", "set-cookie authjs.nonce", cookieCleared, reasonChecksCleared},
	{"*/POST /auth/callback/dev", "set-cookie authjs.pkce.code_verifier", cookieCleared, reasonChecksCleared},
	{"callback-unknown-provider/GET /auth/callback/nope", "set-cookie authjs.state", cookieCleared, reasonChecksCleared},
	{"callback-unknown-provider/GET /auth/callback/nope", "set-cookie authjs.nonce", cookieCleared, reasonChecksCleared},
	{"callback-unknown-provider/GET /auth/callback/nope", "set-cookie authjs.pkce.code_verifier", cookieCleared, reasonChecksCleared},
	// A callback whose check cookies are missing or forged.
	{"callback-forged-state/GET /auth/callback/dev", "location", "ORIGIN/auth/signin", reasonInvalidCheck},
	{"callback-forged-state/GET /auth/callback/dev", "location?error", "OAuthCallbackError", reasonInvalidCheck},
	{"callback-post-without-checks/POST /auth/callback/dev", "location", "ORIGIN/auth/signin", reasonInvalidCheck},
	{"callback-post-without-checks/POST /auth/callback/dev", "location?error", "OAuthCallbackError", reasonInvalidCheck},
	{"callback-params-posted-for-a-query-provider/POST /auth/callback/dev", "location", "ORIGIN/auth/signin", reasonInvalidCheck},
	{"callback-params-posted-for-a-query-provider/POST /auth/callback/dev", "location?error", "OAuthCallbackError", reasonInvalidCheck},
	// Sign-out clears the session cookie even when the request has none.
	{"*/POST /auth/signout", "set-cookie authjs.session-token", cookieCleared,
		"sign-out always sends Max-Age=0 for the session cookie (security catalogue 2f #108); Auth.js clears only the cookies the request carried"},
	// authkit's own route.
	{"jwks/GET /auth/jwks", "*", "",
		"/jwks is authkit's route for the public keys of signed (JWS) sessions (404 \"Not found.\" with encrypted ones); Auth.js has no such action (400 \"Bad request.\")"},
	// No WebAuthn.
	{"webauthn-options/GET /auth/webauthn-options/dev", "*", "",
		"authkit has no WebAuthn, so webauthn-options is an unknown action (400 \"Bad request.\"); Auth.js knows the action and, without a WebAuthn provider, redirects to error=Configuration"},
}

const (
	checkCookieSet   = "value=<set>; Path=/; Max-Age=900; Expires; httponly; SameSite=lax"
	cookieCleared    = "value=<empty>; Path=/; Max-Age=0; httponly; SameSite=lax"
	reasonStateNonce = "authkit always sends state, and a nonce to OpenID providers, each in its own sealed 15-minute cookie " +
		"(DESIGN: Flow; security catalogue 2a #1-#8); Auth.js's default checks for an oidc provider are PKCE only"
	reasonChecksCleared = "every callback clears the state, PKCE and nonce cookies, whether it succeeds or fails " +
		"(security catalogue 2f #106); Auth.js clears only the checks it used, and none when the callback fails before them"
	reasonInvalidCheck = "a callback that fails its checks (state, PKCE or nonce cookie missing, expired, forged or for another provider; " +
		"the state or iss parameter missing) goes back to the sign-in page with OAuthCallbackError, so that the user can start again " +
		"(security catalogue 2a #3); Auth.js reports these failures (InvalidCheck, a missing iss) as error=Configuration, the server-misconfiguration page"
)

// ---- the two servers ------------------------------------------------------

// diffSide is one server under test.
type diffSide struct {
	name   string // "authjs" or "authkit"
	origin string // http://127.0.0.1:PORT
	idp    *devidp.Server
}

// expressAuthNode returns the node binary, or skips (fails under
// AUTHKIT_REQUIRE_ALL=1) without node or the installed packages.
func expressAuthNode(t *testing.T) string {
	t.Helper()
	node := testenv.Command(t, "node")
	for _, p := range []string{"@auth/express", "@auth/core", "express"} {
		if _, err := os.Stat(filepath.Join("node_modules", p, "package.json")); err != nil {
			testenv.Missing(t, "interop/node_modules/"+p+" is missing (run `npm ci` in interop/)")
		}
	}
	return node
}

// startExpressAuth runs interop/express-server.mjs on a free port of
// 127.0.0.1 and returns its origin. It is stopped (SIGTERM, then killed)
// when the test ends, and stops by itself when its stdin closes.
func startExpressAuth(t *testing.T, node string, idp *devidp.Server) (origin string, stderr *testenv.Buffer) {
	t.Helper()
	cmd := exec.Command(node, "express-server.mjs", "0")
	// Auth.js reads AUTH_* (and NEXTAUTH_*) variables itself: keep the
	// caller's out of it, so that only what is set here counts.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AUTH_") && !strings.HasPrefix(kv, "NEXTAUTH_") && !strings.HasPrefix(kv, "IDP_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"AUTH_SECRET="+diffSecret,
		"IDP_ISSUER="+idp.Issuer(),
		"IDP_CLIENT_ID="+diffClientID,
		"IDP_CLIENT_SECRET="+diffClientSecret,
		"IDP_NAME="+diffProviderName,
	)
	var r struct {
		URL string `json:"url"`
	}
	stderr = testenv.StartReady(t, cmd, &r)
	if !strings.HasPrefix(r.URL, "http://127.0.0.1:") {
		t.Fatalf("express-server.mjs printed no URL\n%s", stderr.String())
	}
	return r.URL, stderr
}

// startAuthkit serves flow.Handler at /auth of a fresh httptest server on
// 127.0.0.1, configured like express-server.mjs: the dev provider, the
// same secret, JWT sessions, no database.
func startAuthkit(t *testing.T, idp *devidp.Server) string {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p := providers.NewOIDC("dev", diffProviderName, idp.Issuer())
	p.ClientID, p.ClientSecret = diffClientID, diffClientSecret
	e, err := flow.New(flow.Config{Providers: []*providers.Provider{p}, Secrets: []string{diffSecret},
		BaseURL: srv.URL + "/auth", Strategy: flow.JWT})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/auth/", flow.NewHandler(e, flow.HandlerOptions{}))
	return srv.URL
}

// ---- one scenario on one side ---------------------------------------------

// diffRun plays one scenario against one side: its own cookie jar, no
// redirects followed, and the normalised responses it chose to compare.
type diffRun struct {
	t    *testing.T
	side *diffSide
	c    *http.Client
	jar  http.CookieJar
	obs  []diffObservation
}

type diffResponse struct {
	*http.Response
	body []byte
}

func (r *diffRun) url(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return r.side.origin + path
}

// do sends a request; form, when not nil, is the urlencoded body. header
// holds name, value pairs.
func (r *diffRun) do(method, path string, form url.Values, header ...string) *diffResponse {
	r.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, r.url(path), body)
	if err != nil {
		r.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := r.c.Do(req)
	if err != nil {
		r.t.Fatalf("%s: %s %s: %v", r.side.name, method, path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return &diffResponse{resp, b}
}

// see records a response under label for the comparison.
func (r *diffRun) see(label string, resp *diffResponse) {
	r.obs = append(r.obs, diffObservation{label: label, fields: r.side.observe(resp)})
}

// csrf fetches a CSRF token (the cookie lands in the jar).
func (r *diffRun) csrf() string {
	r.t.Helper()
	resp := r.do("GET", "/auth/csrf", nil)
	var v struct {
		CsrfToken string `json:"csrfToken"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(resp.body, &v) != nil || !hex64.MatchString(v.CsrfToken) {
		r.t.Fatalf("%s: GET /auth/csrf: %d %s", r.side.name, resp.StatusCode, resp.body)
	}
	return v.CsrfToken
}

// setCookie puts a cookie in the jar for the side's origin.
func (r *diffRun) setCookie(name, value string) {
	u, _ := url.Parse(r.side.origin)
	r.jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// signIn posts the sign-in form with a CSRF token, and returns the
// authorization redirect.
func (r *diffRun) signIn(callbackURL string) *diffResponse {
	r.t.Helper()
	tok := r.csrf()
	form := url.Values{"csrfToken": {tok}}
	if callbackURL != "" {
		form.Set("callbackUrl", callbackURL)
	}
	return r.do("POST", "/auth/signin/dev", form)
}

// follow requests a response's Location.
func (r *diffRun) follow(resp *diffResponse) *diffResponse {
	r.t.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || loc == "" {
		r.t.Fatalf("%s: expected a redirect to follow, got %d %q %s", r.side.name, resp.StatusCode, loc, resp.body)
	}
	return r.do("GET", loc, nil)
}

// ---- normalisation --------------------------------------------------------

// diffObservation is one normalised response: field name → value. A field
// that does not apply (no Location, say) is absent.
type diffObservation struct {
	label  string
	fields map[string]string
}

var (
	hex64   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	isoDate = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	formRE  = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	inputRE = regexp.MustCompile(`(?is)<(?:input|button)\b([^>]*)>`)
	attrRE  = regexp.MustCompile(`(?is)\b([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')`)
)

// randomParams are the query parameters whose values are random per
// request: compared as present or absent only.
var randomParams = map[string]bool{"state": true, "nonce": true, "code_challenge": true, "code": true}

// text replaces the side's own origin, and the provider's, with ORIGIN
// and IDP.
func (s *diffSide) text(v string) string {
	v = strings.ReplaceAll(v, s.origin, "ORIGIN")
	v = strings.ReplaceAll(v, url.QueryEscape(s.origin), url.QueryEscape("ORIGIN"))
	return strings.ReplaceAll(v, s.idp.URL(), "IDP")
}

// urlFields normalises a URL: prefix+"" is the URL without its query
// (origin replaced), prefix+"?name" each query parameter (random ones
// masked, scope as a sorted set of scopes, the rest origin-normalised).
func (s *diffSide) urlFields(prefix, raw string, out map[string]string) {
	u, err := url.Parse(raw)
	if err != nil {
		out[prefix] = "unparsable: " + s.text(raw)
		return
	}
	q := u.Query()
	u.RawQuery = ""
	out[prefix] = s.text(u.String())
	for name, vs := range q {
		vals := make([]string, len(vs))
		for i, v := range vs {
			switch {
			case randomParams[name] && v != "":
				vals[i] = "<random>"
			case name == "scope":
				f := strings.Fields(v)
				sort.Strings(f)
				vals[i] = strings.Join(f, " ")
			default:
				vals[i] = s.text(v)
			}
		}
		out[prefix+"?"+name] = strings.Join(vals, " & ")
	}
}

// jsonShape keeps a JSON value's structure and its fixed values, and
// masks what is random: 64-hex strings, ISO dates, numbers; each URL
// string is origin-normalised with random query values masked.
func (s *diffSide) jsonShape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			out[k] = s.jsonShape(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = s.jsonShape(val)
		}
		return out
	case string:
		switch {
		case hex64.MatchString(x):
			return "<hex64>"
		case isoDate.MatchString(x):
			return "<iso-date>"
		case strings.HasPrefix(x, "http://") || strings.HasPrefix(x, "https://"):
			f := map[string]string{}
			s.urlFields("", x, f)
			keys := make([]string, 0, len(f))
			for k := range f {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			parts := []string{f[""]}
			for _, k := range keys {
				if k != "" {
					parts = append(parts, k+"="+f[k])
				}
			}
			return strings.Join(parts, " ")
		}
		return s.text(x)
	case float64, json.Number:
		return "<number>"
	}
	return v
}

// cookieAttrs normalises one Set-Cookie line: whether it sets a value or
// empties it, then the attributes in a fixed order (Expires by presence
// only).
func cookieAttrs(line string) (name, attrs string) {
	parts := strings.Split(line, ";")
	name, value, _ := strings.Cut(strings.TrimSpace(parts[0]), "=")
	got := map[string]string{}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		got[strings.ToLower(k)] = v
	}
	out := []string{"value=<set>"}
	if value == "" {
		out[0] = "value=<empty>"
	}
	if v, ok := got["domain"]; ok {
		out = append(out, "Domain="+v)
	}
	if v, ok := got["path"]; ok {
		out = append(out, "Path="+v)
	}
	if v, ok := got["max-age"]; ok {
		out = append(out, "Max-Age="+v)
	}
	if _, ok := got["expires"]; ok {
		out = append(out, "Expires")
	}
	for _, flag := range []string{"httponly", "secure", "partitioned"} {
		if _, ok := got[flag]; ok {
			out = append(out, flag)
		}
	}
	if v, ok := got["samesite"]; ok {
		out = append(out, "SameSite="+strings.ToLower(v))
	}
	return name, strings.Join(out, "; ")
}

// forms summarises the page's forms: method, action (origin-normalised,
// query dropped) and whether it posts a csrfToken, sorted. Other fields,
// and the rest of the page, are each implementation's own: Auth.js's
// sign-out form carries callbackUrl in its action's query, authkit's in a
// hidden field.
func (s *diffSide) forms(page string) string {
	var out []string
	for _, m := range formRE.FindAllStringSubmatch(page, -1) {
		attrs := htmlAttrs(m[1])
		csrf := "without csrfToken"
		for _, in := range inputRE.FindAllStringSubmatch(m[2], -1) {
			if htmlAttrs(in[1])["name"] == "csrfToken" {
				csrf = "with csrfToken"
			}
		}
		method := strings.ToUpper(attrs["method"])
		if method == "" {
			method = "GET"
		}
		action, _, _ := strings.Cut(attrs["action"], "?")
		out = append(out, fmt.Sprintf("%s %s %s", method, s.text(action), csrf))
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "(no form)"
	}
	return strings.Join(out, " | ")
}

func htmlAttrs(s string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRE.FindAllStringSubmatch(s, -1) {
		v := m[2]
		if v == "" {
			v = m[3]
		}
		out[strings.ToLower(m[1])] = strings.ReplaceAll(v, "&amp;", "&")
	}
	return out
}

// observe normalises a response into fields:
//   - status
//   - content-type: the media type, parameters dropped
//   - cache-control: for non-HTML answers
//   - body: JSON shape (jsonShape); for other non-HTML types empty or not;
//     body.url, body.url?<param>: the URL of an {"url"} answer (urlFields)
//   - page: for HTML, the forms (forms); the rest of the page is ours
//   - location, location?<param>: the redirect target (urlFields)
//   - set-cookie <name>: each Set-Cookie of that name (cookieAttrs); the
//     callback-url cookie's value, which is not random, origin-normalised
func (s *diffSide) observe(resp *diffResponse) map[string]string {
	f := map[string]string{"status": fmt.Sprint(resp.StatusCode)}
	ct := strings.ToLower(strings.TrimSpace(strings.Split(resp.Header.Get("Content-Type"), ";")[0]))
	f["content-type"] = ct
	switch {
	case ct == "text/html":
		f["page"] = s.forms(string(resp.body))
	case ct == "application/json":
		var v any
		if err := json.Unmarshal(resp.body, &v); err != nil {
			f["body"] = "invalid JSON: " + err.Error()
			break
		}
		// {"url": ...}, the X-Auth-Return-Redirect answer: the URL is
		// compared as a Location is.
		if m, ok := v.(map[string]any); ok && len(m) == 1 {
			if u, ok := m["url"].(string); ok {
				s.urlFields("body.url", u, f)
				m["url"] = "<url>"
			}
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s.jsonShape(v))
		f["body"] = strings.TrimSpace(b.String())
	case len(bytes.TrimSpace(resp.body)) == 0:
		f["body"] = "(empty)"
	default:
		f["body"] = "(text)"
	}
	if ct != "text/html" {
		f["cache-control"] = resp.Header.Get("Cache-Control")
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		s.urlFields("location", loc, f)
	}
	cookies := map[string][]string{}
	for _, line := range resp.Header.Values("Set-Cookie") {
		name, attrs := cookieAttrs(line)
		if name == "authjs.callback-url" {
			// Not random: the absolute URL the flow returns to.
			raw, _, _ := strings.Cut(strings.TrimPrefix(line, name+"="), ";")
			if v, err := url.QueryUnescape(raw); err == nil && v != "" {
				attrs = strings.Replace(attrs, "value=<set>", "value="+s.text(v), 1)
			}
		}
		cookies[name] = append(cookies[name], attrs)
	}
	for name, lines := range cookies {
		f["set-cookie "+name] = strings.Join(lines, " + ")
	}
	return f
}

// ---- the scenarios --------------------------------------------------------

type diffScenario struct {
	name string
	run  func(r *diffRun)
}

// seeOne is a scenario of one request.
func seeOne(method, path string, form url.Values, header ...string) func(r *diffRun) {
	return func(r *diffRun) { r.see(method+" "+path, r.do(method, path, form, header...)) }
}

func diffScenarios(idp *devidp.Server) []diffScenario {
	garbage := "not-a-jwe.garbage"
	return []diffScenario{
		{"csrf", seeOne("GET", "/auth/csrf", nil)},
		{"csrf-reused", func(r *diffRun) {
			r.csrf()
			r.see("GET /auth/csrf again", r.do("GET", "/auth/csrf", nil))
		}},
		{"csrf-cookie-of-another-secret", func(r *diffRun) {
			r.setCookie("authjs.csrf-token", strings.Repeat("a", 64)+"%7C"+strings.Repeat("b", 64))
			r.see("GET /auth/csrf", r.do("GET", "/auth/csrf", nil))
		}},
		{"providers", seeOne("GET", "/auth/providers", nil)},
		{"session-without-cookie", seeOne("GET", "/auth/session", nil)},
		{"session-garbage-cookie", func(r *diffRun) {
			r.setCookie("authjs.session-token", garbage)
			r.see("GET /auth/session", r.do("GET", "/auth/session", nil))
		}},
		{"signin-page", seeOne("GET", "/auth/signin", nil)},
		{"signin-page-callbackurl", seeOne("GET", "/auth/signin?callbackUrl=%2Fdashboard", nil)},
		{"signin-get-provider", seeOne("GET", "/auth/signin/dev", nil)},
		{"signin-post-without-csrf", seeOne("POST", "/auth/signin/dev", url.Values{})},
		{"signin-post-wrong-csrf", func(r *diffRun) {
			r.csrf()
			r.see("POST /auth/signin/dev", r.do("POST", "/auth/signin/dev", url.Values{"csrfToken": {strings.Repeat("0", 64)}}))
		}},
		{"signin-post-without-csrf-return-redirect", seeOne("POST", "/auth/signin/dev", url.Values{}, "X-Auth-Return-Redirect", "1")},
		{"signin-post-with-csrf", func(r *diffRun) {
			r.see("POST /auth/signin/dev", r.signIn("/dashboard?tab=1"))
		}},
		{"signin-post-with-csrf-return-redirect", func(r *diffRun) {
			tok := r.csrf()
			r.see("POST /auth/signin/dev", r.do("POST", "/auth/signin/dev", url.Values{"csrfToken": {tok}}, "X-Auth-Return-Redirect", "1"))
		}},
		{"signin-post-unknown-provider", func(r *diffRun) {
			tok := r.csrf()
			r.see("POST /auth/signin/nope", r.do("POST", "/auth/signin/nope", url.Values{"csrfToken": {tok}}))
		}},
		{"full-sign-in", func(r *diffRun) {
			authz := r.signIn("/dashboard?tab=1")
			r.see("POST /auth/signin/dev", authz)
			back := r.follow(authz)
			r.see("IdP redirect", back)
			cb := r.follow(back)
			r.see("GET /auth/callback/dev", cb)
			r.see("GET /auth/session", r.do("GET", "/auth/session", nil))
			r.see("GET /auth/session again", r.do("GET", "/auth/session", nil))
			r.see("POST /auth/session without csrf", r.do("POST", "/auth/session", url.Values{}))
			tok := r.csrf()
			r.see("POST /auth/session with csrf", r.do("POST", "/auth/session", url.Values{"csrfToken": {tok}}))
			r.see("GET /auth/signout", r.do("GET", "/auth/signout", nil))
			r.see("POST /auth/signout without csrf", r.do("POST", "/auth/signout", url.Values{}))
			r.see("POST /auth/signout with csrf", r.do("POST", "/auth/signout", url.Values{"csrfToken": {tok}, "callbackUrl": {"/bye"}}))
			r.see("GET /auth/session after sign-out", r.do("GET", "/auth/session", nil))
		}},
		{"full-sign-in-foreign-callbackurl", func(r *diffRun) {
			authz := r.signIn("https://evil.example/dashboard")
			r.see("POST /auth/signin/dev", authz)
			r.see("GET /auth/callback/dev", r.follow(r.follow(authz)))
		}},
		{"signin-page-callbackurl-remembered", func(r *diffRun) {
			r.see("GET /auth/signin?callbackUrl=/dashboard", r.do("GET", "/auth/signin?callbackUrl=%2Fdashboard", nil))
			authz := r.signIn("")
			r.see("POST /auth/signin/dev", authz)
			r.see("GET /auth/callback/dev", r.follow(r.follow(authz)))
		}},
		{"signout-callbackurl-remembered", func(r *diffRun) {
			r.follow(r.follow(r.signIn("/dashboard")))
			tok := r.csrf()
			r.see("POST /auth/signout", r.do("POST", "/auth/signout", url.Values{"csrfToken": {tok}}))
		}},
		{"signout-page-callbackurl", func(r *diffRun) {
			r.see("GET /auth/signout?callbackUrl=/bye", r.do("GET", "/auth/signout?callbackUrl=%2Fbye", nil))
			tok := r.csrf()
			r.see("POST /auth/signout", r.do("POST", "/auth/signout", url.Values{"csrfToken": {tok}}))
		}},
		{"callback-params-posted-for-a-query-provider", func(r *diffRun) {
			back := r.follow(r.signIn("/dashboard"))
			u, err := url.Parse(back.Header.Get("Location"))
			if err != nil {
				r.t.Fatal(err)
			}
			params := u.Query()
			u.RawQuery = ""
			r.see("POST /auth/callback/dev", r.do("POST", u.String(), params))
		}},
		{"sign-in-refused-at-provider", func(r *diffRun) {
			idp.SetFailures(devidp.FailAccessDenied)
			defer idp.SetFailures()
			back := r.follow(r.signIn(""))
			r.see("IdP redirect", back)
			r.see("GET /auth/callback/dev", r.follow(back))
		}},
		{"callback-forged-state", func(r *diffRun) {
			q := url.Values{"code": {"forged-code"}, "state": {"forged-state"}, "iss": {idp.Issuer()}}
			r.see("GET /auth/callback/dev", r.do("GET", "/auth/callback/dev?"+q.Encode(), nil))
		}},
		{"callback-provider-error-without-checks", func(r *diffRun) {
			q := url.Values{"error": {"access_denied"}, "iss": {idp.Issuer()}}
			r.see("GET /auth/callback/dev", r.do("GET", "/auth/callback/dev?"+q.Encode(), nil))
		}},
		{"callback-post-without-checks", func(r *diffRun) {
			q := url.Values{"code": {"forged-code"}, "iss": {idp.Issuer()}}
			r.see("POST /auth/callback/dev", r.do("POST", "/auth/callback/dev?"+q.Encode(), q))
		}},
		{"callback-unknown-provider", seeOne("GET", "/auth/callback/nope", nil)},
		{"signout-page", seeOne("GET", "/auth/signout", nil)},
		{"signout-post-without-csrf", seeOne("POST", "/auth/signout", url.Values{})},
		{"signout-post-with-csrf", func(r *diffRun) {
			tok := r.csrf()
			r.see("POST /auth/signout", r.do("POST", "/auth/signout", url.Values{"csrfToken": {tok}}))
		}},
		{"signout-post-foreign-callbackurl", func(r *diffRun) {
			tok := r.csrf()
			r.see("POST /auth/signout", r.do("POST", "/auth/signout", url.Values{"csrfToken": {tok}, "callbackUrl": {"https://evil.example/"}}))
		}},
		{"signout-post-garbage-session", func(r *diffRun) {
			tok := r.csrf()
			r.setCookie("authjs.session-token", garbage)
			r.see("POST /auth/signout", r.do("POST", "/auth/signout", url.Values{"csrfToken": {tok}}))
		}},
		{"error-page", seeOne("GET", "/auth/error", nil)},
		{"error-AccessDenied", seeOne("GET", "/auth/error?error=AccessDenied", nil)},
		{"error-Configuration", seeOne("GET", "/auth/error?error=Configuration", nil)},
		{"error-Verification", seeOne("GET", "/auth/error?error=Verification", nil)},
		{"error-OAuthAccountNotLinked", seeOne("GET", "/auth/error?error=OAuthAccountNotLinked", nil)},
		{"error-unknown-code", seeOne("GET", "/auth/error?error=NoSuchCode", nil)},
		{"verify-request", seeOne("GET", "/auth/verify-request", nil)},
		{"unknown-action", seeOne("GET", "/auth/nope", nil)},
		{"extra-segment", seeOne("GET", "/auth/session/extra", nil)},
		{"put-session", seeOne("PUT", "/auth/session", url.Values{})},
		{"delete-session", seeOne("DELETE", "/auth/session", nil)},
		{"post-csrf", seeOne("POST", "/auth/csrf", url.Values{})},
		{"post-providers", seeOne("POST", "/auth/providers", url.Values{})},
		{"post-error", seeOne("POST", "/auth/error", url.Values{})},
		{"post-verify-request", seeOne("POST", "/auth/verify-request", url.Values{})},
		{"post-signin-page", func(r *diffRun) {
			tok := r.csrf()
			r.see("POST /auth/signin", r.do("POST", "/auth/signin", url.Values{"csrfToken": {tok}}))
		}},
		{"post-signin-page-without-csrf", seeOne("POST", "/auth/signin", url.Values{})},
		{"webauthn-options", seeOne("GET", "/auth/webauthn-options/dev", nil)},
		{"jwks", seeOne("GET", "/auth/jwks", nil)},
		{"post-session-without-csrf", seeOne("POST", "/auth/session", url.Values{})},
		{"post-session-with-csrf", func(r *diffRun) {
			tok := r.csrf()
			r.see("POST /auth/session", r.do("POST", "/auth/session", url.Values{"csrfToken": {tok}}))
		}},
		{"post-session-with-csrf-json", func(r *diffRun) {
			tok := r.csrf()
			req, _ := json.Marshal(map[string]string{"csrfToken": tok})
			hreq, _ := http.NewRequest("POST", r.url("/auth/session"), bytes.NewReader(req))
			hreq.Header.Set("Content-Type", "application/json")
			resp, err := r.c.Do(hreq)
			if err != nil {
				r.t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			r.see("POST /auth/session (JSON)", &diffResponse{resp, b})
		}},
	}
}

// ---- the test -------------------------------------------------------------

type diffFound struct {
	key, field, authjs, authkit string
}

func TestDifferentialAuthJS(t *testing.T) {
	node := expressAuthNode(t)
	idp := devidp.StartTest(t, devidp.Options{ClientID: diffClientID, ClientSecret: diffClientSecret,
		Users: []devidp.User{{Email: "ada@example.com", Name: "Ada Lovelace"}}})
	expressOrigin, nodeLog := startExpressAuth(t, node, idp)
	authjs := &diffSide{name: "authjs", origin: expressOrigin, idp: idp}
	authkit := &diffSide{name: "authkit", origin: startAuthkit(t, idp), idp: idp}

	used := make([]bool, len(deliberate))
	for _, sc := range diffScenarios(idp) {
		t.Run(sc.name, func(t *testing.T) {
			a, g := newDiffRun(t, authjs), newDiffRun(t, authkit)
			sc.run(a)
			sc.run(g)
			if len(a.obs) != len(g.obs) {
				t.Fatalf("%d responses from Auth.js, %d from authkit", len(a.obs), len(g.obs))
			}
			for i := range a.obs {
				key := sc.name + "/" + a.obs[i].label
				if testing.Verbose() {
					t.Logf("%s (Auth.js):%s", key, summary(a.obs[i].fields))
				}
				for _, d := range compareObservations(key, a.obs[i].fields, g.obs[i].fields) {
					excused := false
					for k, del := range deliberate {
						if del.matches(d) {
							used[k], excused = true, true
						}
					}
					if excused {
						t.Logf("deliberate: %s: %s\n\tAuth.js: %s\n\tauthkit: %s", d.key, d.field, d.authjs, d.authkit)
						continue
					}
					t.Errorf("%s: %s differs\n\tAuth.js: %s\n\tauthkit: %s", d.key, d.field, d.authjs, d.authkit)
				}
			}
		})
	}
	for k, del := range deliberate {
		if !used[k] {
			t.Errorf("the deliberate difference (%s, %s, authkit %q) did not occur: if authkit now answers like Auth.js (or otherwise), update this list and the README", del.Case, del.Field, del.Authkit)
		}
	}

	// The two share a secret and a cookie name, so each reads the other's
	// session cookie as its own, and answers the same session.
	t.Run("session-cookie-crosses-over", func(t *testing.T) {
		for _, pair := range [][2]*diffSide{{authjs, authkit}, {authkit, authjs}} {
			from, to := pair[0], pair[1]
			src := newDiffRun(t, from)
			src.follow(src.follow(src.signIn("/")))
			own := src.do("GET", "/auth/session", nil)
			u, _ := url.Parse(from.origin)
			var token string
			for _, c := range src.jar.Cookies(u) {
				if c.Name == "authjs.session-token" {
					token = c.Value
				}
			}
			if token == "" {
				t.Fatalf("no session cookie after signing in with %s", from.name)
			}
			dst := newDiffRun(t, to)
			dst.setCookie("authjs.session-token", token)
			other := dst.do("GET", "/auth/session", nil)
			mine, theirs := sessionWithoutExpiry(t, from, own), sessionWithoutExpiry(t, to, other)
			if mine != theirs || !strings.Contains(mine, `"email":"ada@example.com"`) {
				t.Errorf("%s's session cookie: %s answers %s, %s answers %s", from.name, from.name, mine, to.name, theirs)
			}
		}
	})
	if t.Failed() {
		t.Logf("Auth.js's log:\n%s", nodeLog.String())
	}
}

func newDiffRun(t *testing.T, side *diffSide) *diffRun {
	jar, _ := cookiejar.New(nil)
	return &diffRun{t: t, side: side, jar: jar, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// compareObservations lists the fields whose normalised values differ.
func compareObservations(key string, authjs, authkit map[string]string) []diffFound {
	names := map[string]bool{}
	for k := range authjs {
		names[k] = true
	}
	for k := range authkit {
		names[k] = true
	}
	sorted := make([]string, 0, len(names))
	for k := range names {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []diffFound
	for _, k := range sorted {
		av, aok := authjs[k]
		gv, gok := authkit[k]
		if !aok {
			av = "(absent)"
		}
		if !gok {
			gv = "(absent)"
		}
		if av != gv {
			out = append(out, diffFound{key, k, av, gv})
		}
	}
	return out
}

// sessionWithoutExpiry is a /session answer with its expires dropped
// and origins normalised, as JSON.
func sessionWithoutExpiry(t *testing.T, side *diffSide, resp *diffResponse) string {
	t.Helper()
	var v map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(resp.body, &v) != nil || v == nil {
		t.Fatalf("%s: GET /auth/session: %d %s", side.name, resp.StatusCode, resp.body)
	}
	delete(v, "expires")
	b, _ := json.Marshal(v)
	return side.text(string(b))
}

func (d deliberateDiff) matches(f diffFound) bool {
	if (d.Field != "*" && d.Field != f.field) || (d.Authkit != "" && d.Authkit != f.authkit) {
		return false
	}
	if d.Case == "*" || d.Case == f.key {
		return true
	}
	if step, ok := strings.CutPrefix(d.Case, "*/"); ok {
		_, fstep, _ := strings.Cut(f.key, "/")
		return step == fstep
	}
	return false
}

func summary(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n\t%s: %s", k, fields[k])
	}
	return b.String()
}
