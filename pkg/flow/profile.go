package flow

import (
	"context"
	"net/url"

	"github.com/authkit-dev/authkit/pkg/providers"
)

// profile reads and maps the provider's profile: an OIDC provider's is its
// ID token claims (as Auth.js reads it), an OAuth provider's the userinfo
// response, unless the provider fetches its own (GitHub's /user/emails).
// Apple's name arrives once, in the callback's user field.
func (e *Engine) profile(ctx context.Context, p *providers.Provider, tok *providers.Token, idClaims map[string]any, params url.Values) (map[string]any, providers.Profile, error) {
	var raw map[string]any
	var err error
	if p.Kind == providers.OIDC && p.FetchProfile == nil {
		raw = map[string]any{}
		for k, v := range idClaims {
			raw[k] = v
		}
	} else if raw, err = p.FetchRaw(ctx, e.client, tok); err != nil {
		return nil, providers.Profile{}, failWith(OAuthProfileParseError, ErrProfile, err, "")
	}
	if idSub, _ := idClaims["sub"].(string); idSub != "" && raw != nil {
		if sub, ok := raw["sub"].(string); ok && sub != idSub {
			return nil, providers.Profile{}, fail(OAuthProfileParseError, ErrProfile, "the userinfo sub is not the ID token's sub")
		}
	}
	if user := params.Get("user"); user != "" && p.ResponseMode == "form_post" && raw != nil {
		raw["user"] = user
	}
	prof, err := p.Normalise(raw)
	if err != nil {
		return raw, providers.Profile{}, failWith(OAuthProfileParseError, ErrProfile, err, "")
	}
	return raw, prof, nil
}
