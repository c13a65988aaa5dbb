package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestLoadAllowUnsetProviderEnv: a file whose providers wait for the
// environment loads leniently, each missing variable recorded where it is
// read; a strict Load refuses the same file; problems that are not
// waiting variables still fail a lenient load.
func TestLoadAllowUnsetProviderEnv(t *testing.T) {
	const src = `database:
  url: sqlite:./dev.db
  schema: authjs-prisma
providers:
  - id: keycloak
  - id: corp
    type: oidc
    issuer: ${CORP_ISSUER}
    client_id: ${CORP_ID}
    client_secret: ${CORP_SECRET}
  - id: api
    type: oauth2
    authorization_url: ${API_AUTH_URL}
    token_url: https://api.example.com/token
    userinfo_url: https://api.example.com/me
`
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	writeFile(t, path, src)
	env := envOf(map[string]string{})

	if _, err := Load(path, env); err == nil || !strings.Contains(err.Error(), "needs an issuer") {
		t.Fatalf("strict Load: err = %v, want the missing issuer", err)
	}
	c, err := LoadWith(path, env, LoadOptions{AllowUnsetProviderEnv: true})
	if err != nil {
		t.Fatalf("lenient load: %v", err)
	}
	if c.Database.Schema != "authjs-prisma" || c.Database.URL.Value() != "sqlite:./dev.db" {
		t.Errorf("database = %+v", c.Database)
	}
	want := map[string][]UnsetEnv{
		"keycloak": {{Key: "issuer", Env: "AUTH_KEYCLOAK_ISSUER"}},
		"corp":     {{Key: "client_id", Env: "CORP_ID"}, {Key: "issuer", Env: "CORP_ISSUER"}, {Key: "client_secret", Env: "CORP_SECRET"}},
		"api":      {{Key: "authorization_url", Env: "API_AUTH_URL"}},
	}
	for _, pc := range c.ProviderConfigs {
		if !reflect.DeepEqual(pc.Unset, want[pc.ID]) {
			t.Errorf("%s: Unset = %+v, want %+v", pc.ID, pc.Unset, want[pc.ID])
		}
		if pc.Issuer != "" || pc.ClientID != "" || !pc.ClientSecret.IsZero() || pc.AuthURL != "" {
			t.Errorf("%s: a waiting value is not empty: %+v", pc.ID, pc)
		}
	}
	if got, want := c.UnsetEnv(), []string{"AUTH_KEYCLOAK_ISSUER", "CORP_ID", "CORP_ISSUER", "CORP_SECRET", "API_AUTH_URL"}; !reflect.DeepEqual(got, want) {
		t.Errorf("UnsetEnv = %v, want %v", got, want)
	}
	// The provider then fails its own validation, naming the variable.
	if p, err := c.Provider("keycloak"); err != nil {
		t.Fatal(err)
	} else if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "AUTH_KEYCLOAK_ISSUER") {
		t.Errorf("Validate = %v, want AUTH_KEYCLOAK_ISSUER named", err)
	}

	// With the environment set, nothing waits.
	c, err = LoadWith(path, envOf(map[string]string{"AUTH_KEYCLOAK_ISSUER": "https://sso.example.com/realms/main",
		"CORP_ISSUER": "https://corp.example.com", "CORP_ID": "id", "CORP_SECRET": "s", "API_AUTH_URL": "https://api.example.com/auth"}),
		LoadOptions{AllowUnsetProviderEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	if u := c.UnsetEnv(); len(u) != 0 {
		t.Errorf("UnsetEnv = %v with everything set", u)
	}

	// Other problems still fail: outside providers, and malformed references.
	for _, bad := range []string{
		"base_url: ${APP_URL}\n",
		"providers:\n  - id: corp\n    type: oidc\n    issuer: ${CORP ISSUER}\n",
		"providers:\n  - id: github\n    client_secret: literal-secret\n",
	} {
		writeFile(t, path, bad)
		_, err := LoadWith(path, env, LoadOptions{AllowUnsetProviderEnv: true})
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%q: err = %v, want a *config.Error", bad, err)
		}
	}
}
