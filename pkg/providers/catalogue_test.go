package providers

import (
	"errors"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestLookupUnknown(t *testing.T) {
	_, err := Lookup("gihub")
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, ErrUnknownProvider) {
		t.Error("not ErrUnknownProvider")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, `authkit: cannot find provider "gihub": unknown provider; did you mean github? use one of `) {
		t.Errorf("error %q", msg)
	}
	if !strings.HasSuffix(msg, "use one of "+strings.Join(IDs(), ", ")) {
		t.Errorf("error %q does not list the ids", msg)
	}
	for _, id := range []string{"apple", "zitadel", "microsoft-entra-id", "oidc", "oauth2"} {
		if !strings.Contains(msg, id) {
			t.Errorf("error lacks %s", id)
		}
	}
	if _, err := Lookup("totally-different"); err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("suggestion for a far id: %v", err)
	}
	if _, err := Lookup("GitHub"); err == nil || !strings.Contains(err.Error(), "did you mean github?") {
		t.Errorf("case: %v", err)
	}
	if _, err := Lookup("microsoft"); err == nil || !strings.Contains(err.Error(), "did you mean microsoft-entra-id?") {
		t.Errorf("prefix: %v", err)
	}
	if _, err := Lookup("x\n\x1b[31m"); err == nil || strings.ContainsAny(err.Error(), "\n\x1b") {
		t.Errorf("control characters echoed: %q", err)
	}
}

func TestIDs(t *testing.T) {
	ids := IDs()
	want := []string{"apple", "auth0", "authentik", "bitbucket", "cognito", "discord", "facebook", "github", "gitlab", "google",
		"keycloak", "linkedin", "microsoft-entra-id", "oauth2", "oidc", "okta", "slack", "spotify", "twitch", "twitter", "zitadel"}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("IDs() = %v", ids)
	}
	if !sort.StringsAreSorted(ids) {
		t.Error("not sorted")
	}
	all := All()
	if len(all) != len(ids) {
		t.Fatal(len(all))
	}
	for i, p := range all {
		if p.ID != ids[i] {
			t.Errorf("All()[%d] = %s", i, p.ID)
		}
	}
}

// TestCatalogueData checks every entry as data.
func TestCatalogueData(t *testing.T) {
	needIssuer := map[string]bool{"auth0": true, "okta": true, "keycloak": true, "zitadel": true, "authentik": true, "cognito": true, "oidc": true}
	generic := map[string]bool{"oidc": true, "oauth2": true}
	trusted := map[string]bool{"github": true, "google": true, "discord": true, "gitlab": true, "apple": true, "linkedin": true, "twitch": true, "bitbucket": true}
	for _, id := range IDs() {
		p := mustLookup(t, id)
		t.Run(id, func(t *testing.T) {
			if p.ID != id || p.Name == "" || p.Kind == "" {
				t.Errorf("ID %q Name %q Kind %q", p.ID, p.Name, p.Kind)
			}
			if p.Kind != OIDC && p.Kind != OAuth2 {
				t.Errorf("kind %q", p.Kind)
			}
			if !validID(p.ID) {
				t.Error("invalid id")
			}
			if generic[id] {
				if p.ConsoleURL != "" {
					t.Error("a generic provider has no console")
				}
			} else if u, err := url.Parse(p.ConsoleURL); err != nil || u.Scheme != "https" || u.Host == "" {
				t.Errorf("console URL %q", p.ConsoleURL)
			}
			for _, e := range []string{p.AuthURL, p.TokenURL, p.UserInfoURL, p.JWKSURL, p.Issuer} {
				if e == "" {
					continue
				}
				if u, err := url.Parse(e); err != nil || u.Scheme != "https" || u.Host == "" {
					t.Errorf("endpoint %q is not https", e)
				}
			}
			switch p.Kind {
			case OIDC:
				if (p.Issuer == "") != needIssuer[id] {
					t.Errorf("issuer %q, needs one: %v", p.Issuer, needIssuer[id])
				}
				if p.AuthURL != "" || p.TokenURL != "" {
					t.Error("OIDC endpoints come from discovery")
				}
				if id != "apple" && !contains(p.Scopes, "openid") {
					t.Errorf("scopes %v lack openid", p.Scopes)
				}
			case OAuth2:
				if !generic[id] && (p.AuthURL == "" || p.TokenURL == "" || p.UserInfoURL == "") {
					t.Error("an OAuth 2 entry needs its endpoints")
				}
				if p.Issuer != "" {
					t.Error("an OAuth 2 entry with an issuer")
				}
			}
			if len(p.Checks) == 0 {
				t.Error("no checks")
			}
			switch p.TokenAuth {
			case ClientSecretBasic, ClientSecretPost:
			default:
				t.Errorf("token auth %q", p.TokenAuth)
			}
			if p.TrustEmail != trusted[id] {
				t.Errorf("TrustEmail %v", p.TrustEmail)
			}
			if p.ClientID != "" || p.ClientSecret != "" {
				t.Error("credentials in the catalogue")
			}
			// With credentials (and an issuer where needed) it validates.
			p.ClientID, p.ClientSecret = "id", "secret"
			if needIssuer[id] {
				p.Issuer = "https://idp.example.com"
			}
			if generic[id] && p.Kind == OAuth2 {
				p.AuthURL, p.TokenURL, p.UserInfoURL = "https://idp.example.com/a", "https://idp.example.com/t", "https://idp.example.com/u"
			}
			if err := p.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
	// Auth.js v5 specifics.
	apple := mustLookup(t, "apple")
	if apple.ResponseMode != "form_post" || apple.TokenAuth != ClientSecretPost || !apple.Has(CheckNonce) || !apple.Has(CheckState) || apple.Has(CheckPKCE) ||
		strings.Join(apple.Scopes, " ") != "name email" {
		t.Errorf("apple %+v", apple)
	}
	if li := mustLookup(t, "linkedin"); li.TokenAuth != ClientSecretPost || li.Has(CheckPKCE) || !li.Has(CheckState) {
		t.Errorf("linkedin %+v", li)
	}
	if tw := mustLookup(t, "twitch"); !strings.Contains(tw.AuthParams.Get("claims"), `"email":null`) || tw.TokenAuth != ClientSecretPost {
		t.Errorf("twitch %+v", tw)
	}
	if e := mustLookup(t, "microsoft-entra-id"); e.Issuer != "https://login.microsoftonline.com/common/v2.0" || !contains(e.Scopes, "User.Read") {
		t.Errorf("entra %+v", e)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestCloneIsDeep(t *testing.T) {
	p := mustLookup(t, "twitch")
	p.IDTokenAlgs = []string{"RS256"}
	c := p.Clone()
	c.Scopes[0] = "changed"
	c.Checks[0] = "changed"
	c.AuthParams.Set("claims", "changed")
	c.AuthParams.Add("new", "x")
	c.IDTokenAlgs[0] = "none"
	c.Issuer = "https://changed.example"
	if p.Scopes[0] != "openid" || p.Checks[0] != CheckPKCE || p.AuthParams.Get("new") != "" ||
		!strings.Contains(p.AuthParams.Get("claims"), "id_token") || p.IDTokenAlgs[0] != "RS256" || p.Issuer != "https://id.twitch.tv/oauth2" {
		t.Errorf("the clone shares memory with the original: %+v", p)
	}
	// Lookup hands out copies: changing one changes neither the catalogue
	// nor the next Lookup.
	a := mustLookup(t, "github")
	a.Scopes = append(a.Scopes[:0], "repo")
	a.ClientSecret = "s"
	b := mustLookup(t, "github")
	if b.Scopes[0] != "read:user" || b.ClientSecret != "" {
		t.Error("Lookup returned shared data")
	}
	// Every field survives a clone.
	for _, id := range IDs() {
		p := mustLookup(t, id)
		c := p.Clone()
		pv, cv := reflect.ValueOf(*p), reflect.ValueOf(*c)
		for i := 0; i < pv.NumField(); i++ {
			f := pv.Type().Field(i)
			if f.Type.Kind() == reflect.Func {
				if pv.Field(i).IsNil() != cv.Field(i).IsNil() {
					t.Errorf("%s.%s lost", id, f.Name)
				}
				continue
			}
			if f.IsExported() && !reflect.DeepEqual(pv.Field(i).Interface(), cv.Field(i).Interface()) {
				t.Errorf("%s.%s differs after Clone", id, f.Name)
			}
		}
	}
}
