package config

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/authkit-dev/authkit/pkg/providers"
)

var providerID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// flowParams are the authorization request parameters the flow sets
// itself; a file may not override them.
var flowParams = []string{
	"client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
	"code_challenge", "code_challenge_method", "response_mode",
}

func (r *resolver) providers(list []ProviderFile) []ProviderConfig {
	out := make([]ProviderConfig, 0, len(list))
	seen := map[string]string{} // id -> path of its first entry
	for i, pf := range list {
		path := "providers[" + strconv.Itoa(i) + "]"
		pc, ok := r.provider(path, pf)
		if !ok {
			continue
		}
		if first, dup := seen[pc.ID]; dup {
			r.fail(path+".id", path+": the provider id "+quote(pc.ID, 64)+" is already used by "+first+" (line "+strconv.Itoa(r.d.where(first).line)+"); give this one another id, such as "+pc.ID+"-2, with type: "+pc.Type)
			continue
		}
		seen[pc.ID] = path
		out = append(out, pc)
	}
	return out
}

// label names an entry in messages: providers[1] (corp).
func label(path, id string) string {
	if id == "" {
		return path
	}
	return path + " (" + id + ")"
}

func (r *resolver) provider(path string, pf ProviderFile) (ProviderConfig, bool) {
	pc := ProviderConfig{
		ID: strings.TrimSpace(pf.ID), Type: strings.TrimSpace(pf.Type), Name: strings.TrimSpace(pf.Name),
		ClientID: strings.TrimSpace(pf.ClientID), Issuer: strings.TrimSpace(pf.Issuer),
		BaseURL: strings.TrimSpace(pf.BaseURL), AuthURL: strings.TrimSpace(pf.AuthorizationURL),
		TokenURL: strings.TrimSpace(pf.TokenURL), UserInfoURL: strings.TrimSpace(pf.UserInfoURL),
		TrustEmail: pf.TrustEmail, Line: r.d.where(path).line,
	}
	switch {
	case pc.ID == "" && r.ps.has(path+".id"):
		return pc, false
	case pc.ID == "":
		r.fail(path, path+" has no id; add id: with the provider's name in URLs, such as id: github")
		return pc, false
	case !providerID.MatchString(pc.ID):
		r.fail(path+".id", path+".id "+r.d.show(path+".id", pc.ID, 64)+" is not a valid provider id; use lower-case letters, digits and '-' (64 at most), such as github or corp-sso")
		return pc, false
	}
	lbl := label(path, pc.ID)
	typeGiven := pc.Type != ""
	if !typeGiven {
		pc.Type = pc.ID
	}
	tmpl, err := providers.Lookup(pc.Type)
	if err != nil {
		ids := strings.Join(providers.IDs(), ", ")
		if typeGiven {
			msg := path + ".type " + r.d.show(path+".type", pc.Type, 64) + " is not a known provider type"
			if s := closest(pc.Type, providers.IDs()); s != "" {
				msg += "; did you mean " + s + "?"
			} else {
				msg += ";"
			}
			r.fail(path+".type", msg+" use one of "+ids)
		} else {
			msg := lbl + ": " + r.d.show(path+".id", pc.ID, 64) + " is not a catalogue provider"
			if s := closest(pc.ID, providers.IDs()); s != "" {
				msg += " (did you mean " + s + "?)"
			}
			r.fail(path+".id", msg+", so give its type: oidc (with issuer) or oauth2 (with authorization_url, token_url and userinfo_url), or one of "+ids)
		}
		return pc, false
	}
	generic := pc.Type == "oidc" || pc.Type == "oauth2"
	if pc.Name == "" {
		pc.Name = tmpl.Name
		if generic {
			pc.Name = pc.ID
		}
	}
	if strings.IndexFunc(pc.Name, unicode.IsControl) >= 0 || len([]rune(pc.Name)) > 100 {
		r.fail(path+".name", path+".name must be one line of at most 100 characters")
	}
	pc.Unset = r.unsetIn(path)
	if pf.ClientSecret != "" || r.present(path+".client_secret") {
		_, secretVar, _ := providers.EnvNames(pc.ID)
		if ref, isRef := parseSecretRef(strings.TrimSpace(pf.ClientSecret)); r.l.lenient && isRef && ref.env != "" && r.l.getenv(ref.env) == "" {
			pc.Unset = append(pc.Unset, UnsetEnv{Key: "client_secret", Env: ref.env})
		} else if s, ok := r.secret(path+".client_secret", pf.ClientSecret, secretVar); ok {
			pc.ClientSecret = s
		}
	}
	r.providerURLs(path, lbl, &pc, tmpl)
	pc.Scopes = r.scopes(path+".scopes", pf.Scopes)
	pc.TokenAuth = r.enum(path+".token_auth", strings.TrimSpace(pf.TokenAuth), string(providers.ClientSecretBasic), string(providers.ClientSecretPost))
	r.trustEmail(path, lbl, pc, tmpl, generic)
	pc.Params = r.params(path+".params", pf.Params)
	return pc, true
}

// providerURLs checks the issuer, base URL and endpoints, and what the
// provider's kind requires of them.
func (r *resolver) providerURLs(path, lbl string, pc *ProviderConfig, tmpl *providers.Provider) {
	for _, u := range []struct{ key, v string }{
		{"issuer", pc.Issuer}, {"base_url", pc.BaseURL}, {"authorization_url", pc.AuthURL},
		{"token_url", pc.TokenURL}, {"userinfo_url", pc.UserInfoURL},
	} {
		if u.v == "" {
			continue
		}
		if msg := checkEndpoint(u.v); msg != "" {
			r.fail(path+"."+u.key, path+"."+u.key+" "+r.d.show(path+"."+u.key, u.v, 80)+" "+msg)
		}
	}
	family := pc.Type
	if pc.BaseURL != "" && family != "github" && family != "gitlab" {
		r.fail(path+".base_url", lbl+": base_url is for type github (GitHub Enterprise Server) and gitlab (self-hosted GitLab) only; for "+pc.Type+" give the issuer or the endpoints")
	}
	_, _, issuerVar := providers.EnvNames(pc.ID)
	switch {
	case tmpl.Kind == providers.OIDC && tmpl.Issuer == "" && pc.Issuer == "" && r.l.getenv(issuerVar) == "" && !r.ps.has(path+".issuer"):
		switch {
		case pc.unset("issuer"):
		case r.l.lenient:
			pc.Unset = append(pc.Unset, UnsetEnv{Key: "issuer", Env: issuerVar})
		default:
			r.fail(path, lbl+": type "+pc.Type+" needs an issuer; add issuer: (such as https://sso.example.com/realms/main) or set "+issuerVar)
		}
	case pc.Type == "oauth2":
		var missing []string
		for _, u := range []struct{ key, v string }{{"authorization_url", pc.AuthURL}, {"token_url", pc.TokenURL}, {"userinfo_url", pc.UserInfoURL}} {
			if u.v == "" && !r.ps.has(path+"."+u.key) && !pc.unset(u.key) {
				missing = append(missing, u.key)
			}
		}
		if len(missing) > 0 {
			r.fail(path, lbl+": type oauth2 needs authorization_url, token_url and userinfo_url; add "+joinAnd(missing)+" (or use type: oidc with an issuer)")
		}
	}
}

// unsetIn lists the values of the entry at path that the decoder left
// empty because their variable is unset (lenient loads only), in key
// order.
func (r *resolver) unsetIn(path string) []UnsetEnv {
	var out []UnsetEnv
	for k, env := range r.d.unset {
		if key, ok := strings.CutPrefix(k, path+"."); ok {
			out = append(out, UnsetEnv{Key: key, Env: env})
		}
	}
	slices.SortFunc(out, func(a, b UnsetEnv) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// unset reports whether the entry's key waits for an unset variable.
func (pc *ProviderConfig) unset(key string) bool {
	return slices.ContainsFunc(pc.Unset, func(u UnsetEnv) bool { return u.Key == key })
}

// checkEndpoint says what is wrong with a provider URL, or "": it must be
// an absolute https URL (http only on loopback hosts, for local IdPs).
func checkEndpoint(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "is not an absolute https URL"
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "is not https; providers must be reached over https (http only on localhost)"
	}
	if u.User != nil || u.Fragment != "" {
		return "has a user name or fragment; write the URL alone"
	}
	return ""
}

func joinAnd(ss []string) string {
	if len(ss) < 2 {
		return strings.Join(ss, "")
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " and " + ss[len(ss)-1]
}

// scopes flattens scope lists, one string of several scopes included.
func (r *resolver) scopes(path string, in []string) []string {
	var out []string
	seen := map[string]bool{}
	bad := false
	for i, s := range in {
		for _, sc := range strings.Fields(s) {
			if strings.ContainsAny(sc, "\"\\") || strings.IndexFunc(sc, unicode.IsControl) >= 0 {
				p := path + "[" + strconv.Itoa(i) + "]"
				r.fail(p, p+" "+r.d.show(p, sc, 40)+" is not a valid scope; scopes are words without quotes or backslashes")
				bad = true
				continue
			}
			if !seen[sc] {
				seen[sc] = true
				out = append(out, sc)
			}
		}
	}
	if r.present(path) && len(out) == 0 && !bad {
		r.fail(path, path+" is empty; list the scopes to request, or remove the key to use the catalogue's")
	}
	return out
}

// trustEmail allows trust_email: true only where the catalogue leaves the
// decision to the operator: generic providers, tenant products and
// self-hosted GitHub or GitLab. false is always allowed.
func (r *resolver) trustEmail(path, lbl string, pc ProviderConfig, tmpl *providers.Provider, generic bool) {
	if pc.TrustEmail == nil || !*pc.TrustEmail {
		return
	}
	tenant := generic || tmpl.Kind == providers.OIDC && tmpl.Issuer == "" || pc.Type == "microsoft-entra-id" || pc.BaseURL != ""
	if !tenant {
		decided := "does not trust"
		if tmpl.TrustEmail {
			decided = "already trusts"
		}
		r.fail(path+".trust_email", lbl+": trust_email: true is only for providers you run (oidc, oauth2, tenant products, self-hosted GitHub or GitLab); the catalogue "+decided+" "+pc.Type+"'s emails, so remove it")
	}
}

func (r *resolver) params(path string, in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range in {
		switch {
		case slices.Contains(flowParams, k):
			fix := "remove it"
			if k == "scope" {
				fix = "use scopes: instead"
			}
			r.failKey(joinPath(path, k), path+"."+k+" is set by the sign-in flow itself and cannot be overridden; "+fix)
		case k == "" || strings.IndexFunc(k, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) >= 0:
			r.failKey(joinPath(path, k), path+" has an invalid parameter name "+quote(k, 40))
		default:
			out[k] = v
		}
	}
	return out
}
