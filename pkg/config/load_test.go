package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

func TestLoadFull(t *testing.T) {
	p := fullDir(t)
	c, err := Load(p, envOf(fullEnv))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(p)
	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	check("Path", c.Path, p)
	check("BaseURL", c.BaseURL, "https://app.example.com")
	check("AuthURL", c.AuthURL(), "https://app.example.com/auth")
	check("secret sources", []string{c.Secrets[0].Source(), c.Secrets[1].Source()}, []string{"${AUTH_SECRET}", "file:secrets/previous-auth-secret"})
	check("SecretValues", c.SecretValues(), []string{fullEnv["AUTH_SECRET"], "previous-secret-value-0123456789abcdef"})
	check("Database.URL source", c.Database.URL.Source(), "${DATABASE_URL}")
	check("Database.URL value", c.Database.URL.Value(), fullEnv["DATABASE_URL"])
	check("Database.Schema", c.Database.Schema, "authjs-prisma")
	check("Session", c.Session, Session{
		Strategy: StrategyJWT, MaxAge: 30 * 24 * time.Hour, UpdateAge: 24 * time.Hour,
		Encoding: EncodingJWS, Revocation: true, JWSAlg: "ES256",
		JWSKey: filepath.Join(dir, "keys/session-es256.pem"),
	})
	check("Linking", c.Linking, LinkVerified)
	var ids, types, names []string
	for _, pc := range c.ProviderConfigs {
		ids, types, names = append(ids, pc.ID), append(types, pc.Type), append(names, pc.Name)
	}
	check("provider ids", ids, []string{"github", "google", "github-enterprise", "keycloak", "corp-sso", "legacy"})
	check("provider types", types, []string{"github", "google", "github", "keycloak", "oidc", "oauth2"})
	check("provider names", names, []string{"GitHub", "Google", "GitHub (corp)", "Keycloak", "Corp SSO", "Legacy"})
	g := c.ProviderConfigs[1]
	check("google client id", g.ClientID, "1234567890-abc.apps.googleusercontent.com")
	check("google secret", g.ClientSecret.Value(), "google-secret-value")
	check("google scopes", g.Scopes, []string{"openid", "profile", "email"})
	check("google params", g.Params, map[string]string{"prompt": "select_account", "hd": "example.com"})
	check("google line", g.Line, 72)
	check("legacy", c.ProviderConfigs[5].TokenAuth, "client_secret_post")
	check("legacy scopes", c.ProviderConfigs[5].Scopes, []string{"profile", "email"})
	check("Pages", c.Pages, Pages{Brand: "Example", Logo: "/logo.svg", Accent: "#4f46e5", SignIn: "/login", SignOut: "/logout", Error: "/auth-error", VerifyRequest: "/check-your-email"})
	check("Email.From", c.Email.From, "Example <auth@example.com>")
	check("Email.SMTPURL source", c.Email.SMTPURL.Source(), "smtp://auth:${SMTP_PASSWORD}@smtp.example.com:587")
	check("Email.SMTPURL value", c.Email.SMTPURL.Value(), "smtp://auth:smtp-password-value@smtp.example.com:587")
	check("Email.MaxAge", c.Email.MaxAge, 24*time.Hour)
	check("Credentials", c.Credentials, Credentials{Enabled: true})
	check("SIWE", *c.SIWE, SIWE{Domain: "app.example.com", ChainIDs: []int64{1, 10, 8453}, Statement: "Sign in to Example."})
	check("Email limits", [2]int{c.Email.PerAddress, c.Email.PerClient}, [2]int{5, 20})
	check("Serve", c.Serve, Serve{Addr: "127.0.0.1:3000", BasePath: "/auth", TrustedProxies: []string{"10.0.0.0/8", "127.0.0.1"}})
}

func TestLoadEmpty(t *testing.T) {
	for _, src := range []string{"", "\n# only a comment\n", "---\n", "~\n"} {
		c := mustParse(t, src, map[string]string{"AUTH_SECRET": "s1", "AUTH_SECRET_1": "s0"})
		if c.BaseURL != "" || c.Linking != LinkNever || c.Session.MaxAge != DefaultMaxAge ||
			c.Session.UpdateAge != DefaultUpdateAge || c.Session.Encoding != EncodingAuthJS || c.Session.Strategy != "" ||
			c.Serve.BasePath != DefaultBasePath || c.Email != nil || c.SIWE != nil || c.Credentials.Enabled || len(c.ProviderConfigs) != 0 {
			t.Errorf("%q: defaults not applied: %+v", src, c)
		}
		if got := c.SecretValues(); !reflect.DeepEqual(got, []string{"s0", "s1"}) {
			t.Errorf("%q: secrets from the environment = %v, want AUTH_SECRET_1 then AUTH_SECRET", src, got)
		}
	}
}

// TestValid covers each key's accepted forms.
func TestValid(t *testing.T) {
	env := map[string]string{"AUTH_SECRET": "env-secret", "HOST": "auth.example.org", "PW": "pw", "EMPTY": "", "AUTH_KC_ISSUER": "https://kc.example.com/realms/x"}
	tests := []struct {
		name, src string
		check     func(t *testing.T, c *Config)
	}{
		{"base_url trailing slash", "base_url: https://app.example.com/\n", func(t *testing.T, c *Config) {
			eq(t, c.BaseURL, "https://app.example.com")
		}},
		{"base_url with path and port", "base_url: http://localhost:3000/app\n", func(t *testing.T, c *Config) {
			eq(t, c.BaseURL, "http://localhost:3000/app")
			eq(t, c.AuthURL(), "http://localhost:3000/app/auth")
		}},
		{"base_url interpolated", "base_url: https://${HOST}\n", func(t *testing.T, c *Config) { eq(t, c.BaseURL, "https://auth.example.org") }},
		{"base_url default", "base_url: ${AUTH_URL:-http://127.0.0.1:3000}\n", func(t *testing.T, c *Config) { eq(t, c.BaseURL, "http://127.0.0.1:3000") }},
		{"base_url default on empty", "base_url: ${EMPTY:-https://d.example}\n", func(t *testing.T, c *Config) { eq(t, c.BaseURL, "https://d.example") }},
		{"secret scalar", "secret: ${AUTH_SECRET}\n", func(t *testing.T, c *Config) {
			eq(t, c.SecretValues(), []string{"env-secret"})
			eq(t, c.Secrets[0].Source(), "${AUTH_SECRET}")
		}},
		{"secret list", "secret: [\"${AUTH_SECRET}\", \"${PW}\"]\n", func(t *testing.T, c *Config) { eq(t, c.SecretValues(), []string{"env-secret", "pw"}) }},
		{"database sqlite", "database:\n  url: sqlite:./authkit.db\n  schema: authkit\n", func(t *testing.T, c *Config) {
			eq(t, c.Database.URL.Value(), "sqlite:./authkit.db")
			eq(t, c.Database.URL.Source(), "sqlite:./authkit.db")
			eq(t, c.Database.Schema, "authkit")
		}},
		{"database password from env", "database:\n  url: postgres://app:${PW}@db/app\n", func(t *testing.T, c *Config) {
			eq(t, c.Database.URL.Value(), "postgres://app:pw@db/app")
		}},
		{"database user without password", "database:\n  url: postgres://app@db/app\n", func(t *testing.T, c *Config) {
			eq(t, c.Database.URL.Value(), "postgres://app@db/app")
		}},
		{"strategy database", "session:\n  strategy: database\n  update_age: 0\n", func(t *testing.T, c *Config) {
			eq(t, c.Session.Strategy, StrategyDatabase)
			eq(t, c.Session.UpdateAge, time.Duration(0))
		}},
		{"max_age go duration", "session:\n  max_age: 12h30m\n", func(t *testing.T, c *Config) { eq(t, c.Session.MaxAge, 12*time.Hour+30*time.Minute) }},
		{"max_age days and hours", "session:\n  max_age: 1d12h\n", func(t *testing.T, c *Config) { eq(t, c.Session.MaxAge, 36*time.Hour) }},
		{"max_age seconds", "session:\n  max_age: 2592000\n", func(t *testing.T, c *Config) { eq(t, c.Session.MaxAge, 30*24*time.Hour) }},
		{"encoding v4 reads v4 secrets", "session:\n  encoding: authjs-v4\n", func(t *testing.T, c *Config) {
			eq(t, c.Session.Encoding, EncodingAuthJSv4)
			eq(t, c.Secrets[0].Source(), "${AUTH_SECRET}")
		}},
		{"linking always", "linking: always\n", func(t *testing.T, c *Config) { eq(t, c.Linking, LinkAlways) }},
		{"linking never", "linking: never\n", func(t *testing.T, c *Config) { eq(t, c.Linking, LinkNever) }},
		{"provider issuer from env", "providers:\n  - id: kc\n    type: keycloak\n", func(t *testing.T, c *Config) {
			eq(t, c.ProviderConfigs[0].Issuer, "")
		}},
		{"provider scopes list dedup", "providers:\n  - id: github\n    scopes: [read:user, \"user:email read:user\"]\n", func(t *testing.T, c *Config) {
			eq(t, c.ProviderConfigs[0].Scopes, []string{"read:user", "user:email"})
		}},
		{"trust_email false on a global provider", "providers:\n  - id: google\n    trust_email: false\n", func(t *testing.T, c *Config) {
			eq(t, *c.ProviderConfigs[0].TrustEmail, false)
		}},
		{"trust_email on a tenant", "providers:\n  - id: okta\n    issuer: https://org.okta.com\n    trust_email: true\n", func(t *testing.T, c *Config) {
			eq(t, *c.ProviderConfigs[0].TrustEmail, true)
		}},
		{"gitlab base_url", "providers:\n  - id: gitlab\n    base_url: https://git.example.com\n", func(t *testing.T, c *Config) {
			eq(t, c.ProviderConfigs[0].BaseURL, "https://git.example.com")
		}},
		{"oidc on loopback http", "providers:\n  - id: dev\n    type: oidc\n    issuer: http://127.0.0.1:9000\n", func(t *testing.T, c *Config) {
			eq(t, c.ProviderConfigs[0].Name, "dev")
		}},
		{"pages absolute on origin", "base_url: https://app.example.com\npages:\n  signin: https://app.example.com/login\n  logo: https://cdn.example.com/l.png\n  accent: '#abc'\n", func(t *testing.T, c *Config) {
			eq(t, c.Pages.SignIn, "https://app.example.com/login")
		}},
		{"pages data logo", "pages:\n  logo: data:image/png;base64,iVBORw0KGgo=\n", func(t *testing.T, c *Config) {
			eq(t, c.Pages.Logo, "data:image/png;base64,iVBORw0KGgo=")
		}},
		{"email minimal", "email:\n  from: auth@example.com\n", func(t *testing.T, c *Config) {
			eq(t, c.Email.MaxAge, DefaultEmailMaxAge)
			eq(t, c.Email.SMTPURL.IsZero(), true)
		}},
		{"email smtps", "email:\n  from: auth@example.com\n  smtp_url: smtps://mail.example.com:465\n  max_age: 10m\n", func(t *testing.T, c *Config) {
			eq(t, c.Email.SMTPURL.Value(), "smtps://mail.example.com:465")
			eq(t, c.Email.MaxAge, 10*time.Minute)
		}},
		{"credentials off", "credentials:\n  enabled: false\n", func(t *testing.T, c *Config) { eq(t, c.Credentials.Enabled, false) }},
		{"credentials bool from env default", "credentials:\n  enabled: ${CREDS:-true}\n", func(t *testing.T, c *Config) { eq(t, c.Credentials.Enabled, true) }},
		{"siwe defaults from base_url", "base_url: http://localhost:3000\nsiwe: {}\n", func(t *testing.T, c *Config) {
			eq(t, *c.SIWE, SIWE{Domain: "localhost:3000", ChainIDs: []int64{1}})
		}},
		{"siwe empty section", "siwe:\n  domain: app.example.com\n  chain_ids: 137\n", func(t *testing.T, c *Config) {
			eq(t, c.SIWE.ChainIDs, []int64{137})
		}},
		{"serve", "serve:\n  addr: :8080\n  base_path: /api/auth/\n", func(t *testing.T, c *Config) {
			eq(t, c.Serve, Serve{Addr: ":8080", BasePath: "/api/auth"})
		}},
		{"escaped interpolation", "pages:\n  brand: Costs $${PRICE} and $5\n", func(t *testing.T, c *Config) { eq(t, c.Pages.Brand, "Costs ${PRICE} and $5") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, mustParse(t, tt.src, env))
		})
	}
}

func eq[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestSecretFromFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "run/auth"), "  file-secret\r\n")
	c, err := parseIn(t, dir, "secret:\n  - file:run/auth\n  - file:${CREDS_DIR}/auth\n", map[string]string{"CREDS_DIR": filepath.Join(dir, "run")})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, c.SecretValues(), []string{"file-secret", "file-secret"})
	eq(t, c.Secrets[1].Source(), "file:${CREDS_DIR}/auth")
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "missing.yaml"), envOf(nil))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v, want fs.ErrNotExist", err)
	}
	want := "authkit: cannot load " + filepath.Join(dir, "missing.yaml") + ": the file does not exist; run authkit init to make one, or point --config (or AUTHKIT_CONFIG) at it"
	eq(t, err.Error(), want)

	_, err = Load(dir, envOf(nil))
	if err == nil || !strings.Contains(err.Error(), "it is a directory") {
		t.Errorf("directory: %v", err)
	}

	big := filepath.Join(dir, "big.yaml")
	writeFile(t, big, "# "+strings.Repeat("x", MaxFileSize)+"\n")
	_, err = Load(big, envOf(nil))
	if err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("big file: %v", err)
	}

	if os.Geteuid() != 0 {
		locked := filepath.Join(dir, "locked.yaml")
		writeFile(t, locked, "linking: never\n")
		os.Chmod(locked, 0)
		_, err = Load(locked, envOf(nil))
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("unreadable file: %v", err)
		}
	}
}

// TestRelativeName checks that messages name the file as it was given.
func TestRelativeName(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, FileName), "linking: sometimes\n")
	t.Chdir(dir)
	_, err := Load("./authkit.yaml", envOf(nil))
	eq(t, err.Error(), `authkit: cannot load authkit.yaml: line 1, column 10: linking "sometimes" is not known; use never, verified or always`)
}

// TestFileRoundTrip writes a File with a YAML library, as authkit init
// would, and loads it back.
func TestFileRoundTrip(t *testing.T) {
	yes := true
	f := File{
		BaseURL:   "http://localhost:3000",
		Secret:    []string{"${AUTH_SECRET}"},
		Database:  DatabaseFile{URL: "sqlite:./authkit.db"},
		Session:   SessionFile{Strategy: "database", MaxAge: "30d"},
		Linking:   "verified",
		Providers: []ProviderFile{{ID: "github"}, {ID: "corp", Type: "oidc", Issuer: "https://sso.example.com", TrustEmail: &yes, Scopes: []string{"openid", "email"}}},
		Pages:     Pages{Brand: "Example", Accent: "#4f46e5"},
		Email:     &EmailFile{From: "auth@example.com"},
		SIWE:      &SIWE{ChainIDs: []int64{1, 10}},
		Serve:     Serve{BasePath: "/api/auth"},
	}
	out, err := yaml.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	c, err := parse(t, string(out), map[string]string{"AUTH_SECRET": "s"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	eq(t, c.BaseURL, f.BaseURL)
	eq(t, c.Session.Strategy, StrategyDatabase)
	eq(t, c.Linking, LinkVerified)
	eq(t, len(c.ProviderConfigs), 2)
	eq(t, *c.ProviderConfigs[1].TrustEmail, true)
	eq(t, c.Pages.Accent, "#4f46e5")
	eq(t, c.SIWE.Domain, "localhost:3000")
	eq(t, c.Serve.BasePath, "/api/auth")
	if strings.Contains(string(out), "credentials") || strings.Contains(string(out), "jws") {
		t.Errorf("empty sections written:\n%s", out)
	}
}
