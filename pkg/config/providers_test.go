package config

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/pkg/providers"
)

func TestProvidersMerge(t *testing.T) {
	src := `providers:
  - id: github
    client_id: file-github-id
    client_secret: ${AUTH_GITHUB_SECRET}
  - id: google
  - id: github-enterprise
    type: github
    name: GitHub (corp)
    base_url: https://ghe.example.com
    client_secret: ${GHE_SECRET}
  - id: keycloak
  - id: okta
    issuer: https://file.okta.example
    trust_email: true
  - id: corp
    type: oidc
    issuer: https://login.corp.example
    trust_email: true
  - id: legacy
    type: oauth2
    authorization_url: https://legacy.example/authorize
    token_url: https://legacy.example/token
    userinfo_url: https://legacy.example/me
    token_auth: client_secret_post
    scopes: profile email
  - id: twitch
    scopes: [openid]
    params:
      force_verify: "true"
`
	env := map[string]string{
		"AUTH_GITHUB_ID": "env-github-id", "AUTH_GITHUB_SECRET": "gh-secret",
		"AUTH_GOOGLE_ID": "g-id", "AUTH_GOOGLE_SECRET": "g-secret",
		"AUTH_GITHUB_ENTERPRISE_ID": "ghe-id", "GHE_SECRET": "ghe-secret", "AUTH_GITHUB_ENTERPRISE_SECRET": "ignored",
		"AUTH_KEYCLOAK_ID": "kc-id", "AUTH_KEYCLOAK_SECRET": "kc-secret", "AUTH_KEYCLOAK_ISSUER": "https://kc.example/realms/main",
		"AUTH_OKTA_ID": "okta-id", "AUTH_OKTA_SECRET": "okta-secret", "AUTH_OKTA_ISSUER": "https://env.okta.example",
		"AUTH_CORP_ID": "corp-id", "AUTH_CORP_SECRET": "corp-secret",
		"AUTH_LEGACY_ID": "l-id", "AUTH_LEGACY_SECRET": "l-secret",
		"AUTH_TWITCH_ID": "t-id", "AUTH_TWITCH_SECRET": "t-secret",
	}
	c := mustParse(t, src, env)
	ps, err := c.Providers()
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]*providers.Provider{}
	for _, p := range ps {
		by[p.ID] = p
	}
	eq(t, len(ps), 8)

	gh := by["github"]
	eq(t, gh.ClientID, "file-github-id") // the file wins over AUTH_GITHUB_ID
	eq(t, gh.ClientSecret, "gh-secret")
	eq(t, gh.AuthURL, "https://github.com/login/oauth/authorize")
	eq(t, gh.TrustEmail, true)
	eq(t, gh.Scopes, []string{"read:user", "user:email"})
	if gh.FetchProfile == nil || gh.MapProfile == nil {
		t.Error("the catalogue's profile functions were lost")
	}

	g := by["google"]
	eq(t, []string{g.ClientID, g.ClientSecret, g.Issuer}, []string{"g-id", "g-secret", "https://accounts.google.com"})

	ghe := by["github-enterprise"]
	eq(t, ghe.Name, "GitHub (corp)")
	eq(t, ghe.ClientID, "ghe-id")
	eq(t, ghe.ClientSecret, "ghe-secret") // the file's reference wins over AUTH_GITHUB_ENTERPRISE_SECRET
	eq(t, ghe.AuthURL, "https://ghe.example.com/login/oauth/authorize")
	eq(t, ghe.UserInfoURL, "https://ghe.example.com/api/v3/user")
	eq(t, ghe.TrustEmail, false)
	eq(t, ghe.CallbackPath("/auth"), "/auth/callback/github-enterprise")

	eq(t, by["keycloak"].Issuer, "https://kc.example/realms/main")
	eq(t, by["okta"].Issuer, "https://file.okta.example")
	eq(t, by["okta"].TrustEmail, true)

	corp := by["corp"]
	eq(t, corp.Kind, providers.OIDC)
	eq(t, corp.Name, "corp")
	eq(t, corp.Issuer, "https://login.corp.example")
	eq(t, corp.TrustEmail, true)
	eq(t, corp.Scopes, []string{"openid", "profile", "email"})

	l := by["legacy"]
	eq(t, l.Kind, providers.OAuth2)
	eq(t, []string{l.AuthURL, l.TokenURL, l.UserInfoURL}, []string{"https://legacy.example/authorize", "https://legacy.example/token", "https://legacy.example/me"})
	eq(t, l.TokenAuth, providers.ClientSecretPost)
	eq(t, l.Scopes, []string{"profile", "email"})
	eq(t, l.TrustEmail, false)

	tw := by["twitch"]
	eq(t, tw.Scopes, []string{"openid"})
	eq(t, tw.AuthParams.Get("force_verify"), "true")
	if tw.AuthParams.Get("claims") == "" {
		t.Error("the catalogue's claims parameter was lost")
	}
	// The catalogue itself is untouched.
	if fresh, _ := providers.Lookup("twitch"); fresh.AuthParams.Get("force_verify") != "" || len(fresh.Scopes) != 2 {
		t.Errorf("the catalogue was changed: %v %v", fresh.Scopes, fresh.AuthParams)
	}
}

func TestProvidersFromEnvOnly(t *testing.T) {
	c := mustParse(t, "providers:\n  - id: github\n", map[string]string{"AUTH_GITHUB_ID": "id", "AUTH_GITHUB_SECRET": "sec"})
	ps, err := c.Providers()
	if err != nil {
		t.Fatal(err)
	}
	eq(t, []string{ps[0].ClientID, ps[0].ClientSecret}, []string{"id", "sec"})
}

func TestProvidersValidation(t *testing.T) {
	src := "linking: never\nproviders:\n  - id: github\n  - id: google\n    client_id: x\n"
	c := mustParse(t, src, map[string]string{"AUTH_GOOGLE_SECRET": "s"})
	_, err := c.Providers()
	want := "authkit: cannot use provider github: no client id and no client secret; set AUTH_GITHUB_ID and AUTH_GITHUB_SECRET (configured in authkit.yaml, line 3)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	var ve *providers.ValidationError
	if !errors.As(err, &ve) || ve.Provider != "github" {
		t.Errorf("no *providers.ValidationError in %v", err)
	}
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Line != 3 || pe.ID != "github" {
		t.Errorf("no *ProviderError at line 3 in %#v", err)
	}

	// Provider builds without validating, for callers that add flags.
	p, err := c.Provider("github")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, p.ClientSecret, "")
	_, err = c.Provider("gitlab")
	eq(t, err.Error(), `authkit: cannot find provider "gitlab" in authkit.yaml: configured: github and google`)
	_, err = mustParse(t, "", nil).Provider("gitlab")
	eq(t, err.Error(), `authkit: cannot find provider "gitlab" in authkit.yaml: none is configured; add a providers entry`)
}

func TestProvidersNone(t *testing.T) {
	ps, err := mustParse(t, "linking: never\n", nil).Providers()
	if err != nil || len(ps) != 0 {
		t.Errorf("got %v, %v", ps, err)
	}
}

// TestProvidersEveryCatalogueType loads each catalogue entry as a type.
func TestProvidersEveryCatalogueType(t *testing.T) {
	for _, id := range providers.IDs() {
		var b strings.Builder
		b.WriteString("providers:\n  - id: p-" + id + "\n    type: " + id + "\n")
		switch id {
		case "oauth2":
			b.WriteString("    authorization_url: https://x.example/a\n    token_url: https://x.example/t\n    userinfo_url: https://x.example/u\n")
		default:
			if p, _ := providers.Lookup(id); p.Kind == providers.OIDC && p.Issuer == "" {
				b.WriteString("    issuer: https://idp.example\n")
			}
		}
		envID, envSecret, _ := providers.EnvNames("p-" + id)
		c, err := parse(t, b.String(), map[string]string{envID: "id", envSecret: "secret"})
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		ps, err := c.Providers()
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		if _, err := url.Parse(ps[0].CallbackPath("/auth")); err != nil || ps[0].ID != "p-"+id {
			t.Errorf("%s: built %+v", id, ps[0])
		}
	}
}
