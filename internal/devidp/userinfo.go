package devidp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// authorized finds the access token of r and its user, noting both in the
// request log, or answers 401 and reports false.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) (token, User, bool) {
	t, ok := s.bearer(r)
	if !ok {
		s.unauthorized(w, r)
		return token{}, User{}, false
	}
	u := s.users[t.user]
	note(r.Context()).User = u.Email
	note(r.Context()).ClientID = t.clientID
	return t, u, true
}

// bearer finds the access token of r: "Authorization: Bearer T" (and
// GitHub's "token T"). It returns a copy, or false when the token is
// missing, unknown, expired or revoked.
func (s *Server) bearer(r *http.Request) (token, bool) {
	scheme, value, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	value = strings.TrimSpace(value)
	if value == "" || !(strings.EqualFold(scheme, "Bearer") || (s.shape == ShapeGitHub && strings.EqualFold(scheme, "token"))) {
		return token{}, false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.state.access[value]
	if !ok || now.After(t.expires) {
		return token{}, false
	}
	return *t, true
}

// serveUserinfo answers the profile of the token's user in the shape's
// JSON: OpenID userinfo, GitHub's /user, Discord's /users/@me.
func (s *Server) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && !(r.Method == http.MethodPost && s.shape.OIDC()) {
		w.Header().Set("Allow", "GET")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
		return
	}
	t, u, ok := s.authorized(w, r)
	if !ok {
		return
	}
	fails := s.failureSnapshot()
	base := s.baseFor(r)
	switch s.shape {
	case ShapeGitHub:
		w.Header().Set("X-OAuth-Scopes", strings.Join(strings.Fields(t.scope), ", "))
		w.Header().Set("X-GitHub-Media-Type", "github.v3; format=json")
		writeJSON(w, http.StatusOK, s.githubUser(base, u, fails))
	case ShapeDiscord:
		if !hasScope(t.scope, "identify") {
			s.unauthorized(w, r)
			return
		}
		writeJSON(w, http.StatusOK, s.discordUser(u, t.scope, fails))
	default:
		if !hasScope(t.scope, "openid") {
			note(r.Context()).Error = "insufficient_scope"
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", error_description="the token lacks the openid scope"`)
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope"})
			return
		}
		claims := s.profileClaims(base, u, t.scope, fails)
		claims["sub"] = u.ID
		if fails[FailUserinfoSubMismatch] {
			claims["sub"] = "other-" + u.ID
		}
		writeJSON(w, http.StatusOK, claims)
	}
}

// unauthorized is the shape's answer to a missing or bad token.
func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request) {
	note(r.Context()).Error = "invalid_token"
	switch s.shape {
	case ShapeGitHub:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials",
			"documentation_url": "https://docs.github.com/rest", "status": "401"})
	case ShapeDiscord:
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "401: Unauthorized", "code": 0})
	default:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="the access token is missing, unknown, expired or revoked"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token",
			"error_description": "The access token is missing, unknown, expired or revoked."})
	}
}

// githubUser is GET /user: id a number, name and email null when unset
// or private.
func (s *Server) githubUser(base string, u User, fails failureSet) map[string]any {
	var name, email any
	if u.Name != "" {
		name = u.Name
	}
	if !u.PrivateEmail && !fails[FailNoEmail] {
		email = u.Email
	}
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	return map[string]any{
		"login": u.Login, "id": json.Number(u.ID), "node_id": "U_" + b64([]byte(u.ID)),
		"avatar_url": s.avatarURL(base, u), "gravatar_id": "",
		"url": base + "/users/" + u.Login, "html_url": base + "/" + u.Login,
		"type": "User", "site_admin": false, "name": name, "company": nil, "blog": "",
		"location": nil, "email": email, "hireable": nil, "bio": nil, "twitter_username": nil,
		"public_repos": 0, "public_gists": 0, "followers": 0, "following": 0,
		"created_at": created, "updated_at": created,
	}
}

// serveEmails is GitHub's GET /user/emails: the primary address (its
// visibility private when the user hides it), then the noreply one. It
// needs the user:email (or user) scope, else 404 as GitHub answers.
func (s *Server) serveEmails(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "Method Not Allowed"})
		return
	}
	t, u, ok := s.authorized(w, r)
	if !ok {
		return
	}
	if !hasScope(t.scope, "user:email") && !hasScope(t.scope, "user") {
		note(r.Context()).Error = "insufficient_scope"
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found",
			"documentation_url": "https://docs.github.com/rest/users/emails#list-email-addresses-for-the-authenticated-user", "status": "404"})
		return
	}
	fails := s.failureSnapshot()
	w.Header().Set("X-OAuth-Scopes", strings.Join(strings.Fields(t.scope), ", "))
	emails := []map[string]any{}
	if !fails[FailNoEmail] {
		var visibility any = "public"
		if u.PrivateEmail {
			visibility = "private"
		}
		emails = append(emails,
			map[string]any{"email": u.Email, "primary": true, "verified": u.Verified() && !fails[FailUnverifiedEmail], "visibility": visibility},
			map[string]any{"email": fmt.Sprintf("%s+%s@users.noreply.github.com", u.ID, u.Login), "primary": false, "verified": true, "visibility": nil})
	}
	writeJSON(w, http.StatusOK, emails)
}

// discordUser is GET /users/@me: id a string, discriminator "0" (the
// new usernames), avatar a hash or null; email and verified only with the
// email scope.
func (s *Server) discordUser(u User, scope string, fails failureSet) map[string]any {
	var globalName, avatar any
	if u.Name != "" {
		globalName = u.Name
	}
	if u.Avatar != "" {
		avatar = u.Avatar
	}
	m := map[string]any{"id": u.ID, "username": u.Login, "avatar": avatar, "discriminator": "0",
		"public_flags": 0, "flags": 0, "banner": nil, "accent_color": nil, "global_name": globalName,
		"avatar_decoration_data": nil, "banner_color": nil, "mfa_enabled": false, "locale": "en-US", "premium_type": 0}
	if hasScope(scope, "email") {
		if fails[FailNoEmail] {
			m["email"], m["verified"] = nil, false
		} else {
			m["email"], m["verified"] = u.Email, u.Verified() && !fails[FailUnverifiedEmail]
		}
	}
	return m
}
