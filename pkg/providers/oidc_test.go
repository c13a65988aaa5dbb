package providers

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// discoveryServer serves doc (with https://issuer.invalid replaced by the
// server's URL, and issuer by issuerOverride when set) at the well-known
// path, and counts the requests.
func discoveryServer(t *testing.T, doc string, issuerOverride func(base string) string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		body := strings.ReplaceAll(doc, "https://issuer.invalid", srv.URL)
		if issuerOverride != nil {
			body = strings.Replace(body, `"issuer": "`+srv.URL+`"`, `"issuer": "`+issuerOverride(srv.URL)+`"`, 1)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestDiscover(t *testing.T) {
	srv, hits := discoveryServer(t, string(sample(t, "discovery/generic.json")), nil)
	p := NewOIDC("dev", "Dev", srv.URL)
	if err := Discover(context.Background(), srv.Client(), p); err != nil {
		t.Fatal(err)
	}
	if p.AuthURL != srv.URL+"/authorize" || p.TokenURL != srv.URL+"/token" || p.UserInfoURL != srv.URL+"/userinfo" || p.JWKSURL != srv.URL+"/.well-known/jwks.json" {
		t.Errorf("endpoints %q %q %q %q", p.AuthURL, p.TokenURL, p.UserInfoURL, p.JWKSURL)
	}
	if !p.AuthResponseIss || strings.Join(p.IDTokenAlgs, ",") != "RS256,ES256" {
		t.Errorf("AuthResponseIss %v IDTokenAlgs %v", p.AuthResponseIss, p.IDTokenAlgs)
	}
	// Cached: a second provider with the same issuer makes no request,
	// and explicit endpoints are kept.
	q := NewOIDC("dev2", "Dev", srv.URL)
	q.UserInfoURL = srv.URL + "/custom-userinfo"
	if err := Discover(context.Background(), srv.Client(), q); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests, want 1 (cache)", hits.Load())
	}
	if q.UserInfoURL != srv.URL+"/custom-userinfo" || q.AuthURL != p.AuthURL {
		t.Errorf("explicit endpoint overwritten: %q", q.UserInfoURL)
	}
	// A cached document is not shared memory.
	q.IDTokenAlgs[0] = "none"
	if p.IDTokenAlgs[0] != "RS256" {
		t.Error("IDTokenAlgs shared between providers")
	}
	r := NewOIDC("dev3", "Dev", srv.URL)
	Discover(context.Background(), srv.Client(), r)
	if r.IDTokenAlgs[0] != "RS256" {
		t.Error("the cache was changed through a provider")
	}

	// After the TTL it is fetched again.
	old := discovery.now
	discovery.now = func() time.Time { return time.Now().Add(DiscoveryTTL + time.Second) }
	defer func() { discovery.now = old }()
	if err := Discover(context.Background(), srv.Client(), NewOIDC("dev4", "Dev", srv.URL)); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 2 {
		t.Errorf("%d requests, want 2 after the TTL", hits.Load())
	}
}

func TestDiscoverConcurrent(t *testing.T) {
	var hits atomic.Int32
	release := make(chan struct{})
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-release
		w.Write([]byte(strings.ReplaceAll(string(sample(t, "discovery/generic.json")), "https://issuer.invalid", srv.URL)))
	}))
	defer srv.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := NewOIDC("dev", "Dev", srv.URL)
			if err := Discover(context.Background(), srv.Client(), p); err != nil {
				errs <- err
			} else if p.TokenURL != srv.URL+"/token" {
				errs <- errors.New("token URL " + p.TokenURL)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests for one issuer", hits.Load())
	}
}

func TestDiscoverRefuses(t *testing.T) {
	generic := string(sample(t, "discovery/generic.json"))
	tests := []struct {
		name    string
		handler func(base string) http.HandlerFunc
		want    []string
	}{
		{"issuer with trailing slash", func(base string) http.HandlerFunc {
			return serve(strings.Replace(strings.ReplaceAll(generic, "https://issuer.invalid", base), `"issuer": "`+base+`"`, `"issuer": "`+base+`/"`, 1))
		}, []string{"names the issuer", "must match exactly"}},
		{"another issuer", func(base string) http.HandlerFunc {
			return serve(strings.Replace(strings.ReplaceAll(generic, "https://issuer.invalid", base), `"issuer": "`+base+`"`, `"issuer": "https://evil.example"`, 1))
		}, []string{`names the issuer "https://evil.example"`}},
		{"issuer in upper case", func(base string) http.HandlerFunc {
			return serve(strings.Replace(strings.ReplaceAll(generic, "https://issuer.invalid", base), `"issuer": "`+base+`"`, `"issuer": "`+strings.ToUpper(base)+`"`, 1))
		}, []string{"names the issuer"}},
		{"no issuer", func(base string) http.HandlerFunc {
			return serve(`{"authorization_endpoint":"` + base + `/a","token_endpoint":"` + base + `/t","jwks_uri":"` + base + `/k"}`)
		}, []string{"has no issuer"}},
		{"oversized", func(base string) http.HandlerFunc {
			pad := strings.Repeat(" ", MaxBodySize)
			return serve(strings.ReplaceAll(generic, "https://issuer.invalid", base) + pad)
		}, []string{"more than 1048576 bytes"}},
		{"not found", func(base string) http.HandlerFunc { return http.NotFound }, []string{"404 Not Found", "{base}/.well-known/openid-configuration", "check AUTH_DEV_ISSUER", "no discovery document was found"}},
		{"server error", func(base string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 503) }
		}, []string{"503 Service Unavailable", "try again"}},
		{"redirect", func(base string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "https://evil.example/x", http.StatusFound)
			}
		}, []string{"302 Found", "redirects are not followed"}},
		{"not JSON", func(base string) http.HandlerFunc { return serve("<html>hello</html>") }, []string{"not JSON"}},
		{"JSON array", func(base string) http.HandlerFunc { return serve(`[1,2]`) }, []string{"not an object"}},
		{"wrong types", func(base string) http.HandlerFunc { return serve(`{"issuer": 42}`) }, []string{"not OpenID provider metadata"}},
		{"no jwks_uri", func(base string) http.HandlerFunc {
			return serve(`{"issuer":"` + base + `","authorization_endpoint":"` + base + `/a","token_endpoint":"` + base + `/t"}`)
		}, []string{"has no jwks_uri"}},
		{"http endpoint", func(base string) http.HandlerFunc {
			return serve(`{"issuer":"` + base + `","authorization_endpoint":"` + base + `/a","token_endpoint":"http://evil.example/t","jwks_uri":"` + base + `/k"}`)
		}, []string{"token_endpoint http://evil.example/t is not https"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h http.HandlerFunc
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(w, r) }))
			defer srv.Close()
			h = tt.handler(srv.URL)
			p := NewOIDC("dev", "Dev", srv.URL)
			err := Discover(context.Background(), srv.Client(), p)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "authkit: cannot discover provider dev: ") {
				t.Errorf("error %q", msg)
			}
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "{base}", srv.URL); !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if p.AuthURL != "" || p.TokenURL != "" {
				t.Error("endpoints filled from a refused document")
			}
			// Failures are not cached: a fixed server is read at once.
			h = serve(strings.ReplaceAll(generic, "https://issuer.invalid", srv.URL))
			if err := Discover(context.Background(), srv.Client(), p); err != nil {
				t.Errorf("after the fix: %v", err)
			}
		})
	}
}

func serve(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}
}

func TestDiscoverTimeout(t *testing.T) {
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(done)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	// The server answers only when the request ends: the deadline is what
	// ends it.
	err := Discover(ctx, srv.Client(), NewOIDC("slow", "Slow", srv.URL))
	if err == nil || !strings.Contains(err.Error(), "timed out") || !strings.Contains(err.Error(), "did not answer in time") {
		t.Fatalf("error %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("not a deadline error")
	}
}

func TestDiscoverInputs(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		p    *Provider
		want string
	}{
		{mustLookup(t, "keycloak"), "authkit: cannot discover provider keycloak: no issuer; set AUTH_KEYCLOAK_ISSUER (https://<host>/realms/<realm>)"},
		{NewOIDC("corp", "Corp", "http://sso.corp.example"), "is not https"},
		{NewOIDC("corp", "Corp", "https://sso.corp.example?x=1"), "has a query or fragment"},
		{NewOIDC("corp", "Corp", "sso.corp.example"), "is not an absolute URL"},
	} {
		err := Discover(ctx, nil, tt.p)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v", tt.p.Issuer, err)
		}
	}
	// Not OIDC, or all endpoints given: nothing to do, no request.
	if err := Discover(ctx, nil, mustLookup(t, "github")); err != nil {
		t.Error(err)
	}
	p := NewOIDC("x", "X", "https://unreachable.invalid")
	p.AuthURL, p.TokenURL, p.JWKSURL = "https://a.invalid/a", "https://a.invalid/t", "https://a.invalid/k"
	if err := Discover(ctx, nil, p); err != nil {
		t.Error(err)
	}
}

// transportTo routes every request to h, whatever its host: for documents
// at real providers' URLs.
type transportTo struct{ h http.Handler }

func (tr transportTo) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	tr.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func TestDiscoverEntraMultiTenant(t *testing.T) {
	discovery.reset()
	t.Cleanup(discovery.reset)
	doc := sample(t, "discovery/entra-common.json")
	client := &http.Client{Transport: transportTo{serve(string(doc))}}

	p := mustLookup(t, "microsoft-entra-id")
	if err := Discover(context.Background(), client, p); err != nil {
		t.Fatal(err)
	}
	if p.Issuer != "https://login.microsoftonline.com/common/v2.0" || p.JWKSURL != "https://login.microsoftonline.com/common/discovery/v2.0/keys" ||
		p.UserInfoURL != "https://graph.microsoft.com/oidc/userinfo" {
		t.Errorf("%+v", p)
	}
	tid := "72f988bf-86f1-41af-91ab-2d7cd011db47"
	iss, err := p.IDTokenIssuer(map[string]any{"tid": tid})
	if err != nil || iss != "https://login.microsoftonline.com/"+tid+"/v2.0" {
		t.Errorf("IDTokenIssuer = %q, %v", iss, err)
	}
	for _, bad := range []any{nil, "", "../x", "{tenantid}", 42, tid + "/v2.0"} {
		if _, err := p.IDTokenIssuer(map[string]any{"tid": bad}); err == nil {
			t.Errorf("tid %#v accepted", bad)
		}
	}
	// Personal accounts: accepted by common, refused by organizations.
	if _, err := p.IDTokenIssuer(map[string]any{"tid": entraConsumersTenant}); err != nil {
		t.Error(err)
	}
	org := mustLookup(t, "microsoft-entra-id")
	org.Issuer = EntraIssuer("organizations")
	if err := Discover(context.Background(), client, org); err != nil {
		t.Fatal(err)
	}
	if _, err := org.IDTokenIssuer(map[string]any{"tid": entraConsumersTenant}); err == nil || !strings.Contains(err.Error(), "personal Microsoft account") {
		t.Errorf("organizations took a personal account: %v", err)
	}
	// A single tenant must match exactly: the templated document is refused.
	single := mustLookup(t, "microsoft-entra-id")
	single.Issuer = EntraIssuer(tid)
	if err := Discover(context.Background(), client, single); err == nil || !strings.Contains(err.Error(), "{tenantid}") {
		t.Errorf("templated issuer accepted for a single tenant: %v", err)
	}
	if iss, _ := single.IDTokenIssuer(map[string]any{"tid": "00000000-0000-0000-0000-000000000000"}); iss != single.Issuer {
		t.Errorf("single tenant issuer %q", iss)
	}
	// The template is only honoured on Microsoft's host.
	if issuerMatches("https://evil.example/common/v2.0", "https://login.microsoftonline.com/{tenantid}/v2.0") ||
		issuerMatches("https://login.microsoftonline.com/common/v2.0", "https://evil.example/{tenantid}/v2.0") {
		t.Error("template honoured on another host")
	}
	if !issuerMatches(EntraIssuer("consumers"), EntraIssuer(entraConsumersTenant)) {
		t.Error("consumers document refused")
	}
	if iss, _ := mustLookup(t, "google").IDTokenIssuer(nil); iss != "https://accounts.google.com" {
		t.Error(iss)
	}
}

func TestFetchMetadata(t *testing.T) {
	discovery.reset()
	t.Cleanup(discovery.reset)
	client := &http.Client{Transport: transportTo{serve(string(sample(t, "discovery/google.json")))}}
	md, err := FetchMetadata(context.Background(), client, "https://accounts.google.com")
	if err != nil {
		t.Fatal(err)
	}
	if md.TokenEndpoint != "https://oauth2.googleapis.com/token" || md.AuthorizationResponseIssParameterSupported {
		t.Errorf("%+v", md)
	}
	_, err = FetchMetadata(context.Background(), client, "https://accounts.google.com/")
	if err == nil || !strings.HasPrefix(err.Error(), "authkit: cannot discover issuer https://accounts.google.com/: ") {
		t.Errorf("trailing slash: %v", err)
	}
	if DiscoveryURL("https://auth.example.com/application/o/app/") != "https://auth.example.com/application/o/app/.well-known/openid-configuration" {
		t.Error("DiscoveryURL")
	}
}
