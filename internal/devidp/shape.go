package devidp

import (
	"fmt"
	"strings"
)

// Shape is the provider whose endpoints, parameters and JSON the identity
// provider imitates, so that provider-specific mapping code runs against
// it unchanged.
type Shape string

// The shapes.
const (
	// ShapeOIDC is a generic OpenID provider: discovery, JWKS, RS256 ID
	// tokens, userinfo, end-session (the default).
	ShapeOIDC Shape = "oidc"
	// ShapeGoogle is OpenID like ShapeOIDC, with Google's claims
	// (given_name, family_name, picture, hd) and numeric subjects.
	ShapeGoogle Shape = "google"
	// ShapeGitHub is GitHub's OAuth 2 (no OpenID): /login/oauth/authorize,
	// /login/oauth/access_token, /user and /user/emails (also under
	// /api/v3, as GitHub Enterprise Server serves them).
	ShapeGitHub Shape = "github"
	// ShapeDiscord is Discord's OAuth 2: /api/oauth2/authorize,
	// /api/oauth2/token and /api/users/@me.
	ShapeDiscord Shape = "discord"
)

// Shapes lists the shapes, the default first.
func Shapes() []Shape { return []Shape{ShapeOIDC, ShapeGoogle, ShapeGitHub, ShapeDiscord} }

// ParseShape reads a shape's name ("" is the default, oidc).
func ParseShape(s string) (Shape, error) {
	if s == "" {
		return ShapeOIDC, nil
	}
	for _, sh := range Shapes() {
		if strings.EqualFold(s, string(sh)) {
			return sh, nil
		}
	}
	names := make([]string, 0, 4)
	for _, sh := range Shapes() {
		names = append(names, string(sh))
	}
	return "", fmt.Errorf("unknown shape %q; the shapes are %s", s, strings.Join(names, ", "))
}

// OIDC reports whether the shape speaks OpenID Connect (ID tokens,
// discovery, the iss authorization response parameter).
func (s Shape) OIDC() bool { return s == ShapeOIDC || s == ShapeGoogle }

// paths are the endpoint paths of a shape; "" when the shape has none.
type paths struct {
	discovery, authorize, token, userinfo, emails, jwks, endSession string
	// apiPrefix also serves the API endpoints under it (GitHub Enterprise's
	// /api/v3).
	apiPrefix string
}

func (s Shape) paths() paths {
	switch s {
	case ShapeGitHub:
		return paths{authorize: "/login/oauth/authorize", token: "/login/oauth/access_token",
			userinfo: "/user", emails: "/user/emails", apiPrefix: "/api/v3"}
	case ShapeDiscord:
		return paths{authorize: "/api/oauth2/authorize", token: "/api/oauth2/token", userinfo: "/api/users/@me"}
	}
	return paths{discovery: "/.well-known/openid-configuration", authorize: "/authorize", token: "/token",
		userinfo: "/userinfo", jwks: "/jwks", endSession: "/end-session"}
}

// Endpoints are the absolute URLs a client uses; a field is empty when the
// shape has no such endpoint.
type Endpoints struct {
	Discovery     string `json:"discovery,omitempty"`
	Authorization string `json:"authorization"`
	Token         string `json:"token"`
	UserInfo      string `json:"userinfo"`
	Emails        string `json:"emails,omitempty"`
	JWKS          string `json:"jwks,omitempty"`
	EndSession    string `json:"endSession,omitempty"`
}

func (p paths) endpoints(base string) Endpoints {
	abs := func(path string) string {
		if path == "" {
			return ""
		}
		return base + path
	}
	return Endpoints{Discovery: abs(p.discovery), Authorization: abs(p.authorize), Token: abs(p.token),
		UserInfo: abs(p.userinfo), Emails: abs(p.emails), JWKS: abs(p.jwks), EndSession: abs(p.endSession)}
}
