package devidp

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
)

// routes maps the shape's paths to their handlers. Every handler marks
// the request's kind for the log first.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, kind Kind, h http.HandlerFunc) {
		mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			note(r.Context()).Kind = kind
			h(w, r)
		}))
	}
	p := s.shape.paths()
	if p.discovery != "" {
		handle("GET "+p.discovery, KindDiscovery, s.serveDiscovery)
		handle("GET "+p.jwks, KindJWKS, s.serveJWKS)
		handle(p.endSession, KindEndSession, s.serveEndSession)
	}
	handle(p.authorize, KindAuthorize, s.serveAuthorize)
	handle(p.token, KindToken, s.serveToken)
	handle(p.userinfo, KindUserInfo, s.serveUserinfo)
	if p.emails != "" {
		handle(p.emails, KindEmails, s.serveEmails)
	}
	if p.apiPrefix != "" {
		handle(p.apiPrefix+p.userinfo, KindUserInfo, s.serveUserinfo)
		handle(p.apiPrefix+p.emails, KindEmails, s.serveEmails)
	}
	handle("POST "+loginPath, KindLogin, s.serveLogin)
	handle("GET /avatars/{id}", KindAvatar, s.serveAvatar)
	return mux
}

// serveDiscovery is the OpenID provider metadata.
func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	base := s.baseFor(r)
	e := s.shape.paths().endpoints(base)
	claims := []string{"iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "nonce", "at_hash",
		"name", "given_name", "family_name", "picture", "email", "email_verified"}
	if s.shape == ShapeGoogle {
		claims = append(claims, "hd")
	} else {
		claims = append(claims, "preferred_username")
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                         base,
		"authorization_endpoint":                         e.Authorization,
		"token_endpoint":                                 e.Token,
		"userinfo_endpoint":                              e.UserInfo,
		"jwks_uri":                                       e.JWKS,
		"end_session_endpoint":                           e.EndSession,
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"subject_types_supported":                        []string{"public"},
		"id_token_signing_alg_values_supported":          []string{"RS256", "ES256"},
		"code_challenge_methods_supported":               []string{"S256"},
		"scopes_supported":                               []string{"openid", "profile", "email", "offline_access"},
		"token_endpoint_auth_methods_supported":          []string{"client_secret_basic", "client_secret_post"},
		"claims_supported":                               claims,
		"authorization_response_iss_parameter_supported": true,
	})
}

// serveJWKS is the public keys.
func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, s.keys.jwks())
}

// avatarURL is the user's picture: the one given, else one served here.
func (s *Server) avatarURL(base string, u User) string {
	if u.Avatar != "" && s.shape != ShapeDiscord {
		return u.Avatar
	}
	return base + "/avatars/" + url.PathEscape(u.ID)
}

// serveAvatar draws the user's initial, so that apps have an image to
// show without going online.
func (s *Server) serveAvatar(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	initial := "?"
	for _, u := range s.users {
		if u.ID == id {
			label := u.Name
			if label == "" {
				label = u.Email
			}
			initial = strings.ToUpper(string([]rune(label)[:1]))
		}
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96"><rect width="96" height="96" fill="#3b5bdb"/><text x="48" y="62" font-size="44" font-family="sans-serif" text-anchor="middle" fill="#fff">%s</text></svg>`,
		html.EscapeString(initial))
}
