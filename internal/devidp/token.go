package devidp

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// tokenReply is what the token endpoint answers: a success or an OAuth
// error, written in the shape's style by writeTokenReply.
type tokenReply struct {
	status int
	fields map[string]any // success members, or error and error_description
	basic  bool           // the client used HTTP Basic (for WWW-Authenticate)
}

func tokenErr(status int, code, desc string) *tokenReply {
	return &tokenReply{status: status, fields: map[string]any{"error": code, "error_description": desc}}
}

// serveToken is the token endpoint: client authentication, then the
// authorization_code or refresh_token grant.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	rec := note(r.Context())
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.writeTokenReply(w, r, tokenErr(http.StatusMethodNotAllowed, "invalid_request", "The token endpoint takes POST."))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.writeTokenReply(w, r, tokenErr(http.StatusBadRequest, "invalid_request", "The request body could not be read as a form."))
		return
	}
	form := r.PostForm
	if s.shape == ShapeGitHub {
		form = r.Form // GitHub also reads the query string
	}
	grantType := form.Get("grant_type")
	if grantType == "" && s.shape == ShapeGitHub {
		grantType = "authorization_code"
	}
	rec.Grant = grantType
	if s.failing(FailSlowToken) && !s.wait(r) {
		rec.Error = "client_gone"
		return
	}
	switch {
	case s.failing(FailToken500):
		rec.Error = "server_error"
		pageHeaders(w)
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, "<!doctype html><title>500 Internal Server Error</title><h1>500 Internal Server Error</h1><p>The dev identity provider was told to fail (token_500).</p>\n")
		return
	case s.failing(FailTokenError):
		s.writeTokenReply(w, r, tokenErr(http.StatusBadRequest, "invalid_grant", "The dev identity provider was told to refuse token requests (token_error)."))
		return
	}
	s.writeTokenReply(w, r, s.token(r, form))
}

// wait sleeps TokenDelay; false if the client left or the server closes
// first.
func (s *Server) wait(r *http.Request) bool {
	t := time.NewTimer(s.tokenDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.closing:
	}
	return false
}

// token runs the grant.
func (s *Server) token(r *http.Request, form url.Values) *tokenReply {
	rec := note(r.Context())
	for name, vs := range form {
		if len(vs) > 1 {
			return tokenErr(http.StatusBadRequest, "invalid_request", "The parameter "+name+" is given more than once.")
		}
	}
	clientID, basic, reply := s.authenticateClient(r, form)
	rec.ClientID = clientID
	if reply != nil {
		reply.basic = basic
		return reply
	}
	switch rec.Grant {
	case "authorization_code":
		return s.exchangeCode(r, form, clientID)
	case "refresh_token":
		if s.shape == ShapeGitHub {
			break
		}
		return s.refreshGrant(r, form, clientID)
	case "":
		return tokenErr(http.StatusBadRequest, "invalid_request", "The request has no grant_type.")
	}
	return tokenErr(http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("The grant_type %q is not supported.", rec.Grant))
}

// authenticateClient reads the client's credentials, from HTTP Basic
// (client_secret_basic, each part form-encoded as RFC 6749 §2.3.1 says)
// or the form (client_secret_post, or a public client with client_id
// alone), and checks them against the pinned ones.
func (s *Server) authenticateClient(r *http.Request, form url.Values) (clientID string, basic bool, reply *tokenReply) {
	var secret string
	user, pass, basic := r.BasicAuth()
	if basic {
		id, err1 := url.QueryUnescape(user)
		sec, err2 := url.QueryUnescape(pass)
		switch {
		case err1 != nil || err2 != nil:
			return "", true, tokenErr(http.StatusUnauthorized, "invalid_client", "The Basic credentials are not form-encoded.")
		case form.Has("client_secret"):
			return id, true, tokenErr(http.StatusBadRequest, "invalid_request", "The client authenticates twice (Basic and client_secret); use one method.")
		case form.Has("client_id") && form.Get("client_id") != id:
			return id, true, tokenErr(http.StatusBadRequest, "invalid_request", "The client_id of the form differs from the Basic one.")
		}
		clientID, secret = id, sec
	} else {
		clientID, secret = form.Get("client_id"), form.Get("client_secret")
	}
	switch {
	case clientID == "":
		return "", basic, tokenErr(http.StatusUnauthorized, "invalid_client", "The request names no client (client_id, or HTTP Basic).")
	case s.clientID != "" && clientID != s.clientID:
		return clientID, basic, tokenErr(http.StatusUnauthorized, "invalid_client", "The client id is not the one this provider accepts.")
	case s.secret != "" && subtle.ConstantTimeCompare([]byte(secret), []byte(s.secret)) != 1:
		return clientID, basic, tokenErr(http.StatusUnauthorized, "invalid_client", "The client secret is wrong or missing.")
	}
	return clientID, basic, nil
}

// exchangeCode is the authorization_code grant. A code is spent by the
// first request that presents it, even one that fails: a second use is
// refused and revokes every token the code gave.
func (s *Server) exchangeCode(r *http.Request, form url.Values, clientID string) *tokenReply {
	code := form.Get("code")
	note(r.Context()).CodeRef = codeRef(code)
	if code == "" {
		return tokenErr(http.StatusBadRequest, "invalid_request", "The request has no code.")
	}
	fails := s.failureSnapshot()
	base := s.baseFor(r)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.state.codes[code]
	switch {
	case !ok:
		return tokenErr(http.StatusBadRequest, "invalid_grant", "The authorization code is unknown or expired.")
	case g.used:
		s.state.revoke(code)
		return tokenErr(http.StatusBadRequest, "invalid_grant", "The authorization code was already used; the tokens issued for it are revoked.")
	}
	g.used = true
	note(r.Context()).User = s.users[g.user].Email
	if reply := checkCodeUse(g, form, clientID, now, s.shape); reply != nil {
		return reply
	}
	t := &token{user: g.user, clientID: clientID, scope: g.req.scope, nonce: g.req.nonce, authTime: g.authTime, origin: code}
	return s.issue(base, t, true, fails, now)
}

// checkCodeUse checks a code's use against its authorization request:
// age, client, redirect URI and PKCE verifier.
func checkCodeUse(g *grant, form url.Values, clientID string, now time.Time, shape Shape) *tokenReply {
	redirect := form.Get("redirect_uri")
	verifier := form.Get("code_verifier")
	bad := func(desc string) *tokenReply { return tokenErr(http.StatusBadRequest, "invalid_grant", desc) }
	switch {
	case now.Sub(g.issued) > codeTTL:
		return bad("The authorization code expired (codes live 60 seconds).")
	case g.req.clientID != clientID:
		return bad("The authorization code was issued to another client.")
	case redirect != g.req.redirectURI && !(shape == ShapeGitHub && redirect == ""):
		r := bad("The redirect_uri differs from the one of the authorization request.")
		if shape == ShapeGitHub {
			r.fields["error"] = "redirect_uri_mismatch"
		}
		return r
	case g.req.challenge == "" && verifier != "":
		return bad("A code_verifier was sent, but the authorization request had no code_challenge.")
	case g.req.challenge == "":
		return nil
	case verifier == "":
		return bad("The code_verifier is missing (the authorization request had a code_challenge).")
	case len(verifier) < 43 || len(verifier) > 128 || strings.Trim(verifier, b64Alphabet+".~") != "":
		return bad("The code_verifier is not 43 to 128 unreserved characters.")
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(b64(sum[:])), []byte(g.req.challenge)) != 1 {
		return bad("The code_verifier does not match the code_challenge.")
	}
	return nil
}

// refreshGrant is the refresh_token grant, with rotation: each refresh
// token works once; presenting a spent one revokes its whole family.
func (s *Server) refreshGrant(r *http.Request, form url.Values, clientID string) *tokenReply {
	rt := form.Get("refresh_token")
	note(r.Context()).CodeRef = codeRef(rt)
	if rt == "" {
		return tokenErr(http.StatusBadRequest, "invalid_request", "The request has no refresh_token.")
	}
	fails := s.failureSnapshot()
	base := s.baseFor(r)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.state.refresh[rt]
	switch {
	case !ok || now.Sub(old.issued) > refreshTTL:
		return tokenErr(http.StatusBadRequest, "invalid_grant", "The refresh token is unknown, expired or revoked.")
	case old.used:
		s.state.revoke(old.origin)
		return tokenErr(http.StatusBadRequest, "invalid_grant", "The refresh token was already used; every token of its family is revoked.")
	case old.clientID != clientID:
		return tokenErr(http.StatusBadRequest, "invalid_grant", "The refresh token was issued to another client.")
	}
	note(r.Context()).User = s.users[old.user].Email
	scope := old.scope
	if asked := form.Get("scope"); asked != "" {
		for _, sc := range strings.Fields(asked) {
			if !hasScope(old.scope, sc) {
				return tokenErr(http.StatusBadRequest, "invalid_scope", fmt.Sprintf("The scope %q was not granted.", sc))
			}
		}
		scope = normaliseScope(s.shape, asked)
	}
	old.used = true
	t := &token{user: old.user, clientID: clientID, scope: scope, authTime: old.authTime, origin: old.origin}
	return s.issue(base, t, false, fails, now)
}

// issue makes an access token like t (and a refresh token, and an ID
// token when the scope asks for one) and returns the success reply in the
// shape's members. The caller holds s.mu.
func (s *Server) issue(base string, t *token, withNonce bool, fails failureSet, now time.Time) *tokenReply {
	prefix := ""
	if s.shape == ShapeGitHub {
		prefix = "gho_"
	}
	s.state.sweep(now)
	t.issued = now
	at := randomToken(prefix)
	access := *t
	access.expires = now.Add(accessTokenTTL)
	access.nonce = ""
	s.state.access[at] = &access
	if s.shape == ShapeGitHub {
		return &tokenReply{status: http.StatusOK, fields: map[string]any{"access_token": at, "token_type": "bearer",
			"scope": strings.Join(strings.Fields(t.scope), ",")}}
	}
	rt := randomToken("")
	refresh := *t
	s.state.refresh[rt] = &refresh
	fields := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(accessTokenTTL / time.Second),
		"refresh_token": rt, "scope": t.scope}
	if s.shape == ShapeDiscord {
		fields["expires_in"] = 604800
	}
	if s.shape.OIDC() && hasScope(t.scope, "openid") {
		nonce := ""
		if withNonce {
			nonce = t.nonce
		}
		idt, err := s.mintIDToken(idTokenInput{base: base, user: s.users[t.user], clientID: t.clientID, scope: t.scope,
			nonce: nonce, authTime: t.authTime, accessToken: at, now: now}, fails)
		if err != nil {
			return tokenErr(http.StatusInternalServerError, "server_error", "The ID token could not be signed.")
		}
		fields["id_token"] = idt
	}
	return &tokenReply{status: http.StatusOK, fields: fields}
}

// githubErrors maps OAuth error codes to the ones GitHub answers.
var githubErrors = map[string]string{
	"invalid_grant":  "bad_verification_code",
	"invalid_client": "incorrect_client_credentials",
}

// writeTokenReply writes reply in the shape's style: JSON with the
// reply's status (OAuth, Discord), or GitHub's 200 whatever happened,
// form-encoded unless the client accepts JSON.
func (s *Server) writeTokenReply(w http.ResponseWriter, r *http.Request, reply *tokenReply) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if code, ok := reply.fields["error"].(string); ok {
		if gh, ok := githubErrors[code]; ok && s.shape == ShapeGitHub {
			reply.fields["error"] = gh
			code = gh
		}
		note(r.Context()).Error = code
		if s.shape == ShapeGitHub {
			reply.fields["error_uri"] = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"
		}
	}
	if s.shape == ShapeGitHub && reply.status != http.StatusMethodNotAllowed {
		if !strings.Contains(r.Header.Get("Accept"), "json") {
			form := url.Values{}
			for k, v := range reply.fields {
				form.Set(k, fmt.Sprint(v))
			}
			h.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			fmt.Fprint(w, form.Encode())
			return
		}
		reply.status = http.StatusOK
	}
	if reply.status == http.StatusUnauthorized && reply.basic {
		h.Set("WWW-Authenticate", `Basic realm="authkit-devidp"`)
	}
	writeJSON(w, reply.status, reply.fields)
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// failureSnapshot copies the failure modes in force, for a request that
// then holds s.mu.
func (s *Server) failureSnapshot() failureSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := failureSet{}
	for f, on := range s.failures {
		out[f] = on
	}
	return out
}
