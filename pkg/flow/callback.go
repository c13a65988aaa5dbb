package flow

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/store"
	"golang.org/x/oauth2"
)

// Step names a stage of a callback, for progress displays.
type Step string

// The stages of HandleCallback, in order.
const (
	StepChecks   Step = "checks"
	StepExchange Step = "exchange"
	StepIDToken  Step = "id_token"
	StepProfile  Step = "profile"
	StepLinking  Step = "linking"
	StepSession  Step = "session"
)

// CallbackRequest is what arrived at the callback URL.
type CallbackRequest struct {
	// ProviderID is the {provider} of /callback/{provider}.
	ProviderID string
	// Params are the query (or, for form_post, the form) parameters.
	Params url.Values
	// Cookies are the request's cookies (the check cookies among them).
	Cookies []*http.Cookie
	// CurrentUserID is the signed-in user, if any: a new account is then
	// linked to that user.
	CurrentUserID string
	// DryRun decides everything and writes nothing: no user, account,
	// session or event.
	DryRun bool
	// OnStep, when set, is called as each stage begins.
	OnStep func(Step)
}

// Result is a completed sign-in.
type Result struct {
	Provider      *providers.Provider
	Token         providers.Token
	IDTokenClaims map[string]any
	RawProfile    map[string]any
	Profile       providers.Profile
	Decision      Decision
	User          store.User
	Account       store.Account
	Session       IssuedSession
	// ClearCookies delete the used check cookies; send them with the
	// session cookies.
	ClearCookies []*http.Cookie
}

// HandleCallback completes a sign-in: the provider's error or the state
// (and RFC 9207 iss) first, then the code exchange with the PKCE verifier,
// the ID token (signature, iss, aud, azp, exp, iat, nonce), the profile,
// the SignIn callback, the linking policy in one store transaction, and
// the session. It stops at the first failing check, so that nothing
// further reaches the provider or the store.
func (e *Engine) HandleCallback(ctx context.Context, req CallbackRequest) (*Result, error) {
	step := func(s Step) {
		if req.OnStep != nil {
			req.OnStep(s)
		}
	}
	p, err := e.Provider(req.ProviderID)
	if err != nil {
		return nil, err
	}
	step(StepChecks)
	state, err := e.openCheck(req.Cookies, e.names.State, p.ID)
	if err != nil {
		return nil, err
	}
	if err := e.checkResponse(p, req.Params, state.value); err != nil {
		return nil, err
	}
	verifier, err := e.openCheck(req.Cookies, e.names.PKCECodeVerifier, p.ID)
	if err != nil {
		return nil, err
	}
	var nonce checkValue
	wantNonce := p.Kind == providers.OIDC || p.Has(providers.CheckNonce)
	if wantNonce {
		if nonce, err = e.openCheck(req.Cookies, e.names.Nonce, p.ID); err != nil {
			return nil, err
		}
	}
	if err := e.prepare(ctx, p); err != nil {
		return nil, err
	}

	step(StepExchange)
	tok, idToken, err := e.exchange(ctx, p, req.Params.Get("code"), verifier.value, state.redirect)
	if err != nil {
		return nil, err
	}
	res := &Result{Provider: p, Token: tok, ClearCookies: e.ClearCheckCookies()}

	if idToken != "" || p.Kind == providers.OIDC {
		step(StepIDToken)
		if res.IDTokenClaims, err = e.verifyIDToken(ctx, p, idToken, tok.AccessToken, nonce.value, wantNonce); err != nil {
			return nil, err
		}
	}

	step(StepProfile)
	if res.RawProfile, res.Profile, err = e.profile(ctx, p, &tok, res.IDTokenClaims, req.Params); err != nil {
		return nil, err
	}

	step(StepLinking)
	if err := e.link(ctx, req, res); err != nil {
		return nil, err
	}
	step(StepSession)
	if err := e.issue(ctx, req, res); err != nil {
		return nil, err
	}
	return res, nil
}

// checkResponse judges the callback parameters before anything is sent
// anywhere: the provider's error, the state, and the RFC 9207 iss.
func (e *Engine) checkResponse(p *providers.Provider, params url.Values, state string) error {
	for _, k := range []string{"state", "code", "iss", "error", "error_description"} {
		if len(params[k]) > 1 {
			return fail(InvalidCheck, ErrStateMismatch, "the callback repeats the %s parameter", k)
		}
	}
	for _, k := range []string{"id_token", "access_token", "token", "response"} {
		if _, ok := params[k]; ok {
			return fail(OAuthCallbackError, ErrProviderError, "the callback carries %s: only the authorization code flow is accepted (no implicit, hybrid or JARM responses)", k)
		}
	}
	got := params.Get("state")
	if got == "" {
		return fail(InvalidCheck, ErrStateMissing, "the callback has no state parameter")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(state)) != 1 {
		return fail(InvalidCheck, ErrStateMismatch, "the callback's state is not the one this browser was sent with")
	}
	if !e.used.consume(state, e.now()) {
		return fail(InvalidCheck, ErrStateReplayed, "this callback was already used; start the sign-in again")
	}
	if p.AuthResponseIss && params.Get("iss") == "" {
		return fail(OAuthCallbackError, ErrIssuerMismatch, "%s announces RFC 9207 iss on its responses and this one has none (a mix-up attack?)", p.Name)
	}
	if iss := params.Get("iss"); iss != "" && p.Issuer != "" && iss != p.Issuer {
		return fail(OAuthCallbackError, ErrIssuerMismatch, "the callback says iss %q, the provider is %q (a mix-up attack, or the wrong issuer configured)", truncate(iss), p.Issuer)
	}
	if code := params.Get("error"); code != "" {
		desc := params.Get("error_description")
		if code == "access_denied" {
			return fail(OAuthCallbackError, ErrAccessDenied, "%s refused: %s", p.Name, truncate(desc))
		}
		return fail(OAuthCallbackError, ErrProviderError, "%s answered %s: %s", p.Name, truncate(code), truncate(desc))
	}
	if params.Get("code") == "" {
		return fail(OAuthCallbackError, ErrCodeMissing, "the callback has no code")
	}
	return nil
}

// truncate bounds text from the network for messages: at most 200 bytes,
// control characters replaced, so that a provider cannot inject lines.
func truncate(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '�'
		}
		return r
	}, strings.ToValidUTF8(s, "�"))
}

func (e *Engine) oauthConfig(p *providers.Provider, redirect string) *oauth2.Config {
	style := oauth2.AuthStyleInHeader
	if p.TokenAuth == providers.ClientSecretPost {
		style = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{
		ClientID:     p.ClientID,
		ClientSecret: p.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: p.AuthURL, TokenURL: p.TokenURL, AuthStyle: style},
		RedirectURL:  redirect,
		Scopes:       p.Scopes,
	}
}

func (e *Engine) exchange(ctx context.Context, p *providers.Provider, code, verifier, redirect string) (providers.Token, string, error) {
	noRedirects := *e.client
	noRedirects.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ctx = context.WithValue(ctx, oauth2.HTTPClient, &noRedirects)
	t, err := e.oauthConfig(p, redirect).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			detail := re.ErrorCode
			if detail == "" && re.Response != nil {
				detail = re.Response.Status
			}
			if re.ErrorDescription != "" {
				detail += ": " + re.ErrorDescription
			}
			return providers.Token{}, "", fail(OAuthCallbackError, ErrCodeExchange, "%s's token endpoint refused the code: %s", p.Name, truncate(detail))
		}
		return providers.Token{}, "", fail(OAuthCallbackError, ErrCodeExchange, "cannot reach %s's token endpoint: %s", p.Name, redactURLError(err))
	}
	if t.TokenType != "" && !strings.EqualFold(t.TokenType, "bearer") {
		return providers.Token{}, "", fail(OAuthCallbackError, ErrCodeExchange, "%s issued a %q token; only bearer tokens are accepted", p.Name, truncate(t.TokenType))
	}
	tok := providers.Token{AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken, ExpiresAt: t.Expiry}
	tok.IDToken, _ = t.Extra("id_token").(string)
	tok.Scope, _ = t.Extra("scope").(string)
	return tok, tok.IDToken, nil
}

// redactURLError keeps the operation and host of a transport error but
// drops query strings, which can carry codes.
func redactURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		u, perr := url.Parse(ue.URL)
		if perr == nil {
			u.RawQuery, u.User = "", nil
			return ue.Op + " " + u.String() + ": " + ue.Err.Error()
		}
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '?'); i >= 0 {
		msg = msg[:i]
	}
	return msg
}
