package devidp_test

// Clients we did not write, as oracles: golang.org/x/oauth2 runs the code
// flow with PKCE against every shape, and github.com/coreos/go-oidc
// discovers the OIDC shapes and verifies their ID tokens, refusing the
// spoiled ones.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// oauth2Login runs a sign-in with x/oauth2 and returns the token.
func oauth2Login(t *testing.T, s *devidp.Server, conf *oauth2.Config, nonce string) (*oauth2.Token, error) {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if nonce != "" {
		opts = append(opts, oidc.Nonce(nonce))
	}
	resp, err := noRedirect.Get(conf.AuthCodeURL("st4te", opts...))
	if err != nil {
		t.Fatal(err)
	}
	q := callbackOf(t, resp, conf.RedirectURL)
	if q.Get("state") != "st4te" {
		t.Fatalf("state %q", q.Get("state"))
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, noRedirect)
	return conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
}

func TestOAuth2ClientEveryShape(t *testing.T) {
	for _, tc := range []struct {
		shape  devidp.Shape
		scopes []string
		style  oauth2.AuthStyle
	}{
		{devidp.ShapeOIDC, []string{oidc.ScopeOpenID, "profile", "email"}, oauth2.AuthStyleInHeader},
		{devidp.ShapeGoogle, []string{oidc.ScopeOpenID, "email"}, oauth2.AuthStyleInParams},
		{devidp.ShapeGitHub, []string{"read:user", "user:email"}, oauth2.AuthStyleInParams},
		{devidp.ShapeDiscord, []string{"identify", "email"}, oauth2.AuthStyleInHeader},
	} {
		t.Run(string(tc.shape), func(t *testing.T) {
			s := start(t, devidp.Options{Shape: tc.shape, ClientID: "app", ClientSecret: "app-secret"})
			e := s.Endpoints()
			conf := &oauth2.Config{ClientID: "app", ClientSecret: "app-secret", RedirectURL: "http://127.0.0.1:3000/callback",
				Scopes: tc.scopes, Endpoint: oauth2.Endpoint{AuthURL: e.Authorization, TokenURL: e.Token, AuthStyle: tc.style}}
			tok, err := oauth2Login(t, s, conf, "")
			if err != nil {
				t.Fatal(err)
			}
			if !tok.Valid() || !strings.EqualFold(tok.Type(), "Bearer") {
				t.Errorf("token %+v", tok)
			}
			idt, _ := tok.Extra("id_token").(string)
			if hasID := idt != ""; hasID != tc.shape.OIDC() {
				t.Errorf("id_token present: %v", hasID)
			}
			client := conf.Client(context.Background(), tok)
			resp, err := client.Get(e.UserInfo)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("userinfo through the oauth2 client: %d", resp.StatusCode)
			}
			// x/oauth2 reports the provider's refusal as a RetrieveError.
			conf.ClientSecret = "wrong"
			_, err = oauth2Login(t, s, conf, "")
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) {
				t.Fatalf("wrong secret: %v", err)
			}
			want := "invalid_client"
			if tc.shape == devidp.ShapeGitHub {
				want = "incorrect_client_credentials"
			}
			if re.ErrorCode != want {
				t.Errorf("error code %q, want %q", re.ErrorCode, want)
			}
		})
	}
}

// TestGoOIDCVerifier: go-oidc discovers the provider, verifies its tokens,
// and refuses each spoiled one.
func TestGoOIDCVerifier(t *testing.T) {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, noRedirect)
	for _, shape := range []devidp.Shape{devidp.ShapeOIDC, devidp.ShapeGoogle} {
		for _, alg := range []string{"RS256", "ES256"} {
			s := start(t, devidp.Options{Shape: shape, SigningAlg: alg})
			provider, err := oidc.NewProvider(ctx, s.Issuer())
			if err != nil {
				t.Fatalf("%s: discovery: %v", shape, err)
			}
			conf := &oauth2.Config{ClientID: "app", ClientSecret: "x", RedirectURL: "http://localhost:3000/cb",
				Scopes: []string{oidc.ScopeOpenID, "profile", "email"}, Endpoint: provider.Endpoint()}
			tok, err := oauth2Login(t, s, conf, "n0nce")
			if err != nil {
				t.Fatal(err)
			}
			idt, err := provider.Verifier(&oidc.Config{ClientID: "app"}).Verify(ctx, tok.Extra("id_token").(string))
			if err != nil {
				t.Fatalf("%s %s: go-oidc refuses a good token: %v", shape, alg, err)
			}
			if idt.Nonce != "n0nce" || idt.VerifyAccessToken(tok.AccessToken) != nil {
				t.Errorf("nonce %q, at_hash check %v", idt.Nonce, idt.VerifyAccessToken(tok.AccessToken))
			}
			var claims struct {
				Email    string `json:"email"`
				Verified bool   `json:"email_verified"`
			}
			if err := idt.Claims(&claims); err != nil || claims.Email != "dev@example.com" || !claims.Verified {
				t.Errorf("claims %+v %v", claims, err)
			}
			info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil || info.Subject != idt.Subject || info.Email != "dev@example.com" {
				t.Errorf("userinfo %+v %v", info, err)
			}
		}
	}
	for _, f := range []devidp.Failure{devidp.FailWrongIss, devidp.FailWrongAud, devidp.FailBadSignature, devidp.FailAlgNone,
		devidp.FailUnknownKid, devidp.FailExpiredIDToken} {
		t.Run(string(f), func(t *testing.T) {
			s := start(t, devidp.Options{Failures: []devidp.Failure{f}})
			provider, err := oidc.NewProvider(ctx, s.Issuer())
			if err != nil {
				t.Fatal(err)
			}
			conf := &oauth2.Config{ClientID: "app", ClientSecret: "x", RedirectURL: "http://localhost:3000/cb",
				Scopes: []string{oidc.ScopeOpenID}, Endpoint: provider.Endpoint()}
			tok, err := oauth2Login(t, s, conf, "n0nce")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := provider.Verifier(&oidc.Config{ClientID: "app"}).Verify(ctx, tok.Extra("id_token").(string)); err == nil {
				t.Errorf("go-oidc accepts the %s token", f)
			}
		})
	}
}
