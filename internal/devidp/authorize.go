package devidp

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// maxForm bounds the body of a form request.
const maxForm = 64 << 10

// otherIssuer is the iss sent under FailWrongIssParam: a provider that is
// not this one.
const otherIssuer = "https://other-idp.invalid"

// serveAuthorize is the authorization endpoint (GET, or POST as OpenID
// allows). Until the client and redirect URI are known good, errors are a
// page: redirecting to an unchecked URI would make the provider an open
// redirector. After that, errors go back to the client in the redirect.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		s.errorPage(w, r, http.StatusMethodNotAllowed, "invalid_request", "The authorization endpoint takes GET or POST.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "invalid_request", "The request could not be read: "+err.Error())
		return
	}
	q := r.Form
	rec := note(r.Context())
	rec.ClientID = q.Get("client_id")
	for _, name := range []string{"client_id", "redirect_uri"} {
		if len(q[name]) > 1 {
			s.errorPage(w, r, http.StatusBadRequest, "invalid_request", "The parameter "+name+" is given more than once.")
			return
		}
	}
	clientID, redirectURI := q.Get("client_id"), q.Get("redirect_uri")
	switch {
	case clientID == "":
		s.errorPage(w, r, http.StatusBadRequest, "invalid_request", "The request has no client_id.")
		return
	case s.clientID != "" && clientID != s.clientID:
		s.errorPage(w, r, http.StatusUnauthorized, "invalid_client",
			fmt.Sprintf("The OAuth client %q was not found: this provider accepts only the client id %q.", clientID, s.clientID))
		return
	case redirectURI == "":
		s.errorPage(w, r, http.StatusBadRequest, "redirect_uri_mismatch", "The request has no redirect_uri.")
		return
	case !s.redirectAllowed(redirectURI):
		s.errorPage(w, r, http.StatusBadRequest, "redirect_uri_mismatch",
			fmt.Sprintf("The redirect_uri %q is not registered with this provider. It accepts http(s) URIs on 127.0.0.1, [::1] or localhost (any port and path), and those given with --redirect-uri.", redirectURI))
		return
	}
	req := &authRequest{clientID: clientID, redirectURI: redirectURI, state: q.Get("state"), hasState: q.Has("state"),
		nonce: q.Get("nonce"), scope: normaliseScope(s.shape, q.Get("scope")), challenge: q.Get("code_challenge"),
		loginHint: q.Get("login_hint"), issued: s.now()}
	if code, desc := s.checkAuthRequest(q); code != "" {
		s.redirectError(w, r, req, code, desc)
		return
	}
	if s.failing(FailAccessDenied) {
		s.redirectError(w, r, req, "access_denied", "The user denied the request (the dev identity provider's access_denied failure mode).")
		return
	}
	if s.loginPage && q.Get("prompt") == "none" {
		s.redirectError(w, r, req, "login_required", "prompt=none, but this provider shows a login page (--login-page).")
		return
	}
	if s.loginPage {
		s.showLoginPage(w, r, req)
		return
	}
	s.approve(w, r, req, s.pickUser(req.loginHint))
}

// checkAuthRequest checks the parameters that come after the client and
// redirect URI: the OAuth error code and description, or "".
func (s *Server) checkAuthRequest(q url.Values) (code, desc string) {
	for name, vs := range q {
		if len(vs) > 1 {
			return "invalid_request", "The parameter " + name + " is given more than once."
		}
	}
	switch rt := q.Get("response_type"); {
	case rt == "":
		return "invalid_request", "The request has no response_type; this provider supports response_type=code."
	case rt != "code":
		return "unsupported_response_type", fmt.Sprintf("The response_type %q is not supported; this provider supports the authorization code flow only (response_type=code).", rt)
	}
	if m := q.Get("response_mode"); m != "" && m != "query" {
		return "invalid_request", fmt.Sprintf("The response_mode %q is not supported; this provider answers in the query.", m)
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		return "invalid_request", "code_challenge_method is given without code_challenge."
	case challenge == "":
	case method == "" || method == "plain":
		return "invalid_request", "The PKCE method plain is not supported (code_challenge_method defaults to plain); use code_challenge_method=S256."
	case method != "S256":
		return "invalid_request", fmt.Sprintf("The PKCE method %q is not supported; use S256.", method)
	case len(challenge) != 43 || strings.Trim(challenge, b64Alphabet) != "":
		return "invalid_request", "code_challenge is not a base64url SHA-256 (43 characters)."
	}
	if q.Has("request") || q.Has("request_uri") {
		return "request_not_supported", "Request objects are not supported."
	}
	return "", ""
}

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// normaliseScope keeps the scope as sent; GitHub also takes commas.
func normaliseScope(shape Shape, scope string) string {
	if shape == ShapeGitHub {
		scope = strings.ReplaceAll(scope, ",", " ")
	}
	return strings.Join(strings.Fields(scope), " ")
}

// hasScope reports whether the space-separated scope holds want.
func hasScope(scope, want string) bool { return slices.Contains(strings.Fields(scope), want) }

// pickUser is the user named by hint (an email, id or login), else the
// first one: a hint is only a hint.
func (s *Server) pickUser(hint string) int {
	for i, u := range s.users {
		if hint != "" && (strings.EqualFold(hint, u.Email) || hint == u.ID || strings.EqualFold(hint, u.Login)) {
			return i
		}
	}
	return 0
}

// approve issues a code for user and sends the browser back to the client.
func (s *Server) approve(w http.ResponseWriter, r *http.Request, req *authRequest, user int) {
	code := randomToken("")
	now := s.now()
	s.mu.Lock()
	s.state.sweep(now)
	s.state.codes[code] = &grant{req: *req, user: user, authTime: now, issued: now}
	s.mu.Unlock()
	rec := note(r.Context())
	rec.CodeRef, rec.User = codeRef(code), s.users[user].Email
	s.redirectBack(w, r, req, url.Values{"code": {code}})
}

// redirectError sends an OAuth error back to the client.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, req *authRequest, code, desc string) {
	note(r.Context()).Error = code
	s.redirectBack(w, r, req, url.Values{"error": {code}, "error_description": {desc}})
}

// redirectBack redirects to the client's redirect URI with params, the
// state and (OpenID shapes) the issuer of RFC 9207, as the failure modes
// allow.
func (s *Server) redirectBack(w http.ResponseWriter, r *http.Request, req *authRequest, params url.Values) {
	u, err := url.Parse(req.redirectURI)
	if err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "redirect_uri_mismatch", "The redirect_uri cannot be parsed.")
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if req.hasState && !s.failing(FailStateNotEchoed) {
		q.Set("state", req.state)
	}
	switch {
	case s.failing(FailWrongIssParam):
		q.Set("iss", otherIssuer)
	case s.shape.OIDC() && !s.failing(FailNoIssParam):
		q.Set("iss", s.baseFor(r))
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// redirectAllowed reports whether uri may receive the authorization
// response: a loopback http(s) URI, or one of Options.RedirectURIs.
func (s *Server) redirectAllowed(uri string) bool {
	if slices.Contains(s.redirects, uri) {
		return true
	}
	if checkRedirectURI(uri) != nil {
		return false
	}
	u, _ := url.Parse(uri)
	if !validPort(u.Port()) {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}

// checkRedirectURI accepts an absolute http(s) URI without fragment or
// user info.
func checkRedirectURI(uri string) error {
	u, err := url.Parse(uri)
	switch {
	case err != nil:
		return err
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("not an http or https URI")
	case u.Host == "" || u.Opaque != "":
		return errors.New("not an absolute URI")
	case u.User != nil:
		return errors.New("it carries user info")
	case u.Fragment != "" || strings.Contains(uri, "#"):
		return errors.New("it has a fragment")
	case strings.ContainsAny(uri, "\\ "):
		return errors.New("it holds a backslash or a space")
	}
	return nil
}

func validPort(p string) bool {
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n < 65536
}
