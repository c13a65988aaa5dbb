package devidp_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/devidp"
)

func TestLoginPage(t *testing.T) {
	s := start(t, devidp.Options{LoginPage: true, Users: []devidp.User{
		{Email: "ada@example.com", Name: "Ada"}, {Email: "bob@example.com", Name: "Bob <b>"}}})
	f := newFlow(t, s)
	page := func() (string, string) {
		resp, err := noRedirect.Get(f.authorizeURL())
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, resp)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("login page: %d\n%s", resp.StatusCode, body)
		}
		m := regexp.MustCompile(`name="request" value="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no request field:\n%s", body)
		}
		return body, m[1]
	}
	body, id := page()
	for _, want := range []string{`<html lang="en">`, `<form method="post" action="/devidp/login">`, `<legend>Accounts</legend>`,
		`value="0" id="user-0">Sign in as Ada (ada@example.com)</button>`, `Sign in as Bob &lt;b&gt; (bob@example.com)`, `name="deny"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "<script") || strings.Contains(body, f.state) {
		t.Error("the page has a script, or shows the state")
	}
	post := func(form url.Values) *http.Response {
		resp, err := noRedirect.PostForm(s.URL()+"/devidp/login", form)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	q := callbackOf(t, post(url.Values{"request": {id}, "user": {"1"}}), f.redirect)
	if q.Get("state") != f.state || q.Get("code") == "" {
		t.Fatalf("callback %v", q)
	}
	claims, err := verifyIDToken(t, s, mustToken(t, f, q.Get("code")), f.clientID, f.nonce)
	if err != nil || claims["email"] != "bob@example.com" {
		t.Errorf("chose Bob, got %v (%v)", claims["email"], err)
	}
	// The request is answered once.
	if resp := post(url.Values{"request": {id}, "user": {"0"}}); resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
		t.Errorf("second answer: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Cancel is access_denied.
	_, id = page()
	q = callbackOf(t, post(url.Values{"request": {id}, "deny": {"1"}}), f.redirect)
	if q.Get("error") != "access_denied" || q.Get("code") != "" {
		t.Errorf("deny: %v", q)
	}
	// Out of range, or no user.
	for _, user := range []string{"2", "-1", "x", ""} {
		_, id = page()
		if resp := post(url.Values{"request": {id}, "user": {user}}); resp.StatusCode != 400 {
			t.Errorf("user %q: %d", user, resp.StatusCode)
		}
	}
	// The hinted user has the focus.
	f.extra = url.Values{"login_hint": {"bob@example.com"}}
	if body, _ := page(); !strings.Contains(body, `id="user-1" autofocus`) {
		t.Errorf("no focus on the hinted user:\n%s", body)
	}
}

func mustToken(t *testing.T, f *flow, code string) string {
	t.Helper()
	status, body := f.exchange(code)
	if status != 200 {
		t.Fatalf("token: %d %v", status, body)
	}
	return body["id_token"].(string)
}

func TestLoginHint(t *testing.T) {
	s := start(t, devidp.Options{Users: []devidp.User{{Email: "a@example.com"}, {Email: "b@example.com", Login: "bee"}}})
	for hint, want := range map[string]string{"": "a@example.com", "B@Example.com": "b@example.com", "bee": "b@example.com",
		s.Users()[1].ID: "b@example.com", "nobody@example.com": "a@example.com"} {
		f := newFlow(t, s)
		f.extra = url.Values{"login_hint": {hint}}
		claims, _ := verifyIDToken(t, s, f.tokens()["id_token"].(string), f.clientID, f.nonce)
		if claims["email"] != want {
			t.Errorf("login_hint %q: %v, want %s", hint, claims["email"], want)
		}
	}
}

func TestTokenEndpointFailures(t *testing.T) {
	s := start(t, devidp.Options{TokenDelay: 300 * time.Millisecond})
	s.SetFailures(devidp.FailTokenError)
	f := newFlow(t, s)
	code := f.code()
	if status, body := f.exchange(code); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("token_error: %d %v", status, body)
	}
	// The refused request did not spend the code.
	s.SetFailures()
	if status, body := f.exchange(code); status != 200 {
		t.Errorf("after token_error: %d %v", status, body)
	}

	s.SetFailures(devidp.FailToken500)
	resp, err := http.PostForm(s.Endpoints().Token, url.Values{"grant_type": {"authorization_code"}})
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != 500 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "500") {
		t.Errorf("token_500: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	s.SetFailures(devidp.FailSlowToken)
	f = newFlow(t, s)
	code = f.code()
	began := time.Now()
	if status, _ := f.exchange(code); status != 200 {
		t.Errorf("slow_token: %d", status)
	}
	if took := time.Since(began); took < 300*time.Millisecond {
		t.Errorf("slow_token answered in %v, want 300ms or more", took)
	}

	gh := start(t, devidp.Options{Shape: devidp.ShapeGitHub, Failures: []devidp.Failure{devidp.FailTokenError}})
	f = newFlow(t, gh)
	if status, body := f.exchange(f.code()); status != 200 || body["error"] != "bad_verification_code" {
		t.Errorf("github token_error: %d %v", status, body)
	}
}

// TestSlowTokenEndsOnClose: Close does not wait out slow_token.
func TestSlowTokenEndsOnClose(t *testing.T) {
	s, err := devidp.New(devidp.Options{Failures: []devidp.Failure{devidp.FailSlowToken}, TokenDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	f := newFlow(t, s)
	code := f.code()
	done := make(chan struct{})
	go func() {
		defer close(done)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {"x"}}
		resp, err := http.PostForm(s.Endpoints().Token, form)
		if err == nil {
			resp.Body.Close()
		}
	}()
	for s.Count(devidp.KindAuthorize) == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	// The token delay is an hour: only Close can end the request now.
	s.Close()
	<-done
	s.Close() // a second Close is harmless
}

// TestLogHoldsNoSecret: the request log and the log lines name what
// happened without any code, token, state, nonce, verifier or secret
// (catalogue §0 item 5), and a test can see that no token request
// followed a bad callback (item 4).
func TestLogHoldsNoSecret(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	s := start(t, devidp.Options{ClientID: "app", ClientSecret: "canary-secret", Logger: logger})
	f := newFlow(t, s)
	f.secret = "canary-secret"
	code := f.code()
	status, body := f.exchange(code)
	if status != 200 {
		t.Fatal(body)
	}
	getJSON(t, s.Endpoints().UserInfo, "Bearer "+body["access_token"].(string), nil)
	postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)}}, "app", "canary-secret")
	f.exchange(code) // a replay

	reqs := s.Requests()
	var kinds []string
	for _, r := range reqs {
		kinds = append(kinds, string(r.Kind))
	}
	if got := strings.Join(kinds, " "); got != "authorize token userinfo token token" {
		t.Errorf("kinds %q", got)
	}
	if reqs[0].CodeRef == "" || reqs[0].CodeRef != reqs[1].CodeRef || reqs[0].User != "dev@example.com" || reqs[1].Grant != "authorization_code" ||
		reqs[2].Status != 200 || reqs[2].User != "dev@example.com" || reqs[3].Grant != "refresh_token" || reqs[3].Status != 200 ||
		reqs[4].Error != "invalid_grant" || reqs[4].CodeRef != reqs[0].CodeRef || reqs[1].ClientID != "app" {
		t.Errorf("log %+v", reqs)
	}
	if s.Count(devidp.KindToken) != 3 {
		t.Errorf("Count(token) = %d", s.Count(devidp.KindToken))
	}
	mu.Lock()
	text := logs.String()
	mu.Unlock()
	all := text + fmt.Sprintf("%+v", reqs)
	for name, canary := range map[string]string{"code": code, "access token": body["access_token"].(string),
		"refresh token": body["refresh_token"].(string), "id token": body["id_token"].(string), "secret": "canary-secret",
		"state": f.state, "nonce": f.nonce, "verifier": f.verifier} {
		if strings.Contains(all, canary) {
			t.Errorf("the logs hold the %s", name)
		}
	}
	if n := strings.Count(text, "msg=request"); n != 5 || !strings.Contains(text, "path=/authorize") || !strings.Contains(text, "error=invalid_grant") {
		t.Errorf("%d log lines:\n%s", n, text)
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Error("ResetRequests kept requests")
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestStart(t *testing.T) {
	s := start(t, devidp.Options{})
	if host, _, _ := net.SplitHostPort(strings.TrimPrefix(s.URL(), "http://")); host != "127.0.0.1" {
		t.Errorf("listens on %s", s.URL())
	}
	if err := s.Start("127.0.0.1:0"); err == nil {
		t.Error("a second Start succeeds")
	}
	other, _ := devidp.New(devidp.Options{})
	addr := strings.TrimPrefix(s.URL(), "http://")
	if err := other.Start(addr); !errors.Is(err, devidp.ErrAddrInUse) || err.Error() != addr+" is in use" {
		t.Errorf("port in use: %v", err)
	}
	for _, addr := range []string{"0.0.0.0:0", ":0x", "[::1]:0", "example.com:80"} {
		if err := other.Start(addr); err == nil {
			other.Close()
			t.Errorf("Start(%q) succeeds", addr)
		}
	}
	if err := other.Start(":0"); err != nil {
		t.Errorf("Start(:0): %v", err)
	} else if !strings.HasPrefix(other.URL(), "http://127.0.0.1:") {
		t.Errorf(":0 listens on %s", other.URL())
	}
	other.Close()
}

// TestHandler: mounted in an httptest.Server, the provider works, with
// the issuer set by SetURL or taken from the Host.
func TestHandler(t *testing.T) {
	s, err := devidp.New(devidp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	var doc map[string]any
	getJSON(t, ts.URL+"/.well-known/openid-configuration", "", &doc)
	if doc["issuer"] != ts.URL {
		t.Errorf("issuer from Host: %v, want %s", doc["issuer"], ts.URL)
	}
	if err := s.SetURL(ts.URL + "/"); err != nil {
		t.Fatal(err)
	}
	if s.Issuer() != ts.URL {
		t.Errorf("Issuer %q", s.Issuer())
	}
	f := newFlow(t, s)
	if _, err := verifyIDToken(t, s, f.tokens()["id_token"].(string), f.clientID, f.nonce); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"ftp://x", "127.0.0.1:1", "http://x/?a=1"} {
		if s.SetURL(bad) == nil {
			t.Errorf("SetURL(%q) succeeds", bad)
		}
	}
}

// TestConcurrentFlows runs flows while the failure modes change, for the
// race detector.
func TestConcurrentFlows(t *testing.T) {
	s := start(t, devidp.Options{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 5 {
				f := newFlow(t, s)
				q := f.authorize()
				if code := q.Get("code"); code != "" {
					f.exchange(code)
				}
			}
		})
		wg.Go(func() {
			for j := range 10 {
				if (i+j)%2 == 0 {
					s.SetFailures(devidp.FailNoNonce, devidp.FailAccessDenied)
				} else {
					s.SetFailures()
				}
				s.ActiveFailures()
				s.Requests()
			}
		})
	}
	wg.Wait()
}

func TestUsers(t *testing.T) {
	u, err := devidp.ParseUser("ada@example.com:Ada Lovelace: Countess")
	if err != nil || u.Email != "ada@example.com" || u.Name != "Ada Lovelace: Countess" {
		t.Errorf("ParseUser: %+v %v", u, err)
	}
	for _, bad := range []string{"", "ada", ":Ada", "Ada <ada@example.com>", "a b@example.com"} {
		if _, err := devidp.ParseUser(bad); err == nil {
			t.Errorf("ParseUser(%q) succeeds", bad)
		}
	}
	users, err := devidp.ReadUsers(strings.NewReader(`[{"email":"a@example.com","name":"A","email_verified":false,"login":"aa"},{"email":"b@example.com","private_email":true}]`))
	if err != nil || len(users) != 2 || users[0].Verified() || !users[1].Verified() || !users[1].PrivateEmail || users[0].Login != "aa" {
		t.Errorf("ReadUsers: %+v %v", users, err)
	}
	for _, bad := range []string{``, `{}`, `[]`, `[{"email":"x"}]`, `[{"email":"a@example.com","role":"admin"}]`, `[{"email":"a@example.com"}] []`} {
		if _, err := devidp.ReadUsers(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadUsers(%q) succeeds", bad)
		}
	}
	// Derived ids are stable across servers, and shaped per provider.
	a := start(t, devidp.Options{Shape: devidp.ShapeGitHub, Users: users})
	b := start(t, devidp.Options{Shape: devidp.ShapeGitHub, Users: users})
	if a.Users()[0].ID != b.Users()[0].ID || a.Users()[0].ID == a.Users()[1].ID || strings.Trim(a.Users()[0].ID, "0123456789") != "" {
		t.Errorf("ids %s %s %s", a.Users()[0].ID, b.Users()[0].ID, a.Users()[1].ID)
	}
	if d := start(t, devidp.Options{}).Users()[0]; d.Email != "dev@example.com" || d.Name != "Dev User" || d.Login != "dev" {
		t.Errorf("default user %+v", d)
	}
	for _, bad := range [][]devidp.User{
		{{Email: "a@example.com"}, {Email: "A@example.com"}},
		{{Email: "a@example.com", ID: "1"}, {Email: "b@example.com", ID: "1"}},
		{{Email: "nope"}},
	} {
		if _, err := devidp.New(devidp.Options{Users: bad}); err == nil {
			t.Errorf("New(%+v) succeeds", bad)
		}
	}
	if _, err := devidp.New(devidp.Options{Shape: devidp.ShapeGitHub, Users: []devidp.User{{Email: "a@example.com", ID: "octo"}}}); err == nil {
		t.Error("a non-numeric GitHub id is accepted")
	}
}

func TestOptionsAndNames(t *testing.T) {
	for _, bad := range []devidp.Options{{Shape: "gitlab"}, {SigningAlg: "HS256"}, {Failures: []devidp.Failure{"nope"}},
		{RedirectURIs: []string{"/relative"}}} {
		if _, err := devidp.New(bad); err == nil {
			t.Errorf("New(%+v) succeeds", bad)
		}
	}
	if f, err := devidp.ParseFailure("Wrong-Iss"); err != nil || f != devidp.FailWrongIss {
		t.Errorf("ParseFailure: %v %v", f, err)
	}
	if _, err := devidp.ParseFailure("nope"); err == nil || !strings.Contains(err.Error(), "access_denied") {
		t.Errorf("ParseFailure(nope): %v", err)
	}
	for _, f := range devidp.Failures() {
		if f.Describe() == "" {
			t.Errorf("%s has no description", f)
		}
	}
	if sh, err := devidp.ParseShape("GitHub"); err != nil || sh != devidp.ShapeGitHub {
		t.Errorf("ParseShape: %v %v", sh, err)
	}
}

func TestPromptNoneWithLoginPage(t *testing.T) {
	s := start(t, devidp.Options{LoginPage: true})
	f := newFlow(t, s)
	f.extra = url.Values{"prompt": {"none"}}
	if q := f.authorize(); q.Get("error") != "login_required" || q.Get("state") != f.state {
		t.Errorf("callback %v, want login_required", q)
	}
}

func TestWrongIssParamOnOAuth2Shapes(t *testing.T) {
	for _, shape := range []devidp.Shape{devidp.ShapeGitHub, devidp.ShapeDiscord} {
		s := start(t, devidp.Options{Shape: shape, Failures: []devidp.Failure{devidp.FailWrongIssParam}})
		if q := newFlow(t, s).authorize(); q.Get("iss") == "" || q.Get("code") == "" {
			t.Errorf("%s: callback %v, want a foreign iss", shape, q)
		}
	}
}

func TestRefreshTokenLifetime(t *testing.T) {
	c := newClock()
	s := start(t, devidp.Options{Now: c.Now})
	f := newFlow(t, s)
	body := f.tokens()
	rt := body["refresh_token"].(string)
	c.Advance(61 * time.Minute)
	if code := getJSON(t, s.Endpoints().UserInfo, "Bearer "+body["access_token"].(string), nil); code != 401 {
		t.Errorf("an access token after 61 minutes: %d", code)
	}
	c.Advance(31 * 24 * time.Hour)
	if status, body := postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, f.clientID, f.secret); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("a 31-day-old refresh token: %d %v", status, body)
	}
}
