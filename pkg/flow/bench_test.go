package flow_test

import (
	"context"
	"testing"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/pkg/flow"
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
