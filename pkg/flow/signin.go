package flow

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/session"
)

// checkMaxAge is how long the state, PKCE and nonce cookies live.
const checkMaxAge = 15 * time.Minute

// BeginOptions are the per-request settings of BeginSignIn.
type BeginOptions struct {
	// RedirectURI overrides the provider's callback URL (a loopback
	// server of `authkit login`, say).
	RedirectURI string
	// LoginHint is passed to the provider as login_hint.
	LoginHint string
	// Params are extra authorization request parameters; they cannot
	// replace the ones the engine sets.
	Params url.Values
}

// Start is a begun sign-in: the URL to send the browser to, and the
// cookies that carry the checks until the callback.
type Start struct {
	URL         string
	RedirectURI string
	Cookies     []*http.Cookie
}

// BeginSignIn builds the authorization request of a provider: PKCE S256
// and state always, nonce for OIDC, each value sealed in its own cookie
// bound to the provider for 15 minutes.
func (e *Engine) BeginSignIn(ctx context.Context, providerID string, opts BeginOptions) (*Start, error) {
	p, err := e.Provider(providerID)
	if err != nil {
		return nil, err
	}
	if err := e.prepare(ctx, p); err != nil {
		return nil, err
	}
	redirect := opts.RedirectURI
	if redirect == "" {
		redirect = e.RedirectURI(p.ID)
	}
	auth, err := url.Parse(p.AuthURL)
	if err != nil || auth.Host == "" {
		return nil, fail(Configuration, ErrProviderConfig, "provider %s has no valid authorization URL", p.ID)
	}
	q := auth.Query()
	for k, v := range p.AuthParams {
		q[k] = append([]string(nil), v...)
	}
	for k, v := range opts.Params {
		q[k] = append([]string(nil), v...)
	}
	state, verifier := randomValue(), randomValue()
	q.Set("response_type", "code")
	q.Set("client_id", p.ClientID)
	q.Set("redirect_uri", redirect)
	if len(p.Scopes) > 0 {
		q.Set("scope", strings.Join(p.Scopes, " "))
	}
	q.Set("state", state)
	q.Set("code_challenge", pkceChallenge(verifier))
	q.Set("code_challenge_method", "S256")
	if p.ResponseMode != "" {
		q.Set("response_mode", p.ResponseMode)
	}
	if opts.LoginHint != "" {
		q.Set("login_hint", opts.LoginHint)
	}
	start := &Start{RedirectURI: redirect}
	values := map[string]string{e.names.State: state, e.names.PKCECodeVerifier: verifier}
	if p.Kind == providers.OIDC || p.Has(providers.CheckNonce) {
		nonce := randomValue()
		q.Set("nonce", nonce)
		values[e.names.Nonce] = nonce
	}
	for _, name := range []string{e.names.State, e.names.PKCECodeVerifier, e.names.Nonce} {
		v, ok := values[name]
		if !ok {
			continue
		}
		c, err := e.sealCheck(name, p.ID, v, redirect, p.ResponseMode == "form_post")
		if err != nil {
			return nil, err
		}
		start.Cookies = append(start.Cookies, c)
	}
	auth.RawQuery = q.Encode()
	start.URL = auth.String()
	return start, nil
}

func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (e *Engine) sealCheck(name, providerID, value, redirect string, formPost bool) (*http.Cookie, error) {
	now := e.now()
	tok, err := e.checks[name].Encode(session.Claims{"value": value, "provider": providerID, "redirect": redirect},
		session.EncodeOptions{Now: now, MaxAge: checkMaxAge})
	if err != nil {
		return nil, err
	}
	c := &http.Cookie{Name: name, Value: tok, Path: "/", HttpOnly: true, Secure: e.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(checkMaxAge / time.Second), Expires: now.Add(checkMaxAge)}
	if formPost {
		c.SameSite, c.Secure = http.SameSiteNoneMode, true
	}
	return c, nil
}

type checkValue struct {
	value    string
	redirect string
}

// openCheck reads the check cookie name: it must be present, sealed by
// us under its own name, unexpired and bound to providerID.
func (e *Engine) openCheck(cookies []*http.Cookie, name, providerID string) (checkValue, error) {
	raw, err := session.ReadChunked(cookies, name, 4096)
	if err != nil {
		return checkValue{}, fail(InvalidCheck, ErrCheckCookie, "the %s cookie is missing or malformed", name)
	}
	tok, err := session.Decode(e.checks[name], raw, e.now())
	if err != nil {
		return checkValue{}, failWith(InvalidCheck, ErrCheckCookie, err, "the %s cookie does not open", name)
	}
	v, _ := tok.Claims["value"].(string)
	p, _ := tok.Claims["provider"].(string)
	r, _ := tok.Claims["redirect"].(string)
	if v == "" || subtle.ConstantTimeCompare([]byte(p), []byte(providerID)) != 1 {
		return checkValue{}, fail(InvalidCheck, ErrCheckCookie, "the %s cookie was made for another provider", name)
	}
	return checkValue{value: v, redirect: r}, nil
}

// ClearCheckCookies returns the cookies that delete the state, PKCE and
// nonce cookies, which a callback uses up whatever its outcome.
func (e *Engine) ClearCheckCookies() []*http.Cookie {
	var out []*http.Cookie
	for _, name := range []string{e.names.State, e.names.PKCECodeVerifier, e.names.Nonce} {
		out = append(out, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, Secure: e.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	}
	return out
}
