package providers

import (
	"errors"
	"strings"
	"testing"
)

func TestEnvNames(t *testing.T) {
	tests := []struct{ id, cid, secret, issuer string }{
		{"github", "AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET", "AUTH_GITHUB_ISSUER"},
		{"microsoft-entra-id", "AUTH_MICROSOFT_ENTRA_ID_ID", "AUTH_MICROSOFT_ENTRA_ID_SECRET", "AUTH_MICROSOFT_ENTRA_ID_ISSUER"},
		{"42-school", "AUTH_42_SCHOOL_ID", "AUTH_42_SCHOOL_SECRET", "AUTH_42_SCHOOL_ISSUER"},
		{"my_idp", "AUTH_MY_IDP_ID", "AUTH_MY_IDP_SECRET", "AUTH_MY_IDP_ISSUER"},
	}
	for _, tt := range tests {
		c, s, i := EnvNames(tt.id)
		if c != tt.cid || s != tt.secret || i != tt.issuer {
			t.Errorf("EnvNames(%q) = %s %s %s", tt.id, c, s, i)
		}
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{
		"AUTH_KEYCLOAK_ID":     "authkit-app",
		"AUTH_KEYCLOAK_SECRET": " s3cret\n",
		"AUTH_KEYCLOAK_ISSUER": "https://sso.example.com/realms/acme",
	}
	p := mustLookup(t, "keycloak")
	FromEnv(p, func(k string) string { return env[k] })
	if p.ClientID != "authkit-app" || p.ClientSecret != "s3cret" || p.Issuer != "https://sso.example.com/realms/acme" {
		t.Errorf("got %q %q %q", p.ClientID, p.ClientSecret, p.Issuer)
	}
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
	// Values already set win over the environment.
	q := mustLookup(t, "keycloak")
	q.ClientID = "from-config"
	FromEnv(q, func(k string) string { return env[k] })
	if q.ClientID != "from-config" || q.ClientSecret != "s3cret" {
		t.Errorf("got %q %q", q.ClientID, q.ClientSecret)
	}
	// The catalogue is untouched.
	if c := mustLookup(t, "keycloak"); c.ClientID != "" || c.Issuer != "" {
		t.Error("FromEnv changed the catalogue")
	}
	// Entra keeps its default issuer unless the variable is set.
	e := mustLookup(t, "microsoft-entra-id")
	FromEnv(e, func(k string) string {
		if k == "AUTH_MICROSOFT_ENTRA_ID_ISSUER" {
			return "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"
		}
		return ""
	})
	if e.Issuer != "https://login.microsoftonline.com/common/v2.0" {
		t.Errorf("Entra issuer %q: the default is set before the environment is read", e.Issuer)
	}
	t.Setenv("AUTH_DISCORD_ID", "from-os")
	d := mustLookup(t, "discord")
	FromEnv(d, nil)
	if d.ClientID != "from-os" {
		t.Errorf("nil getenv: %q", d.ClientID)
	}
}

func TestValidateMessages(t *testing.T) {
	tests := []struct {
		name string
		p    func() *Provider
		want string
		env  []string
	}{
		{"missing secret", func() *Provider {
			p := mustLookup(t, "github")
			p.ClientID = "Iv1.abc"
			return p
		}, "authkit: cannot use provider github: no client secret; set AUTH_GITHUB_SECRET", []string{"AUTH_GITHUB_SECRET"}},
		{"missing both", func() *Provider { return mustLookup(t, "github") },
			"authkit: cannot use provider github: no client id and no client secret; set AUTH_GITHUB_ID and AUTH_GITHUB_SECRET",
			[]string{"AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET"}},
		{"entra id", func() *Provider { p := mustLookup(t, "microsoft-entra-id"); p.ClientSecret = "x"; return p },
			"authkit: cannot use provider microsoft-entra-id: no client id; set AUTH_MICROSOFT_ENTRA_ID_ID", nil},
		{"keycloak issuer", func() *Provider {
			p := mustLookup(t, "keycloak")
			p.ClientID, p.ClientSecret = "a", "b"
			return p
		}, "authkit: cannot use provider keycloak: no issuer; set AUTH_KEYCLOAK_ISSUER (https://<host>/realms/<realm>)", []string{"AUTH_KEYCLOAK_ISSUER"}},
		{"all three", func() *Provider { return mustLookup(t, "okta") },
			"authkit: cannot use provider okta: no client id, no client secret and no issuer; set AUTH_OKTA_ID and AUTH_OKTA_SECRET; set AUTH_OKTA_ISSUER (https://<org>.okta.com or https://<org>.okta.com/oauth2/default)", nil},
		{"apple secret", func() *Provider { p := mustLookup(t, "apple"); p.ClientID = "com.example.web"; return p },
			"authkit: cannot use provider apple: no client secret; set AUTH_APPLE_SECRET to a client-secret JWT", nil},
		{"http issuer", func() *Provider {
			p := NewOIDC("corp", "Corp", "http://sso.corp.example")
			p.ClientID, p.ClientSecret = "a", "b"
			return p
		}, "authkit: cannot use provider corp: the issuer http://sso.corp.example is not https", nil},
		{"generic oauth2", func() *Provider {
			p := mustLookup(t, "oauth2")
			p.ClientID, p.ClientSecret = "a", "b"
			return p
		}, "authkit: cannot use provider oauth2: no authorization URL, no token URL and no userinfo URL; configure the provider's authorization endpoint", nil},
		{"bad id", func() *Provider { return NewOIDC("My IdP", "x", "https://x.example") },
			`authkit: cannot use provider My IdP: the id "My IdP" is not valid; use lower-case letters`, nil},
		{"bad token auth", func() *Provider {
			p := mustLookup(t, "google")
			p.ClientID, p.ClientSecret, p.TokenAuth = "a", "b", "private_key_jwt"
			return p
		}, `the token endpoint authentication "private_key_jwt" is not supported`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p().Validate()
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got  %q\nwant %q", err, tt.want)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatal("not a *ValidationError")
			}
			if tt.env != nil && strings.Join(ve.Env(), ",") != strings.Join(tt.env, ",") {
				t.Errorf("Env() = %v, want %v", ve.Env(), tt.env)
			}
		})
	}
	// Loopback http is fine (the dev IdP).
	p := NewOIDC("dev", "Dev", "http://127.0.0.1:9999")
	p.ClientID, p.ClientSecret = "a", "b"
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
	if err := (&Provider{ID: "email", Kind: Email}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestCallbackPath(t *testing.T) {
	p := mustLookup(t, "github")
	for base, want := range map[string]string{
		"/auth":      "/auth/callback/github",
		"/api/auth/": "/api/auth/callback/github",
		"":           "/callback/github",
		"/":          "/callback/github",
		"auth":       "/auth/callback/github",
	} {
		if got := p.CallbackPath(base); got != want {
			t.Errorf("CallbackPath(%q) = %q, want %q", base, got, want)
		}
	}
	if got := mustLookup(t, "microsoft-entra-id").CallbackPath("/api/auth"); got != "/api/auth/callback/microsoft-entra-id" {
		t.Error(got)
	}
}
