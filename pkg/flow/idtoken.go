package flow

import (
	"context"
	"crypto/subtle"
	"sync"
	"time"

	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/session"
	"github.com/coreos/go-oidc/v3/oidc"
)

// idTokenAlgs are the ID token signature algorithms accepted: asymmetric
// only, never none or HMAC.
var idTokenAlgs = []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA}

// signingAlgs is the provider's advertised ID token algorithms that are
// asymmetric, or all the asymmetric ones when it advertises none.
func signingAlgs(p *providers.Provider) []string {
	var out []string
	for _, a := range p.IDTokenAlgs {
		for _, ok := range idTokenAlgs {
			if a == ok {
				out = append(out, a)
			}
		}
	}
	if len(out) == 0 {
		return idTokenAlgs
	}
	return out
}

type verifierCache struct {
	mu   sync.Mutex
	sets map[string]*oidc.RemoteKeySet
}

func newVerifierCache() *verifierCache {
	return &verifierCache{sets: map[string]*oidc.RemoteKeySet{}}
}

func (e *Engine) keySet(jwksURL string) *oidc.RemoteKeySet {
	c := e.verifiers
	c.mu.Lock()
	defer c.mu.Unlock()
	ks, ok := c.sets[jwksURL]
	if !ok {
		ks = oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), e.client), jwksURL)
		c.sets[jwksURL] = ks
	}
	return ks
}

// verifyIDToken checks the ID token's signature against the provider's
// JWKS (asymmetric algorithms only), iss, aud, azp, exp, iat and nonce,
// and returns its claims.
func (e *Engine) verifyIDToken(ctx context.Context, p *providers.Provider, raw, accessToken, nonce string, wantNonce bool) (map[string]any, error) {
	if raw == "" {
		return nil, fail(OAuthCallbackError, ErrIDToken, "%s sent no id_token", p.Name)
	}
	if p.JWKSURL == "" || p.Issuer == "" {
		return nil, fail(Configuration, ErrProviderConfig, "provider %s has no issuer or JWKS URL to verify ID tokens with", p.ID)
	}
	v := oidc.NewVerifier(p.Issuer, e.keySet(p.JWKSURL), &oidc.Config{
		ClientID:             p.ClientID,
		SupportedSigningAlgs: signingAlgs(p),
		Now:                  e.cfg.Now,
		SkipIssuerCheck:      true,
	})
	tok, err := v.Verify(oidc.ClientContext(ctx, e.client), raw)
	if err != nil {
		return nil, failWith(OAuthCallbackError, ErrIDToken, err, "the ID token from %s does not verify", p.Name)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, failWith(OAuthCallbackError, ErrIDToken, err, "the ID token's claims do not parse")
	}
	wantIss, err := p.IDTokenIssuer(claims)
	if err != nil {
		return nil, failWith(OAuthCallbackError, ErrIDToken, err, "")
	}
	if tok.Issuer != wantIss {
		return nil, fail(OAuthCallbackError, ErrIssuerMismatch, "the ID token's iss %q is not %q", truncate(tok.Issuer), wantIss)
	}
	if azp, ok := claims["azp"].(string); ok && azp != p.ClientID {
		return nil, fail(OAuthCallbackError, ErrIDToken, "the ID token's azp %q is not this client", truncate(azp))
	}
	if len(tok.Audience) > 1 {
		azp, _ := claims["azp"].(string)
		if azp != p.ClientID {
			return nil, fail(OAuthCallbackError, ErrIDToken, "the ID token has several audiences and its azp %q is not this client", truncate(azp))
		}
	}
	if sub, _ := claims["sub"].(string); !validSubject(sub) {
		return nil, fail(OAuthCallbackError, ErrIDToken, "the ID token's sub is missing, empty, longer than 255 or not ASCII")
	}
	if tok.IssuedAt.IsZero() {
		return nil, fail(OAuthCallbackError, ErrIDToken, "the ID token has no iat")
	}
	if tok.AccessTokenHash != "" && accessToken != "" {
		if err := tok.VerifyAccessToken(accessToken); err != nil {
			return nil, failWith(OAuthCallbackError, ErrIDToken, err, "the ID token's at_hash does not match the access token")
		}
	}
	if tok.IssuedAt.After(e.now().Add(session.Leeway)) {
		return nil, fail(OAuthCallbackError, ErrIDToken, "the ID token was issued in the future (iat %s)", tok.IssuedAt.UTC().Format(time.RFC3339))
	}
	switch {
	case wantNonce && (tok.Nonce == "" || subtle.ConstantTimeCompare([]byte(tok.Nonce), []byte(nonce)) != 1):
		return nil, fail(InvalidCheck, ErrNonceMismatch, "the ID token's nonce is not the one this sign-in sent")
	case !wantNonce && tok.Nonce != "":
		return nil, fail(InvalidCheck, ErrNonceMismatch, "the ID token carries a nonce though this sign-in sent none")
	}
	return claims, nil
}

func validSubject(sub string) bool {
	if sub == "" || len(sub) > 255 {
		return false
	}
	for i := 0; i < len(sub); i++ {
		if sub[i] < 0x21 || sub[i] > 0x7e {
			return false
		}
	}
	return true
}

// prepareLocks serialises discovery per provider.
var prepareLocks sync.Map

// prepare makes sure a provider can be used: credentials present, and for
// OIDC providers the endpoints discovered from the issuer.
func (e *Engine) prepare(ctx context.Context, p *providers.Provider) error {
	if err := p.Validate(); err != nil {
		return failWith(Configuration, ErrProviderConfig, err, "")
	}
	if p.Kind != providers.OIDC || (p.AuthURL != "" && p.TokenURL != "" && p.JWKSURL != "") {
		return nil
	}
	mu, _ := prepareLocks.LoadOrStore(p, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if p.AuthURL != "" && p.TokenURL != "" && p.JWKSURL != "" {
		return nil
	}
	if err := providers.Discover(ctx, e.client, p); err != nil {
		return failWith(Configuration, ErrProviderConfig, err, "")
	}
	return nil
}
