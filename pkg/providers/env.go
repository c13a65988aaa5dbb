package providers

import (
	"os"
	"strings"
)

// envName is AUTH_<ID>_<suffix>, ID upper-cased with '-' (and any other
// character that cannot be in a variable name) as '_'.
func envName(id, suffix string) string {
	var b strings.Builder
	b.WriteString("AUTH_")
	for _, r := range strings.ToUpper(id) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	b.WriteString("_")
	b.WriteString(suffix)
	return b.String()
}

// EnvNames returns the environment variables that hold a provider's
// credentials, named as Auth.js v5 names them: AUTH_<ID>_ID,
// AUTH_<ID>_SECRET and AUTH_<ID>_ISSUER, where ID is the provider id
// upper-cased with '-' as '_' (AUTH_MICROSOFT_ENTRA_ID_ID).
func EnvNames(id string) (clientID, secret, issuer string) {
	return envName(id, "ID"), envName(id, "SECRET"), envName(id, "ISSUER")
}

// FromEnv fills p's empty ClientID, ClientSecret and Issuer from the
// variables of EnvNames, read with getenv (os.Getenv when nil). Values
// already set (from a configuration file, say) win, as in Auth.js.
// Surrounding spaces are trimmed.
func FromEnv(p *Provider, getenv func(string) string) {
	if getenv == nil {
		getenv = os.Getenv
	}
	idVar, secretVar, issuerVar := EnvNames(p.ID)
	if p.ClientID == "" {
		p.ClientID = strings.TrimSpace(getenv(idVar))
	}
	if p.ClientSecret == "" {
		p.ClientSecret = strings.TrimSpace(getenv(secretVar))
	}
	if p.Issuer == "" {
		p.Issuer = strings.TrimSpace(getenv(issuerVar))
	}
}

// CallbackPath is the redirect path of p under basePath:
// <basePath>/callback/<id>, as Auth.js routes it ("/auth/callback/github",
// "/api/auth/callback/github"). The redirect URI to register at the
// provider is the app's origin followed by this path.
func (p *Provider) CallbackPath(basePath string) string {
	basePath = strings.TrimRight(basePath, "/")
	if basePath != "" && !strings.HasPrefix(basePath, "/") {
		basePath = "/" + basePath
	}
	return basePath + "/callback/" + p.ID
}

// issuerExample is a hint of the issuer's shape for the providers that
// need one, starting with " (" or empty.
func issuerExample(p *Provider) string {
	ex := map[string]string{
		"auth0":              "https://<tenant>.<region>.auth0.com/, with its trailing slash",
		"okta":               "https://<org>.okta.com or https://<org>.okta.com/oauth2/default",
		"keycloak":           "https://<host>/realms/<realm>",
		"zitadel":            "https://<instance>.zitadel.cloud",
		"authentik":          "https://<host>/application/o/<slug>/, with its trailing slash",
		"cognito":            "https://cognito-idp.<region>.amazonaws.com/<user-pool-id>",
		"microsoft-entra-id": "https://login.microsoftonline.com/<tenant-id>/v2.0",
		"oidc":               "the URL the provider's discovery document names as its issuer",
	}[p.family]
	if ex == "" {
		return ""
	}
	return " (" + ex + ")"
}

// Problem is one thing Validate found missing or wrong.
type Problem struct {
	// Field is the Provider field concerned ("ClientSecret").
	Field string
	// Cause says what is wrong ("no client secret").
	Cause string
	// Env is the variable that fixes it, when one does ("AUTH_GITHUB_SECRET").
	Env string
	// Fix says how to fix it when Env alone does not.
	Fix string
}

// ValidationError is what Validate returns: every problem found, in one
// message that names the variables to set.
type ValidationError struct {
	// Provider is the provider id.
	Provider string
	// Problems are the problems found, at least one.
	Problems []Problem
}

// Error reads "authkit: cannot use provider github: no client secret; set
// AUTH_GITHUB_SECRET", several problems joined.
func (e *ValidationError) Error() string {
	cause, fix := e.CauseAndFix()
	msg := "authkit: cannot use provider " + e.Provider + ": " + cause
	if fix != "" {
		msg += "; " + fix
	}
	return msg
}

// CauseAndFix joins the problems into one cause ("no client id and no
// client secret") and one fix ("set AUTH_GITHUB_ID and
// AUTH_GITHUB_SECRET", then the problems' own fixes).
func (e *ValidationError) CauseAndFix() (cause, fix string) {
	var causes, envs, fixes []string
	for _, p := range e.Problems {
		causes = append(causes, p.Cause)
		switch {
		case p.Fix != "":
			fixes = append(fixes, p.Fix)
		case p.Env != "":
			envs = append(envs, p.Env)
		}
	}
	if len(envs) > 0 {
		fixes = append([]string{"set " + joinAnd(envs)}, fixes...)
	}
	return joinAnd(causes), strings.Join(fixes, "; ")
}

// Env lists the variables that would fix the problems.
func (e *ValidationError) Env() []string {
	var out []string
	for _, p := range e.Problems {
		if p.Env != "" {
			out = append(out, p.Env)
		}
	}
	return out
}

func joinAnd(ss []string) string {
	switch len(ss) {
	case 0:
		return ""
	case 1:
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " and " + ss[len(ss)-1]
}

// validID reports an id fit for URLs, cookie binding and variable names.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Validate says what p lacks before it can be used to sign in: a valid id,
// a client id and secret, for OIDC an issuer, for OAuth 2 the
// authorization, token and userinfo endpoints; and that every URL given is
// https (http only on loopback hosts). The error is a *ValidationError
// whose message names the environment variable to set
// ("authkit: cannot use provider github: no client secret; set
// AUTH_GITHUB_SECRET"). Email, Credentials and SIWE providers need none of
// this and always pass.
func (p *Provider) Validate() error {
	switch p.Kind {
	case Email, Credentials, SIWE:
		return nil
	}
	label := p.ID
	if label == "" {
		label = `""`
	}
	e := &ValidationError{Provider: label}
	add := func(field, cause, env, fix string) {
		e.Problems = append(e.Problems, Problem{Field: field, Cause: cause, Env: env, Fix: fix})
	}
	if !validID(p.ID) {
		add("ID", "the id "+`"`+sanitise(p.ID, 64)+`"`+" is not valid", "", "use lower-case letters, digits, '-' and '_' (64 at most)")
		return e
	}
	idVar, secretVar, issuerVar := EnvNames(p.ID)
	if p.ClientID == "" {
		add("ClientID", "no client id", idVar, "")
	}
	if p.ClientSecret == "" {
		fix := ""
		if p.family == "apple" {
			fix = "set " + secretVar + " to a client-secret JWT made from the team's .p8 key (AppleClientSecret makes one; it lasts six months at most)"
		}
		add("ClientSecret", "no client secret", secretVar, fix)
	}
	switch p.Kind {
	case OIDC:
		if p.Issuer == "" {
			fix := ""
			if ex := issuerExample(p); ex != "" {
				fix = "set " + issuerVar + ex
			}
			add("Issuer", "no issuer", issuerVar, fix)
		} else if err := checkURL(p.Issuer); err != nil {
			add("Issuer", "the issuer "+err.Error(), issuerVar, "set "+issuerVar+" to the provider's https issuer URL"+issuerExample(p))
		}
	case OAuth2:
		if p.AuthURL == "" {
			add("AuthURL", "no authorization URL", "", "configure the provider's authorization endpoint")
		}
		if p.TokenURL == "" {
			add("TokenURL", "no token URL", "", "configure the provider's token endpoint")
		}
		if p.UserInfoURL == "" && p.FetchProfile == nil {
			add("UserInfoURL", "no userinfo URL", "", "configure the provider's userinfo endpoint")
		}
	default:
		add("Kind", "the kind "+`"`+sanitise(string(p.Kind), 32)+`"`+" is not known", "", "use oidc or oauth")
	}
	for _, u := range []struct{ field, name, val string }{
		{"AuthURL", "authorization URL", p.AuthURL},
		{"TokenURL", "token URL", p.TokenURL},
		{"UserInfoURL", "userinfo URL", p.UserInfoURL},
		{"JWKSURL", "JWKS URL", p.JWKSURL},
	} {
		if u.val == "" {
			continue
		}
		if err := checkURL(u.val); err != nil {
			add(u.field, "the "+u.name+" "+err.Error(), "", "give the provider's https "+u.name)
		}
	}
	switch p.TokenAuth {
	case "", ClientSecretBasic, ClientSecretPost:
	default:
		add("TokenAuth", "the token endpoint authentication "+`"`+sanitise(string(p.TokenAuth), 40)+`"`+" is not supported", "", "use client_secret_basic or client_secret_post")
	}
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}
