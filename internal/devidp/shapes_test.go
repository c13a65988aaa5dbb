package devidp_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/internal/devidp"
)

func TestGitHubShape(t *testing.T) {
	s := start(t, devidp.Options{Shape: devidp.ShapeGitHub, Users: []devidp.User{
		{Email: "octo@example.com", Name: "Mona Octocat"},
		{Email: "private@example.com", PrivateEmail: true},
	}})
	e := s.Endpoints()
	if !strings.HasSuffix(e.Authorization, "/login/oauth/authorize") || !strings.HasSuffix(e.Token, "/login/oauth/access_token") ||
		!strings.HasSuffix(e.UserInfo, "/user") || !strings.HasSuffix(e.Emails, "/user/emails") || e.Discovery != "" || e.JWKS != "" {
		t.Fatalf("endpoints %+v", e)
	}
	f := newFlow(t, s)
	q := f.authorize()
	if q.Has("iss") || q.Get("state") != f.state {
		t.Errorf("callback %v: GitHub sends the state and no iss", q)
	}

	// Form-encoded by default, as GitHub answers.
	form := url.Values{"client_id": {f.clientID}, "client_secret": {f.secret}, "code": {q.Get("code")},
		"redirect_uri": {f.redirect}, "code_verifier": {f.verifier}}
	resp, err := http.PostForm(e.Token, form)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	got, err := url.ParseQuery(string(raw))
	if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		t.Fatalf("token: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	at := got.Get("access_token")
	if !strings.HasPrefix(at, "gho_") || got.Get("token_type") != "bearer" || got.Get("scope") != "read:user,user:email" || got.Has("refresh_token") {
		t.Errorf("token response %v", got)
	}

	// /user with "token" and "Bearer", also under /api/v3.
	for _, u := range []string{e.UserInfo, s.URL() + "/api/v3/user"} {
		for _, auth := range []string{"token " + at, "Bearer " + at} {
			var user map[string]any
			resp := rawGet(t, u, auth, &user)
			if resp.StatusCode != 200 {
				t.Fatalf("%s %s: %d", u, auth[:5], resp.StatusCode)
			}
			if _, ok := user["id"].(json.Number); !ok || user["login"] != "octo" || user["name"] != "Mona Octocat" ||
				user["email"] != "octo@example.com" || !strings.HasPrefix(user["avatar_url"].(string), s.URL()) {
				t.Errorf("user %v", user)
			}
			if resp.Header.Get("X-OAuth-Scopes") != "read:user, user:email" {
				t.Errorf("X-OAuth-Scopes %q", resp.Header.Get("X-OAuth-Scopes"))
			}
		}
	}
	var emails []map[string]any
	rawGet(t, e.Emails, "Bearer "+at, &emails)
	if len(emails) != 2 || emails[0]["email"] != "octo@example.com" || emails[0]["primary"] != true || emails[0]["verified"] != true ||
		emails[0]["visibility"] != "public" || emails[1]["primary"] != false {
		t.Errorf("emails %v", emails)
	}

	// A private email: null in /user, listed in /user/emails.
	f = newFlow(t, s)
	f.extra = url.Values{"login_hint": {"private@example.com"}}
	status, body := f.exchange(f.code())
	if status != 200 {
		t.Fatal(body)
	}
	at = body["access_token"].(string)
	var user map[string]any
	rawGet(t, e.UserInfo, "token "+at, &user)
	if v, ok := user["email"]; !ok || v != nil || user["name"] != nil || user["login"] != "private" {
		t.Errorf("private user %v: want email and name null", user)
	}
	emails = nil
	rawGet(t, s.URL()+"/api/v3/user/emails", "token "+at, &emails)
	if len(emails) != 2 || emails[0]["email"] != "private@example.com" || emails[0]["visibility"] != "private" {
		t.Errorf("private emails %v", emails)
	}

	// Without the user:email scope, /user/emails is 404, as GitHub answers.
	f = newFlow(t, s)
	f.scope = "read:user"
	at = f.tokens()["access_token"].(string)
	var nf map[string]any
	if resp := rawGet(t, e.Emails, "token "+at, &nf); resp.StatusCode != 404 || nf["message"] != "Not Found" {
		t.Errorf("emails without scope: %d %v", resp.StatusCode, nf)
	}
	var bad map[string]any
	if resp := rawGet(t, e.UserInfo, "token nope", &bad); resp.StatusCode != 401 || bad["message"] != "Bad credentials" {
		t.Errorf("bad token: %d %v", resp.StatusCode, bad)
	}
}

func TestGitHubErrorsAre200(t *testing.T) {
	s := start(t, devidp.Options{Shape: devidp.ShapeGitHub, ClientID: "app", ClientSecret: "app-secret"})
	f := newFlow(t, s)
	code := f.code()
	f.exchange(code)
	for _, tc := range []struct {
		name, code, secret, redirect, want string
	}{
		{"replay", code, "app-secret", f.redirect, "bad_verification_code"},
		{"wrong secret", f.code(), "nope", f.redirect, "incorrect_client_credentials"},
		{"redirect differs", f.code(), "app-secret", "http://127.0.0.1:3000/x", "redirect_uri_mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"client_id": {"app"}, "client_secret": {tc.secret}, "code": {tc.code}, "redirect_uri": {tc.redirect}, "code_verifier": {f.verifier}}
			status, body := postToken(t, s, form, "", "")
			if status != 200 || body["error"] != tc.want || body["error_description"] == "" || body["error_uri"] == nil {
				t.Errorf("%d %v, want 200 with error %s", status, body, tc.want)
			}
			resp, _ := http.PostForm(s.Endpoints().Token, form)
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if q, _ := url.ParseQuery(string(raw)); resp.StatusCode != 200 || q.Get("error") == "" {
				t.Errorf("form-encoded error: %d %q", resp.StatusCode, raw)
			}
		})
	}
	// A GitHub client may omit redirect_uri at the token endpoint.
	form := url.Values{"client_id": {"app"}, "client_secret": {"app-secret"}, "code": {f.code()}, "code_verifier": {f.verifier}}
	if status, body := postToken(t, s, form, "", ""); status != 200 || body["access_token"] == nil {
		t.Errorf("without redirect_uri: %d %v", status, body)
	}
}

func TestGitHubProfileFailures(t *testing.T) {
	s := start(t, devidp.Options{Shape: devidp.ShapeGitHub, Failures: []devidp.Failure{devidp.FailUnverifiedEmail}})
	at := newFlow(t, s).tokens()["access_token"].(string)
	var emails []map[string]any
	rawGet(t, s.Endpoints().Emails, "token "+at, &emails)
	if emails[0]["verified"] != false || emails[0]["primary"] != true {
		t.Errorf("unverified_email: %v", emails)
	}
	s.SetFailures(devidp.FailNoEmail)
	var user map[string]any
	rawGet(t, s.Endpoints().UserInfo, "token "+at, &user)
	emails = nil
	rawGet(t, s.Endpoints().Emails, "token "+at, &emails)
	if user["email"] != nil || emails == nil || len(emails) != 0 {
		t.Errorf("no_email: user %v, emails %v", user, emails)
	}
	for _, f := range []devidp.Failure{devidp.FailAlgNone, devidp.FailWrongIss, devidp.FailNoIssParam} {
		if err := s.SetFailures(f); err == nil || !strings.Contains(err.Error(), "github") {
			t.Errorf("SetFailures(%s) on the github shape: %v", f, err)
		}
		if _, err := devidp.New(devidp.Options{Shape: devidp.ShapeGitHub, Failures: []devidp.Failure{f}}); err == nil {
			t.Errorf("New with %s on the github shape succeeds", f)
		}
	}
	if got := s.ActiveFailures(); len(got) != 1 || got[0] != devidp.FailNoEmail {
		t.Errorf("a refused SetFailures changed the modes: %v", got)
	}
}

func TestDiscordShape(t *testing.T) {
	s := start(t, devidp.Options{Shape: devidp.ShapeDiscord, Users: []devidp.User{
		{Email: "nelly@example.com", Name: "Nelly", Avatar: "a_8342729096ea3675442027381ff50dfe"},
		{Email: "plain@example.com", ID: "80351110224678912"},
	}})
	e := s.Endpoints()
	if !strings.HasSuffix(e.Authorization, "/api/oauth2/authorize") || !strings.HasSuffix(e.Token, "/api/oauth2/token") || !strings.HasSuffix(e.UserInfo, "/api/users/@me") {
		t.Fatalf("endpoints %+v", e)
	}
	f := newFlow(t, s)
	body := f.tokens()
	if body["token_type"] != "Bearer" || body["expires_in"] != float64(604800) || body["refresh_token"] == nil || body["scope"] != "identify email" || body["id_token"] != nil {
		t.Errorf("token %v", body)
	}
	var me map[string]any
	rawGet(t, e.UserInfo, "Bearer "+body["access_token"].(string), &me)
	if id, ok := me["id"].(string); !ok || id != s.Users()[0].ID || me["username"] != "nelly" || me["global_name"] != "Nelly" ||
		me["discriminator"] != "0" || me["avatar"] != "a_8342729096ea3675442027381ff50dfe" || me["email"] != "nelly@example.com" || me["verified"] != true {
		t.Errorf("@me %v", me)
	}

	f = newFlow(t, s)
	f.scope = "identify"
	f.extra = url.Values{"login_hint": {"plain@example.com"}}
	me = nil
	rawGet(t, e.UserInfo, "Bearer "+f.tokens()["access_token"].(string), &me)
	if _, ok := me["email"]; ok || me["id"] != "80351110224678912" || me["avatar"] != nil || me["global_name"] != nil {
		t.Errorf("identify only, no avatar, no name: %v", me)
	}

	f = newFlow(t, s)
	f.scope = "email"
	var unauth map[string]any
	if resp := rawGet(t, e.UserInfo, "Bearer "+f.tokens()["access_token"].(string), &unauth); resp.StatusCode != 401 || unauth["message"] != "401: Unauthorized" {
		t.Errorf("without identify: %d %v", resp.StatusCode, unauth)
	}

	s.SetFailures(devidp.FailUnverifiedEmail)
	me = nil
	rawGet(t, e.UserInfo, "Bearer "+newFlow(t, s).tokens()["access_token"].(string), &me)
	if me["verified"] != false {
		t.Errorf("unverified_email: %v", me)
	}
	if _, err := devidp.New(devidp.Options{Shape: devidp.ShapeDiscord, Users: []devidp.User{{Email: "a@b.c", ID: "abc"}}}); err == nil {
		t.Error("a non-numeric Discord id is accepted")
	}
}

func TestGoogleShape(t *testing.T) {
	s := start(t, devidp.Options{Shape: devidp.ShapeGoogle, Users: []devidp.User{{Email: "ada@corp.example", Name: "Ada Lovelace", HD: "corp.example"}}})
	f := newFlow(t, s)
	claims, err := verifyIDToken(t, s, f.tokens()["id_token"].(string), f.clientID, f.nonce)
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := claims["sub"].(string)
	if len(sub) != 21 || strings.Trim(sub, "0123456789") != "" {
		t.Errorf("sub %q: want 21 digits, like Google's", sub)
	}
	for k, v := range map[string]any{"given_name": "Ada", "family_name": "Lovelace", "hd": "corp.example", "email_verified": true} {
		if claims[k] != v {
			t.Errorf("%s = %v, want %v", k, claims[k], v)
		}
	}
	if _, ok := claims["preferred_username"]; ok {
		t.Error("Google has no preferred_username")
	}
}

// rawGet GETs u with an Authorization header and decodes the JSON into,
// keeping numbers as json.Number.
func rawGet(t *testing.T, u, auth string, into any) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", auth)
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		t.Fatalf("GET %s: not JSON: %v", u, err)
	}
	return resp
}
