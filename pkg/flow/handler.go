package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/pkg/password"
	"github.com/authkit-dev/authkit/pkg/session"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/templates"
)

// Pages are custom page URLs that replace the built-in pages, as Auth.js
// `pages` do.
type Pages struct {
	SignIn, SignOut, Error, VerifyRequest, NewUser string
}

// HandlerOptions configure a Handler.
type HandlerOptions struct {
	// Pages replace the built-in pages.
	Pages Pages
	// Brand names, pictures and colours the built-in pages.
	Brand templates.Brand
	// UpdateAge is how often a database session's expiry is pushed back;
	// 24 hours when zero.
	UpdateAge time.Duration
	// Logger receives one line per failed sign-in; slog.Default when nil.
	Logger *slog.Logger
	// TrustedProxies are the reverse proxies in front of the handler:
	// requests from them are keyed, for per-client limits, by the
	// right-most X-Forwarded-For address that is not a trusted proxy.
	// Empty means the peer address (RemoteAddr) is the client.
	TrustedProxies []netip.Prefix
}

// Handler serves the Auth.js v5 routes under the engine's base path:
// session, csrf, providers, signin, callback, signout, verify-request and
// error, with Auth.js's status codes, JSON, redirects, error codes and
// cookies.
type Handler struct {
	e    *Engine
	opts HandlerOptions
	base string
	log  *slog.Logger
}

// NewHandler returns the HTTP handler of e.
func NewHandler(e *Engine, opts HandlerOptions) *Handler {
	if opts.UpdateAge == 0 {
		opts.UpdateAge = 24 * time.Hour
	}
	h := &Handler{e: e, opts: opts, base: e.base.Path, log: opts.Logger}
	if h.log == nil {
		h.log = slog.Default()
	}
	return h
}

// Engine returns the handler's engine.
func (h *Handler) Engine() *Engine { return h.e }

var noCache = map[string]string{"Cache-Control": "private, no-cache, no-store", "Pragma": "no-cache", "Expires": "0"}

// response collects what a route answers, so that cookies are set the
// same way on redirects, JSON and pages.
type response struct {
	w       http.ResponseWriter
	r       *http.Request
	cookies []*http.Cookie
	init    []*http.Cookie
	cb      string
}

func (res *response) keepInit() { res.cookies = append(res.init, res.cookies...); res.init = nil }

func (res *response) errorRedirect(location string) {
	res.init = nil
	if res.r.Header.Get("X-Auth-Return-Redirect") == "1" {
		res.json(http.StatusOK, map[string]string{"url": location}, nil)
		return
	}
	res.flushCookies()
	res.w.Header().Set("Location", location)
	res.w.WriteHeader(http.StatusFound)
}

func (res *response) setCookies(cs ...*http.Cookie) { res.cookies = append(res.cookies, cs...) }

func (res *response) flushCookies() {
	for _, c := range res.cookies {
		if v := c.String(); v != "" {
			res.w.Header().Add("Set-Cookie", v)
		}
	}
}

func (res *response) json(status int, v any, headers map[string]string) {
	for k, val := range headers {
		res.w.Header().Set(k, val)
	}
	res.flushCookies()
	res.w.Header().Set("Content-Type", "application/json")
	res.w.WriteHeader(status)
	json.NewEncoder(res.w).Encode(v)
}

// redirect answers 302, or with X-Auth-Return-Redirect: 1 a 200 {"url"}.
func (res *response) redirect(location string) {
	if res.r.Header.Get("X-Auth-Return-Redirect") == "1" {
		res.w.Header().Set("Location", location)
		res.json(http.StatusOK, map[string]string{"url": location}, nil)
		return
	}
	res.flushCookies()
	res.w.Header().Set("Location", location)
	res.w.WriteHeader(http.StatusFound)
}

func (res *response) page(status int, page any) {
	res.flushCookies()
	res.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	res.w.Header().Set("Cache-Control", "no-store")
	var buf bytes.Buffer
	if err := templates.Render(&buf, page); err != nil {
		res.w.WriteHeader(http.StatusInternalServerError)
		return
	}
	csp := "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: http:; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'"
	if p, ok := page.(templates.SignInPage); ok && p.Wallet != nil {
		csp += "; script-src 'self'; connect-src 'self'"
	}
	res.w.Header().Set("Content-Security-Policy", csp)
	res.w.Header().Set("X-Content-Type-Options", "nosniff")
	res.w.WriteHeader(status)
	res.w.Write(buf.Bytes())
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	res := &response{w: w, r: r}
	rest, ok := strings.CutPrefix(r.URL.Path, h.base+"/")
	action, provider, _ := strings.Cut(rest, "/")
	if !ok || !knownActions[action] || strings.Contains(provider, "/") || (r.Method != http.MethodGet && r.Method != http.MethodPost) ||
		(provider != "" && action != "signin" && action != "callback" && action != "siwe") {
		res.json(http.StatusBadRequest, "Bad request.", nil)
		return
	}
	var body url.Values
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		body = readBody(r)
	}
	csrf, setCSRF := h.e.csrfToken(r)
	if setCSRF != nil {
		res.init = append(res.init, setCSRF)
	}
	res.cb = h.callbackURL(r, body)
	if c, err := r.Cookie(h.e.names.CallbackURL); err != nil || func() string { v, _ := url.QueryUnescape(c.Value); return v }() != res.cb {
		res.init = append(res.init, &http.Cookie{Name: h.e.names.CallbackURL, Value: url.QueryEscape(res.cb), Path: "/",
			HttpOnly: true, Secure: h.e.secure, SameSite: http.SameSiteLaxMode})
	}
	switch {
	case action == "session":
		h.session(res, body)
	case action == "csrf" && r.Method == http.MethodGet:
		res.keepInit()
		res.json(http.StatusOK, map[string]string{"csrfToken": csrf}, noCache)
	case action == "providers" && r.Method == http.MethodGet:
		h.providers(res)
	case action == "signin" && provider == "" && r.Method == http.MethodGet:
		res.keepInit()
		h.signInPage(res, csrf)
	case action == "signin" && provider == "" && r.Method == http.MethodPost:
		if !h.e.csrfVerified(r, body) {
			res.errorRedirect(h.signInURL("MissingCSRF"))
			return
		}
		res.keepInit()
		res.redirect(h.url("/signin"))
	case action == "signin" && provider == EmailProviderID && h.e.cfg.Email != nil && r.Method == http.MethodPost:
		h.emailSignIn(res, body)
	case action == "signin" && provider != "" && r.Method == http.MethodPost:
		h.signIn(res, provider, body)
	case action == "callback" && provider == CredentialsProviderID && h.e.cfg.Credentials && r.Method == http.MethodPost:
		h.credentials(res, body)
	case action == "callback" && provider == EmailProviderID && h.e.cfg.Email != nil:
		h.emailCallback(res, body, csrf)
	case action == "callback" && provider == SIWEProviderID && h.e.cfg.SIWE != nil && r.Method == http.MethodPost:
		h.siweCallback(res, body)
	case action == "siwe" && h.e.cfg.SIWE != nil:
		h.siwe(res, provider, body)
	case action == "callback" && provider != "":
		h.callback(res, provider, body)
	case action == "signout" && r.Method == http.MethodGet:
		res.keepInit()
		h.signOutPage(res, csrf)
	case action == "signout" && r.Method == http.MethodPost:
		h.signOut(res, body)
	case action == "verify-request" && r.Method == http.MethodGet:
		res.keepInit()
		h.verifyRequest(res)
	case action == "jwks" && r.Method == http.MethodGet:
		h.jwks(res)
	case action == "error" && r.Method == http.MethodGet:
		res.keepInit()
		h.errorPage(res, r.URL.Query().Get("error"))
	default:
		res.errorRedirect(h.url("/error") + "?error=Configuration")
	}
}

var knownActions = map[string]bool{"session": true, "csrf": true, "providers": true, "signin": true, "callback": true,
	"signout": true, "verify-request": true, "error": true, "jwks": true, "siwe": true}

// readBody reads a form or JSON body (Auth.js accepts both).
func readBody(r *http.Request) url.Values {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		if json.NewDecoder(r.Body).Decode(&m) != nil {
			return url.Values{}
		}
		v := url.Values{}
		for k, val := range m {
			if s, ok := val.(string); ok {
				v.Set(k, s)
			}
		}
		return v
	}
	if r.ParseForm() != nil {
		return url.Values{}
	}
	return r.PostForm
}

// url is an absolute URL under the base path.
func (h *Handler) url(path string) string { return h.e.base.String() + path }

// origin is the base URL's scheme and host, Auth.js's baseUrl for redirects.
func (h *Handler) origin() string { return h.e.base.Scheme + "://" + h.e.base.Host }

func (h *Handler) callbackURL(r *http.Request, body url.Values) string {
	target := body.Get("callbackUrl")
	if target == "" {
		target = r.URL.Query().Get("callbackUrl")
	}
	if target == "" {
		if c, err := r.Cookie(h.e.names.CallbackURL); err == nil {
			target, _ = url.QueryUnescape(c.Value)
		}
	}
	return SafeRedirect(target, h.origin())
}

func (h *Handler) providers(res *response) {
	out := map[string]any{}
	if h.e.cfg.Credentials {
		out[CredentialsProviderID] = map[string]string{"id": CredentialsProviderID, "name": credentialsProvider.Name, "type": "credentials",
			"signinUrl": h.url("/signin/" + CredentialsProviderID), "callbackUrl": h.url("/callback/" + CredentialsProviderID)}
	}
	if h.e.cfg.Email != nil {
		out[EmailProviderID] = map[string]string{"id": EmailProviderID, "name": emailProvider.Name, "type": "email",
			"signinUrl": h.url("/signin/" + EmailProviderID), "callbackUrl": h.url("/callback/" + EmailProviderID)}
	}
	if h.e.cfg.SIWE != nil {
		out[SIWEProviderID] = map[string]string{"id": SIWEProviderID, "name": siweProvider.Name, "type": "credentials",
			"signinUrl": h.url("/siwe/nonce"), "callbackUrl": h.url("/callback/" + SIWEProviderID)}
	}
	for _, p := range h.e.cfg.Providers {
		out[p.ID] = map[string]string{"id": p.ID, "name": p.Name, "type": accountType(p),
			"signinUrl": h.url("/signin/" + url.PathEscape(p.ID)), "callbackUrl": h.url("/callback/" + url.PathEscape(p.ID))}
	}
	res.json(http.StatusOK, out, nil)
}

// sessionJSON is Auth.js v5's default session callback's output.
func sessionJSON(s *Session) map[string]any {
	user := map[string]any{}
	if s.User.Name != "" {
		user["name"] = s.User.Name
	}
	if s.User.Email != "" {
		user["email"] = s.User.Email
	}
	if s.User.Image != "" {
		user["image"] = s.User.Image
	}
	return map[string]any{"user": user, "expires": s.Expires.UTC().Format("2006-01-02T15:04:05.000Z")}
}

func (h *Handler) clearSession(res *response) {
	res.setCookies(session.SessionCookies(h.e.names.SessionToken, "", session.ChunkSizeV5, session.CookieOptions{Secure: h.e.secure}, res.r.Cookies())...)
}

// session answers GET and POST /session: null without a session (an
// invalid cookie cleared); a JWT session rolls (new iat, exp, jti) on
// every read — with revocation on, it keeps its jti, so that revoking it
// ends every rolled copy —, a database session's expiry moves at
// UpdateAge.
func (h *Handler) session(res *response, body url.Values) {
	r := res.r
	if r.Method == http.MethodPost && !h.e.csrfVerified(r, body) {
		res.init = nil
		res.json(http.StatusBadRequest, nil, nil)
		return
	}
	res.keepInit()
	headers := noCache
	if r.Method == http.MethodPost {
		headers = nil
	}
	s, hadCookie, err := h.e.current(r.Context(), r)
	if err != nil && !errors.Is(err, errNoSession) {
		h.log.Error("cannot read the session", "reason", err.Error())
		res.json(http.StatusServiceUnavailable, nil, headers)
		return
	}
	if err != nil {
		if hadCookie {
			h.clearSession(res)
		}
		res.json(http.StatusOK, nil, headers)
		return
	}
	now := h.e.now()
	if s.Strategy == JWT {
		claims := session.Claims{}
		for k, v := range s.Claims {
			if k != "iat" && k != "exp" && k != "jti" {
				claims[k] = v
			}
		}
		opts := session.EncodeOptions{Now: now, MaxAge: h.e.cfg.MaxAge}
		if h.e.cfg.Revocation {
			opts.JTI, _ = s.Claims["jti"].(string)
		}
		tok, err := h.e.codec.Encode(claims, opts)
		if err == nil {
			s.Expires = now.Add(h.e.cfg.MaxAge)
			res.setCookies(session.SessionCookies(h.e.names.SessionToken, tok, session.ChunkSizeV5,
				session.CookieOptions{Secure: h.e.secure, Expires: s.Expires}, r.Cookies())...)
		}
	} else {
		if s.Expires.Sub(now) <= h.e.cfg.MaxAge-h.opts.UpdateAge {
			expires := now.Add(h.e.cfg.MaxAge)
			if _, err := h.e.cfg.Store.UpdateSession(r.Context(), s.token, expires); err == nil {
				s.Expires = expires
			}
		}
		res.setCookies(session.SessionCookies(h.e.names.SessionToken, s.token, session.ChunkSizeV5,
			session.CookieOptions{Secure: h.e.secure, Expires: s.Expires}, r.Cookies())...)
	}
	res.json(http.StatusOK, sessionJSON(s), headers)
}

func (h *Handler) signInPage(res *response, csrf string) {
	q := res.r.URL.Query()
	if h.opts.Pages.SignIn != "" {
		res.redirect(withQuery(h.opts.Pages.SignIn, url.Values{"callbackUrl": {q.Get("callbackUrl")}, "error": {q.Get("error")}}))
		return
	}
	page := templates.SignInPage{Brand: h.opts.Brand, CSRFToken: csrf, CallbackURL: res.cb}
	for _, p := range h.e.cfg.Providers {
		page.Providers = append(page.Providers, templates.ProviderButton{ID: p.ID, Name: p.Name, Action: h.url("/signin/" + url.PathEscape(p.ID))})
	}
	if h.e.cfg.Email != nil {
		page.Email = &templates.EmailForm{Action: h.url("/signin/" + EmailProviderID)}
	}
	if h.e.cfg.SIWE != nil {
		page.Wallet = &templates.WalletButton{NonceURL: h.url("/siwe/nonce"), Action: h.url("/callback/" + SIWEProviderID), ScriptURL: h.url("/siwe/wallet.js")}
	}
	if h.e.cfg.Credentials {
		page.Credentials = &templates.CredentialsForm{Action: h.url("/callback/" + CredentialsProviderID), ProviderName: credentialsProvider.Name,
			Fields: []templates.Field{{Name: "email", Label: "Email", Type: "email", Autocomplete: "username"},
				{Name: "password", Label: "Password", Type: "password", Autocomplete: "current-password"}}}
	}
	if code := q.Get("error"); code != "" {
		page.Error, page.ErrorMessage = code, templates.ErrorMessage(code)
	}
	res.page(http.StatusOK, page)
}

func withQuery(base string, q url.Values) string {
	for k, v := range q {
		if len(v) == 0 || v[0] == "" {
			q.Del(k)
		}
	}
	if len(q) == 0 {
		return base
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + q.Encode()
}

// signIn answers POST /signin/{provider}: CSRF checked, then the
// authorization redirect with the check cookies and the callback URL
// remembered.
func (h *Handler) signIn(res *response, providerID string, body url.Values) {
	r := res.r
	if !h.e.csrfVerified(r, body) {
		res.errorRedirect(h.signInURL("MissingCSRF"))
		return
	}
	extra := url.Values{}
	for k, v := range r.URL.Query() {
		if k != "callbackUrl" {
			extra[k] = v
		}
	}
	start, err := h.e.BeginSignIn(r.Context(), providerID, BeginOptions{Params: extra, LoginHint: body.Get("login_hint")})
	if err != nil {
		h.fail(res, providerID, err)
		return
	}
	res.keepInit()
	res.setCookies(start.Cookies...)
	res.redirect(start.URL)
}

// signInKind are the codes that Auth.js sends back to the sign-in page.
var signInKind = map[ErrorCode]bool{OAuthAccountNotLinked: true, OAuthCallbackError: true, "OAuthSignInError": true, "MissingCSRF": true, "CredentialsSignin": true, "EmailSignInError": true, "AccountNotLinked": true}

// clientSafe are the codes Auth.js exposes; every other becomes Configuration.
var clientSafe = map[ErrorCode]bool{"CredentialsSignin": true, OAuthAccountNotLinked: true, OAuthCallbackError: true, AccessDenied: true, "Verification": true, "MissingCSRF": true, "AccountNotLinked": true}

func (h *Handler) signInURL(code ErrorCode) string {
	if h.opts.Pages.SignIn != "" {
		return withQuery(h.opts.Pages.SignIn, url.Values{"error": {string(code)}})
	}
	return h.url("/signin") + "?error=" + url.QueryEscape(string(code))
}

// fail logs a failed sign-in (the reason, never a secret) and redirects
// as Auth.js does: sign-in kind codes to the sign-in page, the rest to
// the error page, non-client-safe ones as Configuration.
func (h *Handler) fail(res *response, providerID string, err error) {
	code := CodeOf(err)
	if code == InvalidCheck {
		code = OAuthCallbackError
	}
	h.log.Warn("sign-in failed", "provider", providerID, "code", string(code), "reason", err.Error())
	if !clientSafe[code] {
		code = Configuration
	}
	if signInKind[code] {
		res.errorRedirect(h.signInURL(code))
		return
	}
	if h.opts.Pages.Error != "" {
		res.errorRedirect(withQuery(h.opts.Pages.Error, url.Values{"error": {string(code)}}))
		return
	}
	res.errorRedirect(h.url("/error") + "?error=" + url.QueryEscape(string(code)))
}

// callback answers GET and POST /callback/{provider}: the engine's
// callback, then the session cookies, the check cookies cleared, and a
// redirect to the remembered callback URL.
func (h *Handler) callback(res *response, providerID string, body url.Values) {
	r := res.r
	params := r.URL.Query()
	if p, err := h.e.Provider(providerID); err == nil && p.ResponseMode == "form_post" && r.Method == http.MethodPost {
		params = body
	}
	current := ""
	previous, _, err := h.e.current(r.Context(), r)
	if err == nil {
		current = previous.User.ID
	}
	res.setCookies(h.e.ClearCheckCookies()...)
	result, err := h.e.HandleCallback(r.Context(), CallbackRequest{ProviderID: providerID, Params: params, Cookies: r.Cookies(), CurrentUserID: current})
	if err != nil {
		h.fail(res, providerID, err)
		return
	}
	h.signedIn(res, previous, result)
}

// signedIn finishes a successful sign-in: the browser's previous session
// ends, the session cookies are set, and the browser goes to the callback
// URL (through pages.new_user for a new user).
func (h *Handler) signedIn(res *response, previous *Session, result *Result) {
	if previous != nil {
		if err := h.e.end(res.r.Context(), previous); err != nil {
			h.log.Error("cannot end the previous session", "user", previous.User.ID, "reason", err.Error())
		}
	}
	res.keepInit()
	res.setCookies(result.Session.Cookies...)
	target := res.cb
	if result.Decision.Kind == NewUser && h.opts.Pages.NewUser != "" {
		target = withQuery(h.opts.Pages.NewUser, url.Values{"callbackUrl": {target}})
	}
	res.redirect(target)
}

// credentials answers POST /callback/credentials: CSRF checked, the
// password checked, the session issued; a refusal goes back to the
// sign-in page with error=CredentialsSignin&code=credentials, as Auth.js
// does, whatever the reason.
func (h *Handler) credentials(res *response, body url.Values) {
	r := res.r
	if !h.e.csrfVerified(r, body) {
		res.errorRedirect(h.signInURL("MissingCSRF"))
		return
	}
	addr := h.clientAddr(r)
	var current *Session
	if s, _, err := h.e.current(r.Context(), r); err == nil {
		current = s
	}
	result, err := h.e.SignInWithPassword(r.Context(), body.Get("email"), body.Get("password"), addr, CallbackRequest{Cookies: r.Cookies()})
	if err != nil {
		code := CodeOf(err)
		h.log.Warn("sign-in failed", "provider", CredentialsProviderID, "code", string(code), "reason", err.Error())
		if errors.Is(err, password.ErrBusy) {
			res.init = nil
			res.w.Header().Set("Retry-After", "2")
			res.json(http.StatusServiceUnavailable, map[string]string{"error": "the server is busy checking other passwords; try again in a moment"}, noCache)
			return
		}
		if code == CredentialsSignin {
			res.errorRedirect(h.signInURL(CredentialsSignin) + "&code=credentials")
			return
		}
		h.fail(res, CredentialsProviderID, err)
		return
	}
	h.signedIn(res, current, result)
}

func (h *Handler) signOutPage(res *response, csrf string) {
	if h.opts.Pages.SignOut != "" {
		res.redirect(h.opts.Pages.SignOut)
		return
	}
	res.page(http.StatusOK, templates.SignOutPage{Brand: h.opts.Brand, CSRFToken: csrf, Action: h.url("/signout"),
		CallbackURL: SafeRedirect(res.r.URL.Query().Get("callbackUrl"), h.origin())})
}

// signOut answers POST /signout: CSRF checked, the database session
// deleted, the session cookies cleared, an event, a redirect.
func (h *Handler) signOut(res *response, body url.Values) {
	r := res.r
	if !h.e.csrfVerified(r, body) {
		res.errorRedirect(h.signInURL("MissingCSRF"))
		return
	}
	res.keepInit()
	s, _, err := h.e.current(r.Context(), r)
	if err != nil && !errors.Is(err, errNoSession) {
		h.log.Error("cannot sign out", "reason", err.Error())
		res.json(http.StatusServiceUnavailable, nil, nil)
		return
	}
	if err == nil {
		if err := h.e.end(r.Context(), s); err != nil {
			h.log.Error("cannot end the session", "user", s.User.ID, "reason", err.Error())
			res.json(http.StatusServiceUnavailable, nil, nil)
			return
		}
		ev := store.Event{Type: store.EventSignOut, UserID: s.User.ID, Detail: map[string]string{"strategy": string(s.Strategy)}}
		if h.e.cfg.Store != nil {
			h.e.cfg.Store.RecordEvent(r.Context(), ev)
		}
		h.e.emit(r.Context(), []store.Event{ev})
	}
	h.clearSession(res)
	res.redirect(res.cb)
}

// jwks serves the public keys of signed (JWS) sessions, for services
// that verify them; 404 when sessions are encrypted.
func (h *Handler) jwks(res *response) {
	j, ok := h.e.codec.(*session.JWS)
	if !ok {
		res.json(http.StatusNotFound, "Not found.", nil)
		return
	}
	doc, err := j.PublicJWKS()
	if err != nil {
		res.json(http.StatusInternalServerError, nil, nil)
		return
	}
	res.flushCookies()
	res.w.Header().Set("Content-Type", "application/jwk-set+json")
	res.w.Header().Set("Cache-Control", "public, max-age=300")
	res.w.Write(doc)
}

func (h *Handler) verifyRequest(res *response) {
	if h.opts.Pages.VerifyRequest != "" {
		res.redirect(withQuery(h.opts.Pages.VerifyRequest, res.r.URL.Query()))
		return
	}
	res.page(http.StatusOK, templates.VerifyRequestPage{Brand: h.opts.Brand, Host: h.origin()})
}

func (h *Handler) errorPage(res *response, code string) {
	if h.opts.Pages.Error != "" {
		res.redirect(withQuery(h.opts.Pages.Error, url.Values{"error": {code}}))
		return
	}
	if code == "" {
		code = "Default"
	}
	status := templates.ErrorStatus(code)
	res.page(status, templates.ErrorPage{Brand: h.opts.Brand, Code: code, Message: templates.ErrorMessage(code), SignInURL: h.url("/signin"), Status: status})
}

// RequireSession lets requests with a session through to next, with the
// session in the context (SessionFromContext); without one it redirects
// to the sign-in page with the request's URL as callbackUrl, or answers
// 401 JSON to API requests (Accept: application/json). JWT sessions are
// checked without any database work, unless revocation is on (then one
// indexed lookup of the jti).
func (h *Handler) RequireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _, err := h.e.current(r.Context(), r)
		if err != nil && !errors.Is(err, errNoSession) {
			h.log.Error("cannot read the session", "reason", err.Error())
			http.Error(w, "the session store is unavailable; try again", http.StatusServiceUnavailable)
			return
		}
		if err != nil {
			if strings.Contains(r.Header.Get("Accept"), "application/json") && !strings.Contains(r.Header.Get("Accept"), "text/html") {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("WWW-Authenticate", `Bearer realm="authkit"`)
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"error":"unauthenticated","message":"sign in first"}` + "\n"))
				return
			}
			back := h.origin() + r.URL.RequestURI()
			target := h.url("/signin")
			if h.opts.Pages.SignIn != "" {
				target = h.opts.Pages.SignIn
			}
			http.Redirect(w, r, withQuery(target, url.Values{"callbackUrl": {back}}), http.StatusFound)
			return
		}
		next.ServeHTTP(w, r.WithContext(contextWithSession(r.Context(), s)))
	})
}
