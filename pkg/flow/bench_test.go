package flow_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/providers"
)

// BenchmarkSignIn is a whole OIDC sign-in (begin, the provider's
// authorize redirect, callback: checks, code exchange, ID token
// verification, linking, session) against the dev IdP on loopback. The
// engine's own share is the difference to BenchmarkIdPRoundTrips.
func BenchmarkSignIn(b *testing.B) {
	for _, tc := range []struct {
		name  string
		store bool
	}{{"jwt-no-store", false}, {"database-sqlite", true}} {
		b.Run(tc.name, func(b *testing.B) {
			idp := devidp.StartTest(b, devidp.Options{})
			var e *flow.Engine
			if tc.store {
				e = newEngine(b, newBenchStore(b), "", oidcProvider(idp, "dev"))
			} else {
				e = newEngine(b, nil, "", oidcProvider(idp, "dev"))
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				start, err := e.BeginSignIn(ctx, "dev", flow.BeginOptions{})
				if err != nil {
					b.Fatal(err)
				}
				params := authorizeB(b, start)
				if _, err := e.HandleCallback(ctx, flow.CallbackRequest{ProviderID: "dev", Params: params, Cookies: start.Cookies}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// handlerTransport serves requests with an http.Handler in memory: the
// dev IdP without a network.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// BenchmarkSignInInProcess is the engine's cost per completed sign-in
// with everything but the network: the dev IdP is called in memory. The
// IdP's own work (signing the ID token with ES256, storing the code) is
// included; the CPU profile (-cpuprofile) separates the two.
func BenchmarkSignInInProcess(b *testing.B) {
	idp, err := devidp.New(devidp.Options{SigningAlg: "ES256"})
	if err != nil {
		b.Fatal(err)
	}
	if err := idp.SetURL("http://127.0.0.1:1"); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: handlerTransport{idp.Handler()}}
	p := providers.NewOIDC("dev", "Dev", "http://127.0.0.1:1")
	p.ClientID, p.ClientSecret = "authkit-test-client", "authkit-test-client-secret"
	e, err := flow.New(flow.Config{Providers: []*providers.Provider{p}, Secrets: []string{testSecret}, BaseURL: baseURL, HTTPClient: client})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	signIn := func() {
		start, err := e.BeginSignIn(ctx, "dev", flow.BeginOptions{})
		if err != nil {
			b.Fatal(err)
		}
		req := httptest.NewRequest("GET", start.URL, nil)
		rec := httptest.NewRecorder()
		idp.Handler().ServeHTTP(rec, req)
		loc, err := url.Parse(rec.Header().Get("Location"))
		if err != nil || loc.Query().Get("code") == "" {
			b.Fatalf("authorize: %d %s", rec.Code, rec.Header().Get("Location"))
		}
		if _, err := e.HandleCallback(ctx, flow.CallbackRequest{ProviderID: "dev", Params: loc.Query(), Cookies: start.Cookies}); err != nil {
			b.Fatal(err)
		}
	}
	signIn()
	b.ReportAllocs()
	for b.Loop() {
		signIn()
	}
}
