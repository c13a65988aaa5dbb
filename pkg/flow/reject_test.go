package flow_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/providers"
)

func tokenRequests(idp *devidp.Server) int {
	n := 0
	for _, r := range idp.Requests() {
		if r.Kind == devidp.KindToken {
			n++
		}
	}
	return n
}

// assertRejected checks the REJECT contract of the security catalogue: an
// *flow.Error with the code and reason, no result, no row written, and
// no token request after the failing check when beforeExchange is set.
func assertRejected(t *testing.T, res *flow.Result, err error, code flow.ErrorCode, reason error) {
	t.Helper()
	if err == nil || res != nil {
		t.Fatalf("accepted (%+v); want %s", res, code)
	}
	if flow.CodeOf(err) != code || !errors.Is(err, reason) {
		t.Fatalf("got %v; want %s / %v", err, code, reason)
	}
	for _, secret := range []string{testSecret, "authkit-test-client-secret"} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("the error shows a secret: %v", err)
		}
	}
}

func TestIdPFailuresAreRejected(t *testing.T) {
	for _, tc := range []struct {
		failure        devidp.Failure
		code           flow.ErrorCode
		reason         error
		beforeExchange bool
	}{
		{devidp.FailAccessDenied, flow.OAuthCallbackError, flow.ErrAccessDenied, true},
		{devidp.FailStateNotEchoed, flow.InvalidCheck, flow.ErrStateMissing, true},
		{devidp.FailWrongIssParam, flow.OAuthCallbackError, flow.ErrIssuerMismatch, true},
		{devidp.FailNoIssParam, flow.OAuthCallbackError, flow.ErrIssuerMismatch, true},
		{devidp.FailTokenError, flow.OAuthCallbackError, flow.ErrCodeExchange, false},
		{devidp.FailToken500, flow.OAuthCallbackError, flow.ErrCodeExchange, false},
		{devidp.FailWrongIss, flow.OAuthCallbackError, flow.ErrIssuerMismatch, false},
		{devidp.FailWrongAud, flow.OAuthCallbackError, flow.ErrIDToken, false},
		{devidp.FailBadSignature, flow.OAuthCallbackError, flow.ErrIDToken, false},
		{devidp.FailAlgNone, flow.OAuthCallbackError, flow.ErrIDToken, false},
		{devidp.FailUnknownKid, flow.OAuthCallbackError, flow.ErrIDToken, false},
		{devidp.FailExpiredIDToken, flow.OAuthCallbackError, flow.ErrIDToken, false},
		{devidp.FailFutureIat, flow.OAuthCallbackError, flow.ErrIDToken, false},
		{devidp.FailNonceMismatch, flow.InvalidCheck, flow.ErrNonceMismatch, false},
		{devidp.FailNoNonce, flow.InvalidCheck, flow.ErrNonceMismatch, false},
	} {
		t.Run(string(tc.failure), func(t *testing.T) {
			idp := devidp.StartTest(t, devidp.Options{Failures: []devidp.Failure{tc.failure}})
			st := newStore(t)
			e := newEngine(t, st, "", oidcProvider(idp, "dev"))
			before := rowCounts(t, st)
			res, err := signIn(t, e, "dev", "")
			assertRejected(t, res, err, tc.code, tc.reason)
			assertUnchanged(t, st, before)
			if tc.beforeExchange && tokenRequests(idp) != 0 {
				t.Fatal("the code was exchanged after a failed check")
			}
		})
	}
}

func TestCallbackChecks(t *testing.T) {
	ctx := context.Background()
	idp := devidp.StartTest(t, devidp.Options{})
	st := newStore(t)
	dev, dev2 := oidcProvider(idp, "dev"), oidcProvider(idp, "dev2")
	e := newEngine(t, st, "", dev, dev2)
	before := rowCounts(t, st)

	begin := func() (*flow.Start, map[string]*http.Cookie) {
		s, err := e.BeginSignIn(ctx, "dev", flow.BeginOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]*http.Cookie{}
		for _, c := range s.Cookies {
			m[c.Name] = c
		}
		return s, m
	}
	names := e.CookieNames()
	callback := func(provider string, params map[string][]string, cookies ...*http.Cookie) (*flow.Result, error) {
		return e.HandleCallback(ctx, flow.CallbackRequest{ProviderID: provider, Params: params, Cookies: cookies})
	}

	a, ac := begin()
	aParams := authorize(t, a)
	b, bc := begin()
	bParams := authorize(t, b)
	tokensBefore := tokenRequests(idp)

	t.Run("foreign state", func(t *testing.T) {
		res, err := callback("dev", aParams, bc[names.State], bc[names.PKCECodeVerifier], bc[names.Nonce])
		assertRejected(t, res, err, flow.InvalidCheck, flow.ErrStateMismatch)
	})
	t.Run("no state cookie", func(t *testing.T) {
		res, err := callback("dev", aParams, ac[names.PKCECodeVerifier], ac[names.Nonce])
		assertRejected(t, res, err, flow.InvalidCheck, flow.ErrCheckCookie)
	})
	t.Run("tampered state cookie", func(t *testing.T) {
		bad := *ac[names.State]
		bad.Value = bad.Value[:len(bad.Value)-3] + "AAA"
		res, err := callback("dev", aParams, &bad, ac[names.PKCECodeVerifier], ac[names.Nonce])
		assertRejected(t, res, err, flow.InvalidCheck, flow.ErrCheckCookie)
	})
	t.Run("check cookies of another provider", func(t *testing.T) {
		res, err := callback("dev2", aParams, ac[names.State], ac[names.PKCECodeVerifier], ac[names.Nonce])
		assertRejected(t, res, err, flow.InvalidCheck, flow.ErrCheckCookie)
	})
	fresh := func() (url.Values, map[string]*http.Cookie) {
		s, c := begin()
		return authorize(t, s), c
	}
	t.Run("state cookie in the PKCE slot", func(t *testing.T) {
		params, c := fresh()
		swapped := *c[names.State]
		swapped.Name = names.PKCECodeVerifier
		res, err := callback("dev", params, c[names.State], &swapped, c[names.Nonce])
		assertRejected(t, res, err, flow.InvalidCheck, flow.ErrCheckCookie)
	})
	t.Run("no code", func(t *testing.T) {
		params, c := fresh()
		p := map[string][]string{"state": params["state"], "iss": params["iss"]}
		res, err := callback("dev", p, c[names.State], c[names.PKCECodeVerifier], c[names.Nonce])
		assertRejected(t, res, err, flow.OAuthCallbackError, flow.ErrCodeMissing)
	})
	t.Run("unknown provider", func(t *testing.T) {
		res, err := callback("nope", aParams, ac[names.State])
		assertRejected(t, res, err, flow.InvalidProvider, flow.ErrUnknownProvider)
		if !strings.Contains(err.Error(), "dev, dev2") {
			t.Fatalf("the message does not list the configured providers: %v", err)
		}
	})
	if tokenRequests(idp) != tokensBefore {
		t.Fatal("a failed check was followed by a token request")
	}
	t.Run("PKCE verifier of another sign-in", func(t *testing.T) {
		params, c := fresh()
		_, other := begin()
		res, err := callback("dev", params, c[names.State], other[names.PKCECodeVerifier], c[names.Nonce])
		assertRejected(t, res, err, flow.OAuthCallbackError, flow.ErrCodeExchange)
	})
	t.Run("nonce of another sign-in", func(t *testing.T) {
		params, c := fresh()
		_, other := begin()
		res, err := callback("dev", params, c[names.State], c[names.PKCECodeVerifier], other[names.Nonce])
		assertRejected(t, res, err, flow.InvalidCheck, flow.ErrNonceMismatch)
	})
	assertUnchanged(t, st, before)

	t.Run("callback replay", func(t *testing.T) {
		params, c := fresh()
		if _, err := callback("dev", params, c[names.State], c[names.PKCECodeVerifier], c[names.Nonce]); err != nil {
			t.Fatal(err)
		}
		after, tokens := rowCounts(t, st), tokenRequests(idp)
		res, err := callback("dev", params, c[names.State], c[names.PKCECodeVerifier], c[names.Nonce])
		assertRejected(t, res, err, flow.InvalidCheck, flow.ErrStateReplayed)
		assertUnchanged(t, st, after)
		if tokenRequests(idp) != tokens {
			t.Fatal("a replayed callback reached the token endpoint")
		}
	})
	t.Run("a failed callback is used up too", func(t *testing.T) {
		params, c := fresh()
		p := map[string][]string{"state": params["state"], "iss": params["iss"]}
		if _, err := callback("dev", p, c[names.State], c[names.PKCECodeVerifier], c[names.Nonce]); err == nil {
			t.Fatal("accepted without a code")
		}
		res, err := callback("dev", params, c[names.State], c[names.PKCECodeVerifier], c[names.Nonce])
		assertRejected(t, res, err, flow.InvalidCheck, flow.ErrStateReplayed)
	})
	_ = bParams
	_ = bc
}

func TestExpiredCheckCookies(t *testing.T) {
	ctx := context.Background()
	idp := devidp.StartTest(t, devidp.Options{})
	now := time.Now()
	clock := func() time.Time { return now }
	p := oidcProvider(idp, "dev")
	e, err := flow.New(flow.Config{Providers: []*providers.Provider{p}, Secrets: []string{testSecret}, BaseURL: baseURL, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	start, _ := e.BeginSignIn(ctx, "dev", flow.BeginOptions{})
	params := authorize(t, start)
	now = now.Add(16 * time.Minute)
	res, err := e.HandleCallback(ctx, flow.CallbackRequest{ProviderID: "dev", Params: params, Cookies: start.Cookies})
	assertRejected(t, res, err, flow.InvalidCheck, flow.ErrCheckCookie)
	if tokenRequests(idp) != 0 {
		t.Fatal("exchanged with expired checks")
	}
}

func TestMissingClientSecretNamesTheVariable(t *testing.T) {
	idp := devidp.StartTest(t, devidp.Options{Shape: devidp.ShapeGitHub})
	p := githubProvider(t, idp)
	p.ClientSecret = ""
	e := newEngine(t, nil, "", p)
	_, err := e.BeginSignIn(context.Background(), "github", flow.BeginOptions{})
	if flow.CodeOf(err) != flow.Configuration || !strings.Contains(err.Error(), "AUTH_GITHUB_SECRET") {
		t.Fatalf("%v", err)
	}
}

func TestAuthorizationRequest(t *testing.T) {
	idp := devidp.StartTest(t, devidp.Options{})
	e := newEngine(t, nil, "", oidcProvider(idp, "dev"))
	start, err := e.BeginSignIn(context.Background(), "dev", flow.BeginOptions{LoginHint: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"response_type=code", "code_challenge_method=S256", "code_challenge=", "state=", "nonce=", "login_hint=ada%40example.com",
		"redirect_uri=" + strings.ReplaceAll(strings.ReplaceAll(baseURL+"/callback/dev", ":", "%3A"), "/", "%2F"), "scope=openid"} {
		if !strings.Contains(start.URL, want) {
			t.Fatalf("authorization URL lacks %s: %s", want, start.URL)
		}
	}
	if len(start.Cookies) != 3 {
		t.Fatalf("%d check cookies", len(start.Cookies))
	}
	for _, c := range start.Cookies {
		if !c.HttpOnly || c.MaxAge != 900 || c.Path != "/" || c.SameSite != http.SameSiteLaxMode || strings.Contains(start.URL, c.Value) {
			t.Fatalf("check cookie %s", c)
		}
	}
}

func TestCallbackParameterAttacks(t *testing.T) {
	ctx := context.Background()
	idp := devidp.StartTest(t, devidp.Options{})
	st := newStore(t)
	e := newEngine(t, st, "", oidcProvider(idp, "dev"))
	before := rowCounts(t, st)
	for _, tc := range []struct {
		name   string
		change func(url.Values)
		code   flow.ErrorCode
		reason error
	}{
		{"repeated state", func(v url.Values) { v.Add("state", v.Get("state")) }, flow.InvalidCheck, flow.ErrStateMismatch},
		{"repeated code", func(v url.Values) { v.Add("code", "other") }, flow.InvalidCheck, flow.ErrStateMismatch},
		{"repeated iss", func(v url.Values) { v.Add("iss", v.Get("iss")) }, flow.InvalidCheck, flow.ErrStateMismatch},
		{"implicit id_token", func(v url.Values) { v.Set("id_token", "eyJ") }, flow.OAuthCallbackError, flow.ErrProviderError},
		{"implicit access_token", func(v url.Values) { v.Set("access_token", "x") }, flow.OAuthCallbackError, flow.ErrProviderError},
		{"JARM response", func(v url.Values) { v.Set("response", "eyJ") }, flow.OAuthCallbackError, flow.ErrProviderError},
		{"error with a code", func(v url.Values) { v.Set("error", "server_error") }, flow.OAuthCallbackError, flow.ErrProviderError},
		{"iss of another provider", func(v url.Values) { v.Set("iss", "https://evil.example") }, flow.OAuthCallbackError, flow.ErrIssuerMismatch},
		{"no iss though announced", func(v url.Values) { v.Del("iss") }, flow.OAuthCallbackError, flow.ErrIssuerMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, err := e.BeginSignIn(ctx, "dev", flow.BeginOptions{})
			if err != nil {
				t.Fatal(err)
			}
			params := authorize(t, start)
			tc.change(params)
			n := tokenRequests(idp)
			res, err := e.HandleCallback(ctx, flow.CallbackRequest{ProviderID: "dev", Params: params, Cookies: start.Cookies})
			assertRejected(t, res, err, tc.code, tc.reason)
			if tokenRequests(idp) != n {
				t.Fatal("exchanged the code of a rejected callback")
			}
		})
	}
	assertUnchanged(t, st, before)
}

func TestErrorDescriptionIsBoundedAndEscaped(t *testing.T) {
	ctx := context.Background()
	idp := devidp.StartTest(t, devidp.Options{})
	e := newEngine(t, nil, "", oidcProvider(idp, "dev"))
	start, _ := e.BeginSignIn(ctx, "dev", flow.BeginOptions{})
	params := authorize(t, start)
	params.Del("code")
	params.Set("error", "access_denied")
	params.Set("error_description", "<script>x</script>\r\nSet-Cookie: a=b\x00"+strings.Repeat("A", 1<<20))
	_, err := e.HandleCallback(ctx, flow.CallbackRequest{ProviderID: "dev", Params: params, Cookies: start.Cookies})
	if !errors.Is(err, flow.ErrAccessDenied) || len(err.Error()) > 1000 || strings.ContainsAny(err.Error(), "\r\n\x00") {
		t.Fatalf("%d bytes: %q", len(err.Error()), err.Error()[:min(len(err.Error()), 300)])
	}
}

// TestTokenEndpointAnswers runs the callback against token endpoints that
// misbehave: a redirect, HTML, a non-bearer token, no access token.
func TestTokenEndpointAnswers(t *testing.T) {
	ctx := context.Background()
	idp := devidp.StartTest(t, devidp.Options{Shape: devidp.ShapeGitHub})
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter)
	}{
		{"redirect", func(w http.ResponseWriter) {
			w.Header().Set("Location", "https://evil.example/token")
			w.WriteHeader(http.StatusFound)
		}},
		{"html", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>maintenance</html>"))
		}},
		{"not bearer", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"access_token":"x","token_type":"mac"}`))
		}},
		{"no access token", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"token_type":"bearer"}`))
		}},
		{"json array", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`[1,2]`))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tc.answer(w) }))
			defer fake.Close()
			p := githubProvider(t, idp)
			p.TokenURL = fake.URL + "/token"
			st := newStore(t)
			e := newEngine(t, st, "", p)
			before := rowCounts(t, st)
			start, _ := e.BeginSignIn(ctx, "github", flow.BeginOptions{})
			res, err := e.HandleCallback(ctx, flow.CallbackRequest{ProviderID: "github", Params: authorize(t, start), Cookies: start.Cookies})
			assertRejected(t, res, err, flow.OAuthCallbackError, flow.ErrCodeExchange)
			assertUnchanged(t, st, before)
		})
	}
}
