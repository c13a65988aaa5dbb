package flow_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/providers"
)

// TestCSRFRejects covers catalogue 2e: every bad token or origin on a
// state-changing POST is refused, no session or check cookie is set, and
// a broken CSRF cookie is replaced.
func TestCSRFRejects(t *testing.T) {
	a := newApp(t, true, flow.HandlerOptions{})
	c := browser(t)
	tok := csrf(t, c, a)
	u, _ := url.Parse(a.srv.URL)
	before := rowCounts(t, a.st)
	for name, tc := range map[string]struct {
		form    url.Values
		headers []string
	}{
		"no token":       {url.Values{}, nil},
		"another token":  {url.Values{"csrfToken": {strings.Repeat("a", 64)}}, nil},
		"cross-site":     {url.Values{"csrfToken": {tok}}, []string{"Sec-Fetch-Site", "cross-site"}},
		"foreign Origin": {url.Values{"csrfToken": {tok}}, []string{"Origin", "https://evil.example"}},
		"null Origin":    {url.Values{"csrfToken": {tok}}, []string{"Origin", "null"}},
	} {
		resp, _ := do(t, c, "POST", a.srv.URL+"/auth/signin/dev", tc.form, tc.headers...)
		if resp.Header.Get("Location") != a.srv.URL+"/auth/signin?error=MissingCSRF" || cookieNamed(resp, "authjs.state") != nil || cookieNamed(resp, "authjs.pkce.code_verifier") != nil {
			t.Errorf("%s: signin %d %s", name, resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body := do(t, c, "POST", a.srv.URL+"/auth/session", tc.form, tc.headers...)
		if resp.StatusCode != 400 || strings.TrimSpace(body) != "null" {
			t.Errorf("%s: session %d %s", name, resp.StatusCode, body)
		}
		resp, _ = do(t, c, "POST", a.srv.URL+"/auth/signout", tc.form, tc.headers...)
		if resp.Header.Get("Location") != a.srv.URL+"/auth/signin?error=MissingCSRF" || cookieNamed(resp, "authjs.session-token") != nil {
			t.Errorf("%s: signout %d %s", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp, _ := do(t, c, "POST", a.srv.URL+"/auth/signin/dev", url.Values{"csrfToken": {tok}}, "Origin", a.srv.URL, "Sec-Fetch-Site", "same-origin"); resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), a.idp.URL()) {
		t.Fatalf("a same-origin POST with the token: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for name, value := range map[string]string{
		"no bar":         tok + strings.Repeat("b", 64),
		"empty hash":     tok + "%7C",
		"extra bar":      tok + "%7C" + strings.Repeat("b", 64) + "%7Cx",
		"another secret": tok + "%7C" + strings.Repeat("0", 64),
		"plain bar":      tok + "|" + strings.Repeat("0", 64),
	} {
		// The body carries the token the broken cookie names: only a cookie
		// whose hash verifies may vouch for it.
		jar := browser(t)
		jar.Jar.SetCookies(u, []*http.Cookie{{Name: "authjs.csrf-token", Value: value}})
		resp, _ := do(t, jar, "POST", a.srv.URL+"/auth/signin/dev", url.Values{"csrfToken": {tok}})
		if resp.Header.Get("Location") != a.srv.URL+"/auth/signin?error=MissingCSRF" || cookieNamed(resp, "authjs.state") != nil {
			t.Errorf("%s: accepted (%s)", name, resp.Header.Get("Location"))
		}
		resp, _ = do(t, jar, "GET", a.srv.URL+"/auth/csrf", nil)
		if set := cookieNamed(resp, "authjs.csrf-token"); set == nil || set.Value == value {
			t.Errorf("%s: the broken CSRF cookie was not replaced", name)
		}
	}
	if resp, _ := do(t, c, "GET", a.srv.URL+"/auth/signout", nil); resp.StatusCode != 200 || cookieNamed(resp, "authjs.session-token") != nil {
		t.Fatalf("GET /signout must only show the confirmation: %d", resp.StatusCode)
	}
	for _, path := range []string{"/auth/session", "/auth/csrf", "/auth/providers", "/auth/signin"} {
		resp, _ := do(t, c, "GET", a.srv.URL+path, nil, "Origin", "https://evil.example")
		if resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s answers CORS", path)
		}
	}
	assertUnchanged(t, a.st, before)
}

// TestSecureCookieFlags covers catalogue 2f for an https base URL.
func TestSecureCookieFlags(t *testing.T) {
	idp := devidp.StartTest(t, devidp.Options{})
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	secure := true
	e, err := flow.New(flow.Config{Providers: []*providers.Provider{oidcProvider(idp, "dev")}, Secrets: []string{testSecret},
		BaseURL: srv.URL + "/auth", SecureCookies: &secure})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/auth/", flow.NewHandler(e, flow.HandlerOptions{}))
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, body := do(t, c, "GET", srv.URL+"/auth/csrf", nil)
	if !regexp.MustCompile(`^__Host-authjs\.csrf-token=[0-9a-f]{64}%7C[0-9a-f]{64}; Path=/; HttpOnly; Secure; SameSite=Lax$`).MatchString(resp.Header.Get("Set-Cookie")) {
		t.Fatalf("CSRF cookie %q", resp.Header.Get("Set-Cookie"))
	}
	tok := regexp.MustCompile(`[0-9a-f]{64}`).FindString(body)
	csrfCookie := strings.Split(resp.Header.Get("Set-Cookie"), ";")[0]
	req, _ := http.NewRequest("POST", srv.URL+"/auth/signin/dev", strings.NewReader(url.Values{"csrfToken": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", csrfCookie+"; authjs.csrf-token=unprefixed")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	checks := 0
	for _, line := range resp.Header.Values("Set-Cookie") {
		if !strings.HasPrefix(line, "__Secure-authjs.") {
			continue
		}
		checks++
		for _, attr := range []string{"Max-Age=900", "HttpOnly", "Secure", "Path=/", "SameSite=Lax"} {
			if attr == "Max-Age=900" && strings.HasPrefix(line, "__Secure-authjs.callback-url=") {
				continue
			}
			if !strings.Contains(line, attr) {
				t.Errorf("check cookie %q lacks %s", line, attr)
			}
		}
		if strings.Contains(line, "Domain=") {
			t.Errorf("check cookie %q has a Domain", line)
		}
	}
	if checks != 4 {
		t.Fatalf("%d secure check cookies (state, PKCE, nonce, callback URL expected): %v", checks, resp.Header.Values("Set-Cookie"))
	}
}
