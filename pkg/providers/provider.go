// Package providers is the catalogue of identity providers authkit signs
// users in with, as data in the manner of golang.org/x/oauth2/endpoints:
// each Provider names its endpoints, scopes, the checks the flow must run
// (PKCE, state, nonce), how its profile maps to a user, and whether its
// email claim can be trusted as verified. The flow engine (pkg/flow) runs
// them; this package performs no sign-in itself, apart from the requests
// a provider needs to read a profile (GitHub's /user/emails, say) and OIDC
// discovery.
package providers

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Kind is the protocol a provider speaks.
type Kind string

// The provider kinds.
const (
	// OIDC is OpenID Connect: an ID token, discovery from the issuer.
	OIDC Kind = "oidc"
	// OAuth2 is plain OAuth 2.0 with a userinfo endpoint.
	OAuth2 Kind = "oauth"
	// Email is the magic-link provider.
	Email Kind = "email"
	// Credentials is sign-in with a password.
	Credentials Kind = "credentials"
	// SIWE is Sign-In with Ethereum.
	SIWE Kind = "siwe"
)

// Check is a protection the flow runs around the authorization request.
type Check string

// The checks. authkit always runs PKCE and state; nonce is added for OIDC.
const (
	CheckPKCE  Check = "pkce"
	CheckState Check = "state"
	CheckNonce Check = "nonce"
)

// TokenAuth is how the client authenticates at the token endpoint.
type TokenAuth string

// The token endpoint authentication methods.
const (
	// ClientSecretBasic sends the client id and secret in HTTP Basic auth
	// (the default, as in Auth.js).
	ClientSecretBasic TokenAuth = "client_secret_basic"
	// ClientSecretPost sends them in the form body.
	ClientSecretPost TokenAuth = "client_secret_post"
)

// Provider is one identity provider, fully described. Catalogue entries
// are templates: Lookup returns a copy to fill with credentials.
type Provider struct {
	// ID is the provider id in URLs and in accounts rows ("github").
	ID string
	// Name is the display name ("GitHub").
	Name string
	// Kind is the protocol.
	Kind Kind
	// Issuer is the OIDC issuer. For OIDC providers, discovery fills the
	// endpoints that are empty from Issuer + /.well-known/openid-configuration.
	Issuer string
	// AuthURL, TokenURL, UserInfoURL and JWKSURL are the endpoints.
	AuthURL, TokenURL, UserInfoURL, JWKSURL string
	// Scopes are requested in the authorization request.
	Scopes []string
	// AuthParams are extra authorization request parameters.
	AuthParams url.Values
	// Checks are the protections the flow runs; authkit adds PKCE and
	// state whatever this says, and nonce for OIDC.
	Checks []Check
	// TokenAuth is the token endpoint authentication; ClientSecretBasic
	// when empty.
	TokenAuth TokenAuth
	// ResponseMode is "form_post" for providers that POST the callback
	// (Apple); empty means a query-string redirect.
	ResponseMode string
	// ClientID and ClientSecret are the app's credentials at the provider.
	ClientID, ClientSecret string
	// TrustEmail says that the provider only asserts email addresses it
	// has verified, so that the "verified" linking policy may link on them.
	TrustEmail bool
	// ConsoleURL is where a developer registers the app and its redirect URI.
	ConsoleURL string
	// FetchProfile reads the raw profile after the code exchange. Nil means
	// a GET of UserInfoURL with the access token (OIDC providers without a
	// userinfo endpoint use the ID token claims alone).
	FetchProfile func(ctx context.Context, client *http.Client, p *Provider, tok *Token) (map[string]any, error)
	// AuthResponseIss says that the authorization server puts iss in its
	// authorization responses (RFC 9207; discovery's
	// authorization_response_iss_parameter_supported). The flow then
	// requires iss on the callback and compares it with Issuer.
	AuthResponseIss bool
	// IDTokenAlgs are the ID token signing algorithms the provider
	// announces (discovery's id_token_signing_alg_values_supported); nil
	// when unknown. The flow intersects them with the algorithms it accepts.
	IDTokenAlgs []string
	// MapProfile turns the raw profile (for OIDC: the ID token claims,
	// merged under the userinfo response) into a Profile. Nil means the
	// OIDC default: sub, name ?? nickname ?? preferred_username, email,
	// picture, email_verified.
	MapProfile func(raw map[string]any) (Profile, error)

	// family is the catalogue entry p was made from ("github", "gitlab",
	// "microsoft-entra-id"), kept when ID is changed, so that SetBaseURL
	// and IDTokenIssuer know what p is.
	family string
}

// Token is what the token endpoint answered.
type Token struct {
	AccessToken  string
	TokenType    string
	RefreshToken string
	IDToken      string
	Scope        string
	ExpiresAt    time.Time
}

// Profile is a provider's profile normalised to what authkit stores.
type Profile struct {
	// ID is the provider's account id (providerAccountId).
	ID string
	// Name, Email and Image are as the provider gave them; empty when not.
	Name, Email, Image string
	// EmailVerified is the provider's claim that Email is verified.
	EmailVerified bool
}

// Clone returns a deep copy of p, so that a catalogue template can be
// filled in without changing the catalogue.
func (p *Provider) Clone() *Provider {
	c := *p
	c.Scopes = append([]string(nil), p.Scopes...)
	c.Checks = append([]Check(nil), p.Checks...)
	c.IDTokenAlgs = append([]string(nil), p.IDTokenAlgs...)
	if p.AuthParams != nil {
		c.AuthParams = url.Values{}
		for k, v := range p.AuthParams {
			c.AuthParams[k] = append([]string(nil), v...)
		}
	}
	return &c
}

// Has reports whether the provider lists check c.
func (p *Provider) Has(c Check) bool {
	for _, x := range p.Checks {
		if x == c {
			return true
		}
	}
	return false
}
