package devidp_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/golang-jwt/jwt/v5"
)

func TestDiscovery(t *testing.T) {
	for _, shape := range []devidp.Shape{devidp.ShapeOIDC, devidp.ShapeGoogle} {
		t.Run(string(shape), func(t *testing.T) {
			s := start(t, devidp.Options{Shape: shape})
			var doc map[string]any
			if code := getJSON(t, s.URL()+"/.well-known/openid-configuration", "", &doc); code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			e := s.Endpoints()
			want := map[string]any{"issuer": s.Issuer(), "authorization_endpoint": e.Authorization, "token_endpoint": e.Token,
				"userinfo_endpoint": e.UserInfo, "jwks_uri": e.JWKS, "end_session_endpoint": e.EndSession,
				"authorization_response_iss_parameter_supported": true}
			for k, v := range want {
				if doc[k] != v {
					t.Errorf("%s = %v, want %v", k, doc[k], v)
				}
			}
			for k, v := range map[string]string{"response_types_supported": "code", "subject_types_supported": "public",
				"id_token_signing_alg_values_supported": "RS256", "code_challenge_methods_supported": "S256",
				"scopes_supported": "openid", "token_endpoint_auth_methods_supported": "client_secret_post",
				"claims_supported": "email_verified"} {
				list, _ := doc[k].([]any)
				if !slices.Contains(list, any(v)) {
					t.Errorf("%s = %v, want it to hold %q", k, doc[k], v)
				}
			}
			if slices.Contains(doc["code_challenge_methods_supported"].([]any), any("plain")) {
				t.Error("discovery offers PKCE plain")
			}
			if s.Issuer() != s.URL() || !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
				t.Errorf("issuer %q, URL %q", s.Issuer(), s.URL())
			}
		})
	}
	for _, shape := range []devidp.Shape{devidp.ShapeGitHub, devidp.ShapeDiscord} {
		s := start(t, devidp.Options{Shape: shape})
		resp, err := http.Get(s.URL() + "/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: discovery status %d, want 404 (no OpenID)", shape, resp.StatusCode)
		}
	}
}

func TestJWKS(t *testing.T) {
	s := start(t, devidp.Options{})
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	getJSON(t, s.Endpoints().JWKS, "", &set)
	if len(set.Keys) != 2 {
		t.Fatalf("%d keys, want 2", len(set.Keys))
	}
	algs := map[string]bool{}
	for _, k := range set.Keys {
		algs[k["alg"]] = true
		if k["use"] != "sig" || k["kid"] == "" || k["d"] != "" || k["p"] != "" {
			t.Errorf("key %v: want use sig, a kid, no private member", k)
		}
	}
	if !algs["RS256"] || !algs["ES256"] || set.Keys[0]["kid"] == set.Keys[1]["kid"] {
		t.Errorf("keys %v: want an RS256 and an ES256 key with distinct kids", set.Keys)
	}
	// Another provider has other keys: one never vouches for the other.
	other := start(t, devidp.Options{})
	for kid := range jwksKeys(t, other) {
		if _, ok := jwksKeys(t, s)[kid]; ok {
			t.Errorf("two providers share the key %s", kid)
		}
	}
}

func TestOIDCFlow(t *testing.T) {
	for _, alg := range []string{"RS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			s := start(t, devidp.Options{SigningAlg: alg, ClientID: "app", ClientSecret: "app-secret"})
			f := newFlow(t, s)
			q := f.authorize()
			if q.Get("state") != f.state || q.Get("iss") != s.Issuer() || q.Get("code") == "" {
				t.Fatalf("callback %v: want code, the state and iss", q)
			}
			status, body := f.exchange(q.Get("code"))
			if status != http.StatusOK {
				t.Fatalf("token: %d %v", status, body)
			}
			if body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) || body["refresh_token"] == nil || body["scope"] != f.scope {
				t.Errorf("token response %v", body)
			}
			idt := body["id_token"].(string)
			claims, err := verifyIDToken(t, s, idt, "app", f.nonce)
			if err != nil {
				t.Fatalf("the ID token does not verify: %v", err)
			}
			header, _ := unverifiedClaims(t, idt)
			if header["alg"] != alg || header["kid"] == nil {
				t.Errorf("header %v", header)
			}
			u := s.Users()[0]
			want := map[string]any{"sub": u.ID, "azp": "app", "email": "dev@example.com", "email_verified": true,
				"name": "Dev User", "given_name": "Dev", "family_name": "User", "preferred_username": "dev"}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("claim %s = %v, want %v", k, claims[k], v)
				}
			}
			sum := sha256.Sum256([]byte(body["access_token"].(string)))
			if claims["at_hash"] != base64.RawURLEncoding.EncodeToString(sum[:16]) {
				t.Errorf("at_hash %v does not match the access token", claims["at_hash"])
			}
			pic, _ := claims["picture"].(string)
			if !strings.HasPrefix(pic, s.URL()+"/avatars/") {
				t.Errorf("picture %q", pic)
			}
			var info map[string]any
			if code := getJSON(t, s.Endpoints().UserInfo, "Bearer "+body["access_token"].(string), &info); code != http.StatusOK {
				t.Fatalf("userinfo: %d", code)
			}
			if info["sub"] != u.ID || info["email"] != u.Email || info["email_verified"] != true || info["name"] != u.Name {
				t.Errorf("userinfo %v", info)
			}
			resp, err := http.Get(pic)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
				t.Errorf("avatar: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		})
	}
}

// TestScopes: claims follow the scope; no openid, no ID token.
func TestScopes(t *testing.T) {
	s := start(t, devidp.Options{})
	f := newFlow(t, s)
	f.scope = "openid"
	body := f.tokens()
	claims, err := verifyIDToken(t, s, body["id_token"].(string), f.clientID, f.nonce)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"email", "name", "picture"} {
		if _, ok := claims[c]; ok {
			t.Errorf("scope openid alone gives %s", c)
		}
	}
	f = newFlow(t, s)
	f.scope = "profile"
	body = f.tokens()
	if _, ok := body["id_token"]; ok {
		t.Error("an ID token without the openid scope")
	}
	if code := getJSON(t, s.Endpoints().UserInfo, "Bearer "+body["access_token"].(string), nil); code != http.StatusForbidden {
		t.Errorf("userinfo without openid: %d, want 403", code)
	}
}

func TestUserinfoRejectsBadTokens(t *testing.T) {
	s := start(t, devidp.Options{})
	for _, auth := range []string{"", "Bearer", "Bearer nope", "Basic YTpi", "token " + newFlow(t, s).tokens()["access_token"].(string)} {
		var body map[string]any
		if code := getJSON(t, s.Endpoints().UserInfo, auth, &body); code != http.StatusUnauthorized || body["error"] != "invalid_token" {
			t.Errorf("Authorization %q: %d %v, want 401 invalid_token", auth, code, body)
		}
	}
}

func TestClientAuthentication(t *testing.T) {
	const secret = "s3cr%t:&+ é"
	s := start(t, devidp.Options{ClientID: "app", ClientSecret: secret})
	exchange := func(code string, basic bool, id, sec string, f *flow) (int, map[string]any, http.Header) {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {f.redirect}, "code_verifier": {f.verifier}}
		if !basic {
			form.Set("client_id", id)
			form.Set("client_secret", sec)
		}
		req, _ := http.NewRequest(http.MethodPost, s.Endpoints().Token, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(sec))
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		decodeJSON(t, resp, &body)
		return resp.StatusCode, body, resp.Header
	}
	for _, tc := range []struct {
		name       string
		basic      bool
		id, secret string
		status     int
		err        string
	}{
		{"basic", true, "app", secret, 200, ""},
		{"post", false, "app", secret, 200, ""},
		{"basic wrong secret", true, "app", "nope", 401, "invalid_client"},
		{"post wrong secret", false, "app", "nope", 401, "invalid_client"},
		{"post no secret", false, "app", "", 401, "invalid_client"},
		{"other client", true, "other", secret, 401, "invalid_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFlow(t, s)
			status, body, h := exchange(f.code(), tc.basic, tc.id, tc.secret, f)
			if status != tc.status || (tc.err != "" && body["error"] != tc.err) {
				t.Fatalf("%d %v, want %d %s", status, body, tc.status, tc.err)
			}
			if tc.status == 401 && tc.basic && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("401 to Basic without WWW-Authenticate: %v", h)
			}
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", h.Get("Cache-Control"))
			}
		})
	}
	t.Run("two methods", func(t *testing.T) {
		f := newFlow(t, s)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {f.code()}, "redirect_uri": {f.redirect},
			"code_verifier": {f.verifier}, "client_secret": {secret}}
		if status, body := postToken(t, s, form, "app", secret); status != 400 || body["error"] != "invalid_request" {
			t.Errorf("%d %v, want invalid_request", status, body)
		}
	})
	t.Run("any client when none pinned", func(t *testing.T) {
		open := start(t, devidp.Options{})
		f := newFlow(t, open)
		f.clientID, f.secret = "whatever", "anything"
		f.tokens()
		f = newFlow(t, open)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {f.code()}, "redirect_uri": {f.redirect},
			"code_verifier": {f.verifier}, "client_id": {f.clientID}}
		if status, body := postToken(t, open, form, "", ""); status != 200 {
			t.Errorf("public client: %d %v", status, body)
		}
	})
}

func TestAuthorizeErrorPages(t *testing.T) {
	s := start(t, devidp.Options{ClientID: "app", RedirectURIs: []string{"https://app.example.com/cb"}})
	for _, tc := range []struct {
		name   string
		params url.Values
		status int
		code   string
		say    string
	}{
		{"no client_id", url.Values{"redirect_uri": {"http://127.0.0.1:3000/cb"}}, 400, "invalid_request", "no client_id"},
		{"unknown client", url.Values{"client_id": {"other"}, "redirect_uri": {"http://127.0.0.1:3000/cb"}}, 401, "invalid_client", "other"},
		{"no redirect_uri", url.Values{"client_id": {"app"}}, 400, "redirect_uri_mismatch", "no redirect_uri"},
		{"foreign redirect", url.Values{"client_id": {"app"}, "redirect_uri": {"https://evil.example/cb"}}, 400, "redirect_uri_mismatch", "https://evil.example/cb"},
		{"user info", url.Values{"client_id": {"app"}, "redirect_uri": {"http://127.0.0.1@evil.example/cb"}}, 400, "redirect_uri_mismatch", "evil.example"},
		{"fragment", url.Values{"client_id": {"app"}, "redirect_uri": {"http://127.0.0.1:3000/cb#x"}}, 400, "redirect_uri_mismatch", ""},
		{"loopback look-alike", url.Values{"client_id": {"app"}, "redirect_uri": {"http://127.0.0.1.evil.example/cb"}}, 400, "redirect_uri_mismatch", ""},
		{"registered path differs", url.Values{"client_id": {"app"}, "redirect_uri": {"https://app.example.com/cb/x"}}, 400, "redirect_uri_mismatch", ""},
		{"javascript", url.Values{"client_id": {"app"}, "redirect_uri": {"javascript:alert(1)"}}, 400, "redirect_uri_mismatch", ""},
		{"two redirect_uri", url.Values{"client_id": {"app"}, "redirect_uri": {"http://127.0.0.1:1/a", "http://127.0.0.1:1/b"}}, 400, "invalid_request", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.params.Set("response_type", "code")
			before := s.Count(devidp.KindAuthorize)
			resp, err := noRedirect.Get(s.Endpoints().Authorization + "?" + tc.params.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if resp.StatusCode != tc.status || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d, Location %q: want %d and no redirect", resp.StatusCode, resp.Header.Get("Location"), tc.status)
			}
			if !strings.Contains(body, tc.code) || !strings.Contains(body, tc.say) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("page does not say %q and %q:\n%s", tc.code, tc.say, body)
			}
			if strings.Contains(body, "<script") {
				t.Error("the page has a script")
			}
			reqs := s.Requests()
			if len(reqs) == before || reqs[len(reqs)-1].Error != tc.code {
				t.Errorf("log %v: want the error %s", reqs[len(reqs)-1], tc.code)
			}
		})
	}
	// A registered non-loopback URI is accepted exactly.
	f := newFlow(t, s)
	f.redirect = "https://app.example.com/cb"
	f.code()
	// The description of a hostile URI is escaped on the page.
	resp, _ := noRedirect.Get(s.Endpoints().Authorization + "?" + url.Values{"client_id": {"app"}, "response_type": {"code"},
		"redirect_uri": {"https://x.example/<script>alert(1)</script>"}}.Encode())
	if body := readBody(t, resp); strings.Contains(body, "<script>alert") {
		t.Errorf("the redirect URI is not escaped:\n%s", body)
	}
}

func TestAuthorizeErrorRedirects(t *testing.T) {
	s := start(t, devidp.Options{})
	for _, tc := range []struct {
		name  string
		set   url.Values
		unset []string
		code  string
	}{
		{"response_type token", url.Values{"response_type": {"token"}}, nil, "unsupported_response_type"},
		{"no response_type", nil, []string{"response_type"}, "invalid_request"},
		{"pkce plain", url.Values{"code_challenge_method": {"plain"}}, nil, "invalid_request"},
		{"pkce method missing (plain)", nil, []string{"code_challenge_method"}, "invalid_request"},
		{"pkce unknown method", url.Values{"code_challenge_method": {"S512"}}, nil, "invalid_request"},
		{"pkce short challenge", url.Values{"code_challenge": {"abc"}}, nil, "invalid_request"},
		{"state twice", url.Values{"state": {"a", "b"}}, nil, "invalid_request"},
		{"fragment mode", url.Values{"response_mode": {"fragment"}}, nil, "invalid_request"},
		{"request object", url.Values{"request": {"x.y.z"}}, nil, "request_not_supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFlow(t, s)
			u, _ := url.Parse(f.authorizeURL())
			q := u.Query()
			for k, v := range tc.set {
				q[k] = v
			}
			for _, k := range tc.unset {
				q.Del(k)
			}
			u.RawQuery = q.Encode()
			resp, err := noRedirect.Get(u.String())
			if err != nil {
				t.Fatal(err)
			}
			cb := callbackOf(t, resp, f.redirect)
			if cb.Get("error") != tc.code || cb.Get("error_description") == "" || cb.Get("code") != "" || cb.Get("iss") != s.Issuer() {
				t.Errorf("callback %v, want error %s with a description and iss, no code", cb, tc.code)
			}
		})
	}
}

func TestPKCE(t *testing.T) {
	s := start(t, devidp.Options{})
	t.Run("mismatch", func(t *testing.T) {
		f := newFlow(t, s)
		code := f.code()
		f.verifier, _ = pkce()
		if status, body := f.exchange(code); status != 400 || body["error"] != "invalid_grant" {
			t.Errorf("%d %v, want invalid_grant", status, body)
		}
	})
	t.Run("missing verifier", func(t *testing.T) {
		f := newFlow(t, s)
		code := f.code()
		f.verifier = ""
		if status, body := f.exchange(code); status != 400 || body["error"] != "invalid_grant" {
			t.Errorf("%d %v, want invalid_grant", status, body)
		}
	})
	t.Run("verifier without challenge", func(t *testing.T) {
		f := newFlow(t, s)
		v := f.verifier
		f.verifier = ""
		code := f.code()
		f.verifier = v
		if status, body := f.exchange(code); status != 400 || body["error"] != "invalid_grant" {
			t.Errorf("%d %v, want invalid_grant (a stripped challenge is a downgrade)", status, body)
		}
	})
	t.Run("no pkce at all", func(t *testing.T) {
		f := newFlow(t, s)
		f.verifier = ""
		f.tokens()
	})
	t.Run("the code is spent by a failed attempt", func(t *testing.T) {
		f := newFlow(t, s)
		code := f.code()
		good := f.verifier
		f.verifier, _ = pkce()
		f.exchange(code)
		f.verifier = good
		if status, body := f.exchange(code); status != 400 || body["error"] != "invalid_grant" {
			t.Errorf("%d %v, want invalid_grant", status, body)
		}
	})
}

func TestCodeReplayRevokes(t *testing.T) {
	s := start(t, devidp.Options{})
	f := newFlow(t, s)
	code := f.code()
	status, first := f.exchange(code)
	if status != 200 {
		t.Fatal(first)
	}
	status, second := f.exchange(code)
	if status != 400 || second["error"] != "invalid_grant" {
		t.Fatalf("replay: %d %v, want invalid_grant", status, second)
	}
	if code := getJSON(t, s.Endpoints().UserInfo, "Bearer "+first["access_token"].(string), nil); code != 401 {
		t.Errorf("the first access token still works after the replay: %d", code)
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first["refresh_token"].(string)}}
	if status, body := postToken(t, s, form, f.clientID, f.secret); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("the first refresh token still works after the replay: %d %v", status, body)
	}
}

func TestCodeChecks(t *testing.T) {
	c := newClock()
	s := start(t, devidp.Options{Now: c.Now})
	t.Run("expired", func(t *testing.T) {
		f := newFlow(t, s)
		code := f.code()
		c.Advance(61e9)
		if status, body := f.exchange(code); status != 400 || body["error"] != "invalid_grant" {
			t.Errorf("%d %v, want invalid_grant", status, body)
		}
	})
	t.Run("59 seconds is fine", func(t *testing.T) {
		f := newFlow(t, s)
		code := f.code()
		c.Advance(59e9)
		if status, body := f.exchange(code); status != 200 {
			t.Errorf("%d %v", status, body)
		}
	})
	t.Run("redirect_uri differs", func(t *testing.T) {
		f := newFlow(t, s)
		code := f.code()
		f.redirect = "http://127.0.0.1:3000/other"
		if status, body := f.exchange(code); status != 400 || body["error"] != "invalid_grant" {
			t.Errorf("%d %v, want invalid_grant", status, body)
		}
	})
	t.Run("another client", func(t *testing.T) {
		f := newFlow(t, s)
		code := f.code()
		f.clientID = "intruder"
		if status, body := f.exchange(code); status != 400 || body["error"] != "invalid_grant" {
			t.Errorf("%d %v, want invalid_grant", status, body)
		}
	})
	t.Run("unknown code", func(t *testing.T) {
		f := newFlow(t, s)
		if status, body := f.exchange("nope"); status != 400 || body["error"] != "invalid_grant" {
			t.Errorf("%d %v, want invalid_grant", status, body)
		}
	})
	t.Run("grant types", func(t *testing.T) {
		for gt, want := range map[string]string{"": "invalid_request", "password": "unsupported_grant_type", "client_credentials": "unsupported_grant_type"} {
			if status, body := postToken(t, s, url.Values{"grant_type": {gt}}, "app", "x"); status != 400 || body["error"] != want {
				t.Errorf("grant_type %q: %d %v, want %s", gt, status, body, want)
			}
		}
	})
	t.Run("GET", func(t *testing.T) {
		resp, err := http.Get(s.Endpoints().Token)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 {
			t.Errorf("GET token: %d", resp.StatusCode)
		}
	})
}

func TestRefreshRotation(t *testing.T) {
	s := start(t, devidp.Options{})
	f := newFlow(t, s)
	first := f.tokens()
	refresh := func(rt string) (int, map[string]any) {
		return postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, f.clientID, f.secret)
	}
	status, second := refresh(first["refresh_token"].(string))
	if status != 200 || second["refresh_token"] == first["refresh_token"] || second["access_token"] == first["access_token"] {
		t.Fatalf("refresh: %d %v: want new tokens", status, second)
	}
	claims, err := verifyIDToken(t, s, second["id_token"].(string), f.clientID, "")
	if err != nil {
		t.Fatalf("refreshed ID token: %v (it must carry no nonce)", err)
	}
	if claims["sub"] != s.Users()[0].ID {
		t.Errorf("refreshed sub %v", claims["sub"])
	}
	// The spent refresh token is refused, and its family revoked.
	if status, body := refresh(first["refresh_token"].(string)); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %v", status, body)
	}
	if status, body := refresh(second["refresh_token"].(string)); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("after a reuse, the newest refresh token still works: %d %v", status, body)
	}
	if code := getJSON(t, s.Endpoints().UserInfo, "Bearer "+second["access_token"].(string), nil); code != 401 {
		t.Errorf("after a reuse, the newest access token still works: %d", code)
	}
	// A narrower scope is fine, a wider one is not.
	third := newFlow(t, s).tokens()
	status, body := postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {third["refresh_token"].(string)},
		"scope": {"openid admin"}}, f.clientID, f.secret)
	if status != 400 || body["error"] != "invalid_scope" {
		t.Errorf("wider scope: %d %v", status, body)
	}
}

func TestEndSession(t *testing.T) {
	s := start(t, devidp.Options{})
	resp, err := noRedirect.Get(s.Endpoints().EndSession + "?post_logout_redirect_uri=" + url.QueryEscape("http://localhost:3000/bye") + "&state=xyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "http://localhost:3000/bye?state=xyz" {
		t.Errorf("%d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = noRedirect.Get(s.Endpoints().EndSession + "?post_logout_redirect_uri=" + url.QueryEscape("https://evil.example/"))
	if body := readBody(t, resp); resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
		t.Errorf("foreign post-logout URI: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, _ = noRedirect.Get(s.Endpoints().EndSession)
	if body := readBody(t, resp); resp.StatusCode != 200 || !strings.Contains(body, "Signed out") {
		t.Errorf("end-session page: %d %s", resp.StatusCode, body)
	}
}

// TestVerifierCatchesEachIDTokenFailure: each ID token failure mode makes
// a strict verifier (golang-jwt with the JWKS) refuse the token, for the
// reason the mode stands for; with no failure the same token verifies.
func TestVerifierCatchesEachIDTokenFailure(t *testing.T) {
	for _, tc := range []struct {
		failure devidp.Failure
		want    error  // a golang-jwt error, or nil
		say     string // or a word of the error
		check   func(t *testing.T, header, claims map[string]any)
	}{
		{devidp.FailWrongIss, jwt.ErrTokenInvalidIssuer, "", func(t *testing.T, _, c map[string]any) {
			if !strings.HasSuffix(c["iss"].(string), "/") {
				t.Errorf("iss %v", c["iss"])
			}
		}},
		{devidp.FailWrongAud, jwt.ErrTokenInvalidAudience, "", func(t *testing.T, _, c map[string]any) {
			if c["azp"] != "another-client" {
				t.Errorf("azp %v", c["azp"])
			}
		}},
		{devidp.FailBadSignature, jwt.ErrTokenSignatureInvalid, "", nil},
		{devidp.FailAlgNone, jwt.ErrTokenSignatureInvalid, "", func(t *testing.T, h, _ map[string]any) {
			if h["alg"] != "none" {
				t.Errorf("alg %v", h["alg"])
			}
		}},
		{devidp.FailUnknownKid, nil, "unknown kid", nil},
		{devidp.FailExpiredIDToken, jwt.ErrTokenExpired, "", nil},
		{devidp.FailFutureIat, jwt.ErrTokenUsedBeforeIssued, "", nil},
		{devidp.FailNonceMismatch, nil, "nonce", nil},
		{devidp.FailNoNonce, nil, "nonce", func(t *testing.T, _, c map[string]any) {
			if _, ok := c["nonce"]; ok {
				t.Error("a nonce is there")
			}
		}},
	} {
		t.Run(string(tc.failure), func(t *testing.T) {
			s := start(t, devidp.Options{Failures: []devidp.Failure{tc.failure}})
			f := newFlow(t, s)
			body := f.tokens()
			raw := body["id_token"].(string)
			_, err := verifyIDToken(t, s, raw, f.clientID, f.nonce)
			switch {
			case err == nil:
				t.Fatal("the spoiled ID token verifies")
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("error %v, want %v", err, tc.want)
			case tc.say != "" && !strings.Contains(err.Error(), tc.say):
				t.Errorf("error %v, want it to say %q", err, tc.say)
			}
			if tc.check != nil {
				h, c := unverifiedClaims(t, raw)
				tc.check(t, h, c)
			}
			// Turned off at run time, the same provider's tokens verify.
			if err := s.SetFailures(); err != nil {
				t.Fatal(err)
			}
			f = newFlow(t, s)
			if _, err := verifyIDToken(t, s, f.tokens()["id_token"].(string), f.clientID, f.nonce); err != nil {
				t.Errorf("without the failure: %v", err)
			}
		})
	}
}

// TestUnknownKidIsSignedByTheRealKey: only the kid is wrong, so that a
// verifier that ignores kid and tries every key is caught.
func TestUnknownKidIsSignedByTheRealKey(t *testing.T) {
	s := start(t, devidp.Options{Failures: []devidp.Failure{devidp.FailUnknownKid}})
	f := newFlow(t, s)
	raw := f.tokens()["id_token"].(string)
	verified := false
	for _, key := range jwksKeys(t, s) {
		if _, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return key, nil }, jwt.WithValidMethods([]string{"RS256", "ES256"})); err == nil {
			verified = true
		}
	}
	if !verified {
		t.Error("no JWKS key verifies the unknown-kid token")
	}
}

func TestProfileFailures(t *testing.T) {
	s := start(t, devidp.Options{Failures: []devidp.Failure{devidp.FailUnverifiedEmail}})
	f := newFlow(t, s)
	body := f.tokens()
	claims, err := verifyIDToken(t, s, body["id_token"].(string), f.clientID, f.nonce)
	if err != nil || claims["email_verified"] != false {
		t.Errorf("unverified_email: %v %v", err, claims["email_verified"])
	}
	var info map[string]any
	getJSON(t, s.Endpoints().UserInfo, "Bearer "+body["access_token"].(string), &info)
	if info["email_verified"] != false {
		t.Errorf("userinfo %v", info)
	}

	s.SetFailures(devidp.FailNoEmail, devidp.FailUserinfoSubMismatch)
	f = newFlow(t, s)
	body = f.tokens()
	claims, _ = verifyIDToken(t, s, body["id_token"].(string), f.clientID, f.nonce)
	info = nil
	getJSON(t, s.Endpoints().UserInfo, "Bearer "+body["access_token"].(string), &info)
	if _, ok := claims["email"]; ok {
		t.Errorf("no_email: ID token has email %v", claims["email"])
	}
	if _, ok := info["email"]; ok || info["sub"] == claims["sub"] {
		t.Errorf("no_email, userinfo_sub_mismatch: userinfo %v, ID token sub %v", info, claims["sub"])
	}

	// An unverified user, without a failure mode.
	no := false
	s2 := start(t, devidp.Options{Users: []devidp.User{{Email: "a@example.com", EmailVerified: &no}}})
	f = newFlow(t, s2)
	claims, _ = verifyIDToken(t, s2, f.tokens()["id_token"].(string), f.clientID, f.nonce)
	if claims["email_verified"] != false {
		t.Errorf("EmailVerified false: %v", claims["email_verified"])
	}
}

func TestAuthorizationResponseFailures(t *testing.T) {
	for _, tc := range []struct {
		failure devidp.Failure
		check   func(t *testing.T, s *devidp.Server, f *flow, q url.Values)
	}{
		{devidp.FailAccessDenied, func(t *testing.T, s *devidp.Server, f *flow, q url.Values) {
			if q.Get("error") != "access_denied" || q.Get("error_description") == "" || q.Get("code") != "" || q.Get("state") != f.state {
				t.Errorf("callback %v", q)
			}
		}},
		{devidp.FailStateNotEchoed, func(t *testing.T, s *devidp.Server, f *flow, q url.Values) {
			if q.Has("state") || q.Get("code") == "" {
				t.Errorf("callback %v", q)
			}
		}},
		{devidp.FailWrongIssParam, func(t *testing.T, s *devidp.Server, f *flow, q url.Values) {
			if q.Get("iss") == s.Issuer() || q.Get("iss") == "" || q.Get("code") == "" {
				t.Errorf("callback %v", q)
			}
		}},
		{devidp.FailNoIssParam, func(t *testing.T, s *devidp.Server, f *flow, q url.Values) {
			if q.Has("iss") || q.Get("code") == "" {
				t.Errorf("callback %v", q)
			}
		}},
	} {
		t.Run(string(tc.failure), func(t *testing.T) {
			s := start(t, devidp.Options{Failures: []devidp.Failure{tc.failure}})
			f := newFlow(t, s)
			tc.check(t, s, f, f.authorize())
		})
	}
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decodeJSON(t *testing.T, resp *http.Response, into any) {
	t.Helper()
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
}
