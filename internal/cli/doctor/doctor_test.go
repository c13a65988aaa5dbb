package doctor

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/session"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// Canary values: no output may hold them.
const (
	canarySecret       = "canary-auth-secret-0123456789abcdefXYZ"
	canaryClientID     = "canary-client-id-value"
	canaryClientSecret = "canary-client-secret-value"
	canaryPassword     = "canary-smtp-password"
)

// setup is a directory with an authkit.yaml and the environment doctor
// sees.
type setup struct {
	t   *testing.T
	dir string
	env map[string]string
	// noConfig leaves --config unset (the test then runs in dir).
	noConfig bool
	config   string
}

func newSetup(t *testing.T, yaml string) *setup {
	t.Helper()
	s := &setup{t: t, dir: t.TempDir(), env: map[string]string{}}
	s.env["AUTHKIT_DATABASE_URL"] = "sqlite:" + filepath.Join(s.dir, "none.db")
	if yaml != "" {
		s.write("authkit.yaml", yaml, 0o600)
		s.config = filepath.Join(s.dir, "authkit.yaml")
	}
	return s
}

// good is a setup that passes: a secret, a provider with its credentials
// in the environment, a migrated SQLite database.
func good(t *testing.T) *setup {
	t.Helper()
	s := newSetup(t, "base_url: http://localhost:3000\nproviders:\n  - id: github\n")
	s.env["AUTH_SECRET"] = canarySecret
	s.env["AUTH_GITHUB_ID"] = canaryClientID
	s.env["AUTH_GITHUB_SECRET"] = canaryClientSecret
	s.env["AUTHKIT_DATABASE_URL"] = migrated(t, filepath.Join(s.dir, "authkit.db"))
	return s
}

func (s *setup) write(name, content string, mode os.FileMode) string {
	s.t.Helper()
	p := filepath.Join(s.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		s.t.Fatal(err)
	}
	return p
}

func (s *setup) factory(out, errOut *bytes.Buffer) *cmdutil.Factory {
	f := &cmdutil.Factory{
		IO:     cmdutil.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut},
		Getenv: func(k string) string { return s.env[k] },
		Now:    time.Now,
	}
	if !s.noConfig {
		f.ConfigPath = s.config
	}
	return f
}

// diagnose runs the checks and returns them by name.
func (s *setup) diagnose(o *Options) (*Report, map[string]Check) {
	s.t.Helper()
	if o == nil {
		o = &Options{}
	}
	var out, errOut bytes.Buffer
	rep := Diagnose(context.Background(), s.factory(&out, &errOut), o)
	byName := map[string]Check{}
	for _, c := range rep.Checks {
		if _, dup := byName[c.Name]; dup {
			s.t.Fatalf("two checks named %q", c.Name)
		}
		byName[c.Name] = c
	}
	if out.Len() > 0 {
		s.t.Errorf("Diagnose printed on stdout: %s", out.String())
	}
	return rep, byName
}

// check returns the check called name, failing the test without one.
func (s *setup) check(name string, o *Options) Check {
	s.t.Helper()
	_, byName := s.diagnose(o)
	c, ok := byName[name]
	if !ok {
		s.t.Fatalf("no check %q", name)
	}
	return c
}

// run runs `authkit doctor args...` as the root command would, and
// returns the exit code and output.
func (s *setup) run(args ...string) (code int, stdout, stderr string) {
	s.t.Helper()
	var out, errOut bytes.Buffer
	cmd := NewCmdDoctor(s.factory(&out, &errOut))
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		fmt.Fprintln(&errOut, err)
	}
	return cmdutil.ExitCode(err), out.String(), errOut.String()
}

// migrated makes a migrated SQLite database at path and returns its URL.
func migrated(t *testing.T, path string) string {
	t.Helper()
	u := "sqlite:" + path
	migrate(t, u)
	return u
}

func migrate(t *testing.T, u string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, u, sqlstore.Options{Create: true, AllowUnmigrated: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
}

func want(t *testing.T, c Check, status Status, message, fix string) {
	t.Helper()
	if c.Status != status {
		t.Errorf("%s: status %s, want %s (message %q, fix %q)", c.Name, c.Status, status, c.Message, c.Fix)
	}
	if !regexp.MustCompile(message).MatchString(c.Message) {
		t.Errorf("%s: message %q does not match %q", c.Name, c.Message, message)
	}
	if fix == "" && c.Fix != "" && status == StatusOK {
		t.Errorf("%s: an ok check has the fix %q", c.Name, c.Fix)
	}
	if fix != "" && !regexp.MustCompile(fix).MatchString(c.Fix) {
		t.Errorf("%s: fix %q does not match %q", c.Name, c.Fix, fix)
	}
	if (status == StatusWarn || status == StatusFail) && c.Fix == "" {
		t.Errorf("%s: %s without a fix", c.Name, status)
	}
}

func TestGoodSetupPasses(t *testing.T) {
	s := good(t)
	rep, byName := s.diagnose(nil)
	if !rep.OK {
		t.Errorf("report not ok: %+v", rep.Checks)
	}
	var names []string
	for _, c := range rep.Checks {
		names = append(names, c.Name)
		if c.Status != StatusOK {
			t.Errorf("%s: %s: %s (fix %q)", c.Name, c.Status, c.Message, c.Fix)
		}
	}
	if got, wantNames := strings.Join(names, " "), "config secret provider:github base_url redirects database cookies session"; got != wantNames {
		t.Errorf("checks %q, want %q", got, wantNames)
	}
	want(t, byName["config"], StatusOK, `authkit.yaml: 1 provider; jwt sessions$`, "")
	want(t, byName["secret"], StatusOK, `^38 bytes from AUTH_SECRET$`, "")
	want(t, byName["provider:github"], StatusOK, `^GitHub \(oauth\): client id from AUTH_GITHUB_ID, client secret from AUTH_GITHUB_SECRET$`, "")
	want(t, byName["redirects"], StatusOK, `^register at each provider's console: github http://localhost:3000/auth/callback/github$`, "")
	want(t, byName["database"], StatusOK, `authkit\.db \(from AUTHKIT_DATABASE_URL\): sqlite, authkit schema version (\d+) of (\d+)$`, "")

	code, stdout, stderr := s.run()
	if code != cmdutil.ExitOK || stderr != "" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if !strings.HasSuffix(stdout, "\n8 ok, 0 warn, 0 fail, 0 skipped\n") {
		t.Errorf("no summary line:\n%s", stdout)
	}
}

func TestConfig(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		s := newSetup(t, "")
		s.noConfig = true
		s.env["AUTH_SECRET"] = canarySecret
		t.Chdir(s.dir)
		_, byName := s.diagnose(nil)
		want(t, byName["config"], StatusFail, `^no authkit\.yaml in this directory$`, `^run authkit init to make one, or point --config \(or AUTHKIT_CONFIG\) at it$`)
		// The environment is still checked; what needs the file is skipped.
		want(t, byName["secret"], StatusOK, `^38 bytes from AUTH_SECRET$`, "")
		want(t, byName["providers"], StatusSkipped, `^no authkit\.yaml \(see config\)$`, "")
		want(t, byName["session"], StatusOK, `^jwt sessions \(authjs\)`, "")
	})
	t.Run("named but absent", func(t *testing.T) {
		s := newSetup(t, "")
		s.config = filepath.Join(s.dir, "nowhere.yaml")
		want(t, s.check("config", nil), StatusFail, `nowhere\.yaml does not exist$`, `^run authkit init`)
	})
	t.Run("a directory", func(t *testing.T) {
		s := newSetup(t, "")
		s.config = s.dir
		want(t, s.check("config", nil), StatusFail, `^cannot read `, `it is a directory`)
	})
	t.Run("invalid, every problem with its line", func(t *testing.T) {
		s := newSetup(t, "base_url: ftp://x\nproviders:\n  - id: gitub\n")
		rep, byName := s.diagnose(nil)
		if rep.OK {
			t.Error("report ok")
		}
		want(t, byName["config"], StatusFail, `authkit\.yaml is not valid: 2 problems$`,
			`(?s)^line 1, column 11: base_url "ftp://x" is not an absolute http\(s\) URL.*\nline 3, column \d+: providers\[0\] \(gitub\): "gitub" is not a catalogue provider \(did you mean github\?\)`)
		for _, name := range []string{"secret", "providers", "base_url", "redirects", "cookies", "session"} {
			want(t, byName[name], StatusSkipped, `authkit\.yaml is not valid \(see config\)$`, "")
		}
		// AUTHKIT_DATABASE_URL does not depend on the file: still checked.
		want(t, byName["database"], StatusFail, `none\.db does not exist`, "authkit db migrate")
		delete(s.env, "AUTHKIT_DATABASE_URL")
		want(t, s.check("database", nil), StatusSkipped, `not valid \(see config\), so the database in force is not known$`, "")
	})
}

func TestSecret(t *testing.T) {
	yaml := "base_url: http://localhost:3000\ncredentials:\n  enabled: true\n"
	for _, tc := range []struct {
		name         string
		env          map[string]string
		status       Status
		message, fix string
	}{
		{"none", nil, StatusFail, `^no secret: AUTH_SECRET is not set$`, "authkit secret --write .env"},
		{"short", map[string]string{"AUTH_SECRET": "canary-short"}, StatusFail, `^AUTH_SECRET has 12 bytes; at least 32 are needed$`, "^replace it with `authkit secret`"},
		{"31 bytes", map[string]string{"AUTH_SECRET": strings.Repeat("abcdefghij", 3) + "k"}, StatusFail, `has 31 bytes`, "authkit secret"},
		{"32 bytes", map[string]string{"AUTH_SECRET": "abcdefghijklmnopqrstuvwxyz012345"}, StatusOK, `^32 bytes from AUTH_SECRET$`, ""},
		{"not random", map[string]string{"AUTH_SECRET": strings.Repeat("ab", 20)}, StatusWarn, `^40 bytes from AUTH_SECRET; AUTH_SECRET has only 2 distinct characters in its 40 bytes; it does not look random$`, "authkit secret"},
		{"rotation", map[string]string{"AUTH_SECRET": canarySecret, "AUTH_SECRET_1": canarySecret + "-new"}, StatusOK, `^42 bytes from AUTH_SECRET_1, and 1 older secret for rotation \(AUTH_SECRET\)$`, ""},
		{"short old secret", map[string]string{"AUTH_SECRET": "canary-short", "AUTH_SECRET_1": canarySecret}, StatusFail, `^AUTH_SECRET has 12 bytes`, ""},
		{"NEXTAUTH_SECRET", map[string]string{"NEXTAUTH_SECRET": canarySecret}, StatusOK, `^38 bytes from NEXTAUTH_SECRET$`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, yaml)
			for k, v := range tc.env {
				s.env[k] = v
			}
			want(t, s.check("secret", nil), tc.status, tc.message, tc.fix)
		})
	}

	t.Run("in .env but not in the environment", func(t *testing.T) {
		s := newSetup(t, yaml)
		s.write(".env", "# comment\nexport AUTH_SECRET=\""+canarySecret+"\"\n", 0o600)
		c := s.check("secret", nil)
		want(t, c, StatusFail, `^no secret`, `^AUTH_SECRET is set in .*\.env but not in the environment, and authkit reads the environment only: load the file first \(set -a; \. .*\.env; set \+a\)$`)
		if strings.Contains(c.Message+c.Fix, canarySecret) {
			t.Error("the check shows the value")
		}
	})
	t.Run("an empty assignment in .env is no hint", func(t *testing.T) {
		s := newSetup(t, yaml)
		s.write(".env", "AUTH_SECRET=\n", 0o600)
		want(t, s.check("secret", nil), StatusFail, `^no secret`, "^make one with")
	})
	t.Run("a file readable by others", func(t *testing.T) {
		s := newSetup(t, yaml+"secret: file:secrets/auth\n")
		p := s.write("secrets/auth", canarySecret+"\n", 0o644)
		want(t, s.check("secret", nil), StatusWarn, `^38 bytes from file:secrets/auth; the secret file .*secrets/auth is readable by other users \(mode 0644\)$`, `^chmod 600 `+regexp.QuoteMeta(p)+`$`)
		if err := os.Chmod(p, 0o600); err != nil {
			t.Fatal(err)
		}
		want(t, s.check("secret", nil), StatusOK, `^38 bytes from file:secrets/auth$`, "")
	})
	t.Run("authkit.yaml and AUTH_SECRET disagree", func(t *testing.T) {
		s := newSetup(t, yaml+"secret: ${MY_SECRET}\n")
		s.env["MY_SECRET"] = canarySecret
		want(t, s.check("secret", nil), StatusOK, `^38 bytes from MY_SECRET$`, "")
		s.env["AUTH_SECRET"] = canarySecret + "-other"
		want(t, s.check("secret", nil), StatusWarn, `AUTH_SECRET is set but is not among .*authkit\.yaml's secrets`, `write secret: \$\{AUTH_SECRET\}`)
		s.env["AUTH_SECRET"] = canarySecret
		want(t, s.check("secret", nil), StatusOK, `^38 bytes from MY_SECRET$`, "")
	})
}

func TestProviders(t *testing.T) {
	t.Run("missing credentials name the variables", func(t *testing.T) {
		s := newSetup(t, "providers:\n  - id: github\n  - id: corp-sso\n    type: oidc\n    issuer: https://sso.example.com\n")
		s.env["AUTH_GITHUB_ID"] = canaryClientID
		_, byName := s.diagnose(&Options{Timeout: time.Millisecond})
		want(t, byName["provider:github"], StatusFail, `^no client secret \(configured in .*authkit\.yaml, line 2\)$`, `^set AUTH_GITHUB_SECRET$`)
		want(t, byName["provider:corp-sso"], StatusFail, `^no client id and no client secret \(configured in .*authkit\.yaml, line 3\)$`, `^set AUTH_CORP_SSO_ID and AUTH_CORP_SSO_SECRET$`)
	})
	t.Run("a tenant product without issuer", func(t *testing.T) {
		s := newSetup(t, "providers:\n  - id: okta\n")
		s.env["AUTH_OKTA_ID"], s.env["AUTH_OKTA_SECRET"], s.env["AUTH_OKTA_ISSUER"] = "id", "secret", ""
		// the file is refused by Load without an issuer; with one in the
		// environment it loads, and an issuer that is not https fails
		s.env["AUTH_OKTA_ISSUER"] = "http://okta.example.com"
		c := s.check("provider:okta", &Options{Timeout: time.Millisecond})
		want(t, c, StatusFail, `^the issuer http://okta\.example\.com is not https`, `^set AUTH_OKTA_ISSUER to the provider's https issuer URL`)
	})
	t.Run("variables not set yet hide no other check", func(t *testing.T) {
		// A fresh scaffold: keycloak's issuer, and a file-named variable,
		// wait for the environment; Load alone refuses such a file.
		s := newSetup(t, "base_url: http://localhost:3000\nproviders:\n  - id: keycloak\n  - id: corp\n    type: oidc\n    issuer: https://sso.example.com\n    client_id: ${CORP_CLIENT}\n")
		s.env["AUTH_SECRET"] = canarySecret
		s.env["AUTH_KEYCLOAK_ID"], s.env["AUTH_KEYCLOAK_SECRET"] = canaryClientID, canaryClientSecret
		s.env["AUTH_CORP_SECRET"] = canaryClientSecret
		s.env["AUTHKIT_DATABASE_URL"] = migrated(t, filepath.Join(s.dir, "authkit.db"))
		rep, byName := s.diagnose(&Options{Timeout: time.Millisecond})
		if rep.OK {
			t.Error("report ok")
		}
		want(t, byName["config"], StatusOK, `authkit\.yaml: 2 providers; jwt sessions; waiting for AUTH_KEYCLOAK_ISSUER and CORP_CLIENT \(see the provider checks\)$`, "")
		want(t, byName["provider:keycloak"], StatusFail, `^no issuer \(configured in .*authkit\.yaml, line 3\)$`, `^set AUTH_KEYCLOAK_ISSUER`)
		want(t, byName["provider:corp"], StatusFail, `^no client id \(configured in .*authkit\.yaml, line 4\)$`, `^set CORP_CLIENT$`)
		want(t, byName["discovery:keycloak"], StatusSkipped, `^no issuer \(see provider:keycloak\)$`, "")
		for _, name := range []string{"secret", "base_url", "redirects", "database", "cookies", "session"} {
			if c := byName[name]; c.Status != StatusOK {
				t.Errorf("%s: %s: %s (fix %q)", name, c.Status, c.Message, c.Fix)
			}
		}
		// Once set, the provider passes.
		s.env["AUTH_KEYCLOAK_ISSUER"] = "https://sso.example.com/realms/main"
		want(t, s.check("provider:keycloak", &Options{Timeout: time.Millisecond}), StatusOK, `^Keycloak \(oidc\)`, "")
	})
	t.Run("hint from .env", func(t *testing.T) {
		s := newSetup(t, "providers:\n  - id: github\n")
		s.write(".env.local", "AUTH_GITHUB_ID="+canaryClientID+"\nAUTH_GITHUB_SECRET=\n", 0o600)
		c := s.check("provider:github", nil)
		want(t, c, StatusFail, `^no client id and no client secret`, `(?s)^set AUTH_GITHUB_ID and AUTH_GITHUB_SECRET\nAUTH_GITHUB_ID is set in .*\.env\.local but not in the environment`)
	})
	t.Run("where each credential comes from", func(t *testing.T) {
		s := newSetup(t, "providers:\n  - id: corp\n    type: oidc\n    issuer: https://sso.example.com\n    client_id: corp-app\n    client_secret: file:corp.secret\n  - id: google\n")
		s.write("corp.secret", canaryClientSecret, 0o640)
		s.env["AUTH_GOOGLE_ID"], s.env["AUTH_GOOGLE_SECRET"] = canaryClientID, canaryClientSecret
		_, byName := s.diagnose(&Options{Timeout: time.Millisecond})
		want(t, byName["provider:corp"], StatusWarn, `^corp \(oidc\): client id from .*authkit\.yaml, client secret from file:corp\.secret, issuer https://sso\.example\.com \(from .*authkit\.yaml\); the client secret file .*corp\.secret is readable by other users \(mode 0640\)$`, `^chmod 600 `)
		want(t, byName["provider:google"], StatusOK, `^Google \(oidc\): client id from AUTH_GOOGLE_ID, client secret from AUTH_GOOGLE_SECRET, issuer https://accounts\.google\.com \(from the catalogue\)$`, "")
	})
	t.Run("no way to sign in", func(t *testing.T) {
		s := newSetup(t, "base_url: http://localhost:3000\n")
		want(t, s.check("providers", nil), StatusWarn, `^no way to sign in`, `add a provider`)
		s = newSetup(t, "base_url: http://localhost:3000\ncredentials:\n  enabled: true\n")
		if _, byName := s.diagnose(nil); len(byName) == 0 {
			t.Fatal("no checks")
		} else if _, ok := byName["providers"]; ok {
			t.Error("a providers check although password sign-in is on")
		}
	})
}

func TestBaseURL(t *testing.T) {
	for _, tc := range []struct {
		name, yaml   string
		env          map[string]string
		status       Status
		message, fix string
	}{
		{"unset", "", nil, StatusWarn, `^base_url is not set`, `^set base_url: to the app's public URL`},
		{"unset, AUTH_URL known", "", map[string]string{"AUTH_URL": "https://app.example.com/api/auth"}, StatusWarn, `^base_url is not set`, `^set base_url: https://app\.example\.com in .*, the origin of AUTH_URL$`},
		{"localhost", "base_url: http://localhost:3000\n", nil, StatusOK, `^http://localhost:3000: auth routes at http://localhost:3000/auth \(plain http on localhost: for development only\)$`, ""},
		{"loopback IP", "base_url: http://127.0.0.1:8080\n", nil, StatusOK, `^http://127\.0\.0\.1:8080: auth routes at`, ""},
		{"IPv6 loopback", "base_url: http://[::1]:8080\n", nil, StatusOK, `^http://\[::1\]:8080: auth routes at`, ""},
		{"https", "base_url: https://app.example.com\nserve:\n  base_path: /api/auth\n", nil, StatusOK, `^https://app\.example\.com: auth routes at https://app\.example\.com/api/auth$`, ""},
		{"http on a public host", "base_url: http://app.example.com\n", nil, StatusFail, `^base_url http://app\.example\.com is plain http on a public host`, `^use https: base_url: https://app\.example\.com$`},
		{"ends in the base path", "base_url: https://app.example.com/auth\n", nil, StatusWarn, `base_url already ends in /auth, and serve\.base_path /auth is added to it: the auth routes are at https://app\.example\.com/auth/auth$`, `^write base_url without the auth path \(https://app\.example\.com\)`},
		{"ends in /api/auth", "base_url: https://app.example.com/api/auth\n", nil, StatusWarn, `base_url already ends in /api/auth`, `\(https://app\.example\.com\)`},
		{"a path of its own", "base_url: https://example.com/app\n", nil, StatusOK, `^https://example\.com/app: auth routes at https://example\.com/app/auth$`, ""},
		{"AUTH_URL agrees (origin)", "base_url: https://app.example.com\n", map[string]string{"AUTH_URL": "https://app.example.com/"}, StatusOK, `^https://app`, ""},
		{"AUTH_URL agrees (auth routes)", "base_url: https://app.example.com\n", map[string]string{"AUTH_URL": "https://app.example.com/auth"}, StatusOK, `^https://app`, ""},
		{"AUTH_URL disagrees", "base_url: https://app.example.com\n", map[string]string{"AUTH_URL": "https://user:canary@other.example.com/x?canary=1"}, StatusWarn, `AUTH_URL is https://other\.example\.com/x but base_url is https://app\.example\.com`, `^make them agree: set AUTH_URL=https://app\.example\.com/auth`},
		{"NEXTAUTH_URL disagrees", "base_url: https://app.example.com\n", map[string]string{"NEXTAUTH_URL": "http://localhost:3000"}, StatusWarn, `NEXTAUTH_URL is http://localhost:3000 but`, `NEXTAUTH_URL=`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, tc.yaml+"providers:\n  - id: github\n")
			for k, v := range tc.env {
				s.env[k] = v
			}
			c := s.check("base_url", nil)
			want(t, c, tc.status, tc.message, tc.fix)
			if strings.Contains(c.Message+c.Fix, "canary") {
				t.Errorf("the check shows a URL's user or query: %q", c.Message)
			}
		})
	}
}

func TestRedirects(t *testing.T) {
	s := newSetup(t, "base_url: https://app.example.com\nserve:\n  base_path: /api/auth\nproviders:\n  - id: github\n  - id: corp\n    type: oidc\n    issuer: https://sso.example.com\n")
	want(t, s.check("redirects", &Options{Timeout: time.Millisecond}), StatusOK,
		`^register at each provider's console: github https://app\.example\.com/api/auth/callback/github, corp https://app\.example\.com/api/auth/callback/corp$`, "")

	t.Run("no base URL", func(t *testing.T) {
		s := newSetup(t, "providers:\n  - id: github\n")
		want(t, s.check("redirects", nil), StatusSkipped, `^base_url is not set \(see base_url\); the redirect URIs will be github <base_url>/auth/callback/github$`, "")
	})
	t.Run("no providers", func(t *testing.T) {
		s := newSetup(t, "base_url: http://localhost:3000\ncredentials:\n  enabled: true\n")
		want(t, s.check("redirects", nil), StatusOK, `^no OAuth providers, so no redirect URI to register$`, "")
	})
	t.Run("a Next.js app at /api/auth", func(t *testing.T) {
		s := newSetup(t, "base_url: http://localhost:3000\nproviders:\n  - id: github\n")
		s.write("app/api/auth/[...nextauth]/route.ts", "export { GET, POST } from \"@/auth\"\n", 0o644)
		want(t, s.check("redirects", nil), StatusWarn, `the Next\.js app serves Auth\.js at /api/auth \(app/api/auth/\[\.\.\.nextauth\]/route\.ts\), but serve\.base_path is /auth`, `^set serve\.base_path: /api/auth in `)
		s.write("authkit.yaml", "base_url: http://localhost:3000\nserve:\n  base_path: /api/auth\nproviders:\n  - id: github\n", 0o600)
		want(t, s.check("redirects", nil), StatusOK, `github http://localhost:3000/api/auth/callback/github$`, "")
	})
}

func TestDiscovery(t *testing.T) {
	idp := devidp.StartTest(t, devidp.Options{})
	yaml := func(issuer string) string {
		return "base_url: http://localhost:3000\nproviders:\n  - id: dev\n    type: oidc\n    issuer: " + issuer + "\n"
	}
	closed := closedPort(t)

	t.Run("reachable", func(t *testing.T) {
		s := newSetup(t, yaml(idp.Issuer()))
		want(t, s.check("discovery:dev", nil), StatusOK, `^`+regexp.QuoteMeta(idp.Issuer())+`/\.well-known/openid-configuration answered in \S+: the issuer matches, the endpoints are usable$`, "")
	})
	t.Run("offline is skipped, saying so", func(t *testing.T) {
		s := newSetup(t, yaml("http://"+closed))
		rep, byName := s.diagnose(nil)
		want(t, byName["discovery:dev"], StatusSkipped, `^offline\? could not reach http://`+regexp.QuoteMeta(closed)+`/\.well-known/openid-configuration: dial tcp .*connection refused \(--online makes this a failure\)$`, "")
		for _, c := range rep.Checks {
			if c.Name != "provider:dev" && c.Name != "secret" && c.Name != "database" && c.Status == StatusFail {
				t.Errorf("%s failed: %s", c.Name, c.Message)
			}
		}
	})
	t.Run("--online makes offline a failure", func(t *testing.T) {
		s := newSetup(t, yaml("http://"+closed))
		want(t, s.check("discovery:dev", &Options{Online: true}), StatusFail, `^could not reach http://`, `^check the network and the issuer \(from .*authkit\.yaml\), then run authkit doctor again$`)
	})
	t.Run("an unknown host is offline", func(t *testing.T) {
		s := newSetup(t, yaml("https://doctor-test.invalid"))
		want(t, s.check("discovery:dev", nil), StatusSkipped, `^offline\? could not reach https://doctor-test\.invalid/\.well-known/openid-configuration: `, "")
	})
	t.Run("a timeout is offline", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		s := newSetup(t, yaml("http://"+ln.Addr().String()))
		want(t, s.check("discovery:dev", &Options{Timeout: 200 * time.Millisecond}), StatusSkipped, `: no answer within 200ms \(--online makes this a failure\)$`, "")
	})
	t.Run("a reachable wrong issuer fails", func(t *testing.T) {
		s := newSetup(t, yaml(idp.Issuer()+"/realms/main"))
		want(t, s.check("discovery:dev", nil), StatusFail, `^GET .*/realms/main/\.well-known/openid-configuration answered 404`, `^check the issuer of dev \(from .*authkit\.yaml\)$`)
		s = newSetup(t, yaml(idp.Issuer()+"/"))
		want(t, s.check("discovery:dev", nil), StatusFail, `names the issuer`, `^check the issuer of dev`)
	})
	t.Run("the issuer from the environment", func(t *testing.T) {
		s := newSetup(t, "providers:\n  - id: keycloak\n")
		s.env["AUTH_KEYCLOAK_ISSUER"] = "http://" + closed + "/realms/x"
		want(t, s.check("discovery:keycloak", &Options{Online: true}), StatusFail, `could not reach`, `\(from AUTH_KEYCLOAK_ISSUER\)`)
	})
	t.Run("explicit endpoints need no discovery", func(t *testing.T) {
		s := newSetup(t, "providers:\n  - id: dev\n    type: oauth2\n    authorization_url: https://x.example.com/a\n    token_url: https://x.example.com/t\n    userinfo_url: https://x.example.com/u\n")
		if _, byName := s.diagnose(nil); byName["discovery:dev"].Name != "" {
			t.Error("a discovery check for an OAuth 2 provider")
		}
	})
	t.Run("several providers at once", func(t *testing.T) {
		// The issuer answers nobody until all four requests are in: asked
		// one after another, each would run out of time and be skipped;
		// asked at once, all four get the 404 and fail.
		var mu sync.Mutex
		waiting := 0
		all := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			waiting++
			if waiting == 4 {
				close(all)
			}
			mu.Unlock()
			select {
			case <-all:
			case <-r.Context().Done():
				return
			}
			http.NotFound(w, r)
		}))
		defer srv.Close()
		var b strings.Builder
		b.WriteString("providers:\n")
		for i := range 4 {
			fmt.Fprintf(&b, "  - id: p%d\n    type: oidc\n    issuer: %s/%d\n", i, srv.URL, i)
		}
		s := newSetup(t, b.String())
		_, byName := s.diagnose(&Options{Timeout: 10 * time.Second})
		for i := range 4 {
			if c := byName[fmt.Sprintf("discovery:p%d", i)]; c.Status != StatusFail {
				t.Errorf("discovery:p%d: %s: %s (the providers were not asked at once)", i, c.Status, c.Message)
			}
		}
	})
}

// closedPort is a 127.0.0.1 address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestDatabase(t *testing.T) {
	jwt := "base_url: http://localhost:3000\nproviders:\n  - id: github\n"
	t.Run("none needed, none configured", func(t *testing.T) {
		s := newSetup(t, jwt)
		delete(s.env, "AUTHKIT_DATABASE_URL")
		want(t, s.check("database", nil), StatusSkipped, `^no database is configured, and JWT sessions need none`, "")
	})
	t.Run("needed but missing", func(t *testing.T) {
		s := newSetup(t, jwt+"session:\n  strategy: database\n")
		want(t, s.check("database", nil), StatusFail, `^cannot open the database sqlite:.*none\.db \(from AUTHKIT_DATABASE_URL\): .*does not exist$`, "run `authkit db migrate` first")
		if _, err := os.Stat(filepath.Join(s.dir, "none.db")); err == nil {
			t.Error("doctor created the database")
		}
	})
	t.Run("migrated", func(t *testing.T) {
		s := newSetup(t, jwt+"database:\n  url: ${DB}\nemail:\n  from: a@example.com\n  smtp_url: smtp://localhost:2525\n")
		delete(s.env, "AUTHKIT_DATABASE_URL")
		s.env["DB"] = migrated(t, filepath.Join(s.dir, "app.db"))
		want(t, s.check("database", nil), StatusOK, `app\.db \(from .*authkit\.yaml \(database\.url\)\): sqlite, authkit schema version (\d+) of \d+; used for email sign-in$`, "")
	})
	t.Run("a migration pending", func(t *testing.T) {
		s := newSetup(t, jwt)
		u := migrated(t, filepath.Join(s.dir, "app.db"))
		s.env["AUTHKIT_DATABASE_URL"] = u
		execSQL(t, u, "DELETE FROM authkit_schema_migrations WHERE version = (SELECT max(version) FROM authkit_schema_migrations)")
		want(t, s.check("database", nil), StatusFail, `app\.db \(from AUTHKIT_DATABASE_URL\): 1 migration pending \(version \d+ of \d+\)$`, `^run authkit db migrate$`)
	})
	t.Run("an Auth.js database", func(t *testing.T) {
		s := newSetup(t, jwt)
		p := filepath.Join(s.dir, "authjs.db")
		s.env["AUTHKIT_DATABASE_URL"] = "sqlite:" + p
		ddl, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "ddl", "authjs-prisma.sqlite.sql"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		execSQL(t, s.env["AUTHKIT_DATABASE_URL"], string(ddl))
		want(t, s.check("database", nil), StatusOK, `authjs\.db \(from AUTHKIT_DATABASE_URL\): sqlite, Auth\.js schema authjs-prisma \(authkit uses it as it is and never migrates it\)$`, "")
		s.write("authkit.yaml", jwt+"credentials:\n  enabled: true\nsession:\n  strategy: jwt\n  revocation: true\n", 0o600)
		want(t, s.check("database", nil), StatusFail, `^session\.revocation and credentials\.enabled \(password sign-in\) need the authkit schema, and this database has the authjs-prisma schema$`, `authkit db migrate`)
	})
	t.Run("an Auth.js schema configured, its tables missing", func(t *testing.T) {
		s := newSetup(t, jwt+"database:\n  url: sqlite:${DIR}/dev.db\n  schema: authjs-prisma\n")
		delete(s.env, "AUTHKIT_DATABASE_URL")
		s.env["DIR"] = s.dir
		const prisma = `^this database belongs to the Next\.js app: run npx prisma migrate dev \(Prisma\) there; authkit reads those tables as they are`
		// no file, then an empty one: never "authkit db migrate"
		for _, msg := range []string{`does not exist$`, `the authjs-prisma schema needs the table "User", which is missing$`} {
			c := s.check("database", nil)
			want(t, c, StatusFail, msg, prisma)
			if strings.Contains(c.Fix, "authkit db migrate") {
				t.Errorf("the fix suggests authkit db migrate: %q", c.Fix)
			}
			s.write("dev.db", "", 0o600)
		}
		// --schema wins over the file
		s.env["AUTHKIT_DATABASE_URL"] = migrated(t, filepath.Join(s.dir, "authkit.db"))
		f := s.factory(&bytes.Buffer{}, &bytes.Buffer{})
		f.Schema = "authkit"
		if schema, from := f.SchemaSource(); schema != "authkit" || from != "--schema" {
			t.Errorf("SchemaSource = %q, %q", schema, from)
		}
		rep := Diagnose(context.Background(), f, nil)
		for _, c := range rep.Checks {
			if c.Name == "database" {
				want(t, c, StatusOK, `authkit schema version`, "")
			}
		}
	})
	t.Run("an unreachable Postgres, its password never shown", func(t *testing.T) {
		s := newSetup(t, jwt)
		s.env["AUTHKIT_DATABASE_URL"] = "postgres://app:" + canaryPassword + "@" + closedPort(t) + "/app?sslmode=disable"
		c := s.check("database", nil)
		want(t, c, StatusFail, `^cannot open the database postgres://app:xxxxx@127\.0\.0\.1:\d+/app\?sslmode=disable \(from AUTHKIT_DATABASE_URL\)`, `check that the server is up`)
		if strings.Contains(c.Message+c.Fix, canaryPassword) {
			t.Errorf("the check shows the password: %q", c.Message)
		}
	})
	t.Run("Postgres", func(t *testing.T) {
		u := testenv.PostgresURL(t)
		s := newSetup(t, jwt)
		s.env["AUTHKIT_DATABASE_URL"] = u
		want(t, s.check("database", nil), StatusFail, `^postgres://\S+ \(from AUTHKIT_DATABASE_URL\): \d+ migrations pending \(version 0 of \d+\)$`, `^run authkit db migrate$`)
		migrate(t, u)
		want(t, s.check("database", nil), StatusOK, `^postgres://.* \(from AUTHKIT_DATABASE_URL\): postgres, authkit schema version (\d+) of \d+$`, "")
	})
}

func execSQL(t *testing.T, u, query string) {
	t.Helper()
	target, err := sqlstore.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+target.Path+"?mode=rw")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		t.Fatal(err)
	}
}

func TestCookies(t *testing.T) {
	for _, tc := range []struct {
		name, yaml   string
		env          map[string]string
		noConfig     bool
		status       Status
		message, fix string
	}{
		{"https", "base_url: https://app.example.com\n", nil, false, StatusOK, `^https: Secure, HttpOnly, SameSite=Lax, with the __Secure- prefix \(__Secure-authjs\.session-token, __Host-authjs\.csrf-token\)$`, ""},
		{"https, next-auth v4", "base_url: https://app.example.com\nsession:\n  encoding: authjs-v4\n", nil, false, StatusOK, `\(__Secure-next-auth\.session-token, __Host-next-auth\.csrf-token\)$`, ""},
		{"localhost", "base_url: http://localhost:3000\n", nil, false, StatusOK, `^http on localhost: no Secure flag and no __Secure- prefix \(authjs\.session-token\), fine for development; production needs https$`, ""},
		{"http on a public host", "base_url: http://app.example.com\n", nil, false, StatusWarn, `^http on the public host app\.example\.com: cookies \(authjs\.session-token\) would be sent unencrypted`, `^use an https base_url$`},
		{"no base URL", "", nil, false, StatusWarn, `^base_url is not set: authkit serve then uses its http listen address, and cookies get no Secure flag`, `^set base_url to the app's https URL`},
		{"no authkit.yaml, AUTH_URL https", "", map[string]string{"AUTH_URL": "https://app.example.com/api/auth"}, true, StatusOK, `^https: Secure`, ""},
		{"no authkit.yaml, no AUTH_URL", "", nil, true, StatusSkipped, `^no authkit\.yaml and no AUTH_URL`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, "")
			if !tc.noConfig {
				s.write("authkit.yaml", tc.yaml+"providers:\n  - id: github\n", 0o600)
				s.config = filepath.Join(s.dir, "authkit.yaml")
			} else {
				s.noConfig = true
				t.Chdir(s.dir)
			}
			for k, v := range tc.env {
				s.env[k] = v
			}
			want(t, s.check("cookies", nil), tc.status, tc.message, tc.fix)
		})
	}
}

func TestSession(t *testing.T) {
	t.Run("the typical user's claims have the sizes said", func(t *testing.T) {
		for claim, n := range map[string]int{"name": 64, "picture": 200, "sub": 36} {
			if got := len(typicalClaims[claim].(string)); got != n {
				t.Errorf("%s has %d characters, want %d", claim, got, n)
			}
		}
	})
	base := "base_url: https://app.example.com\nproviders:\n  - id: github\n"
	t.Run("authjs, salted with the secure cookie name", func(t *testing.T) {
		s := newSetup(t, base)
		s.env["AUTH_SECRET"] = canarySecret
		c := s.check("session", nil)
		want(t, c, StatusOK, `^jwt sessions \(authjs\): a typical session token is \d+ bytes, one cookie __Secure-authjs\.session-token \(at most 3936 bytes each\)$`, "")
	})
	t.Run("authjs-v4", func(t *testing.T) {
		s := newSetup(t, base+"session:\n  encoding: authjs-v4\n")
		s.env["NEXTAUTH_SECRET"] = canarySecret
		want(t, s.check("session", nil), StatusOK, `^jwt sessions \(authjs-v4\): a typical session token is \d+ bytes, one cookie __Secure-next-auth\.session-token \(at most 3933 bytes each\)$`, "")
	})
	t.Run("jws", func(t *testing.T) {
		s := newSetup(t, base+"session:\n  encoding: jws\n  jws:\n    key: key.pem\n")
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		p := s.write("key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), 0o600)
		s.env["AUTH_SECRET"] = canarySecret
		want(t, s.check("session", nil), StatusOK, `^jwt sessions \(jws\): a typical session token is \d+ bytes, one cookie __Secure-authjs\.session-token`, "")
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
		want(t, s.check("session", nil), StatusWarn, `; the signing key .*key\.pem is readable by other users \(mode 0644\)$`, `^chmod 600 `)
	})
	t.Run("database sessions", func(t *testing.T) {
		s := newSetup(t, base+"credentials:\n  enabled: true\n")
		s.env["AUTH_SECRET"] = canarySecret
		want(t, s.check("session", nil), StatusOK, `^database sessions: the cookie __Secure-authjs\.session-token holds a random 43-character token`, "")
	})
	t.Run("no secret", func(t *testing.T) {
		s := newSetup(t, base)
		want(t, s.check("session", nil), StatusSkipped, `^no secret to seal a session token with \(see secret\)$`, "")
	})
	t.Run("a token that needs chunks", func(t *testing.T) {
		saved := typicalClaims
		t.Cleanup(func() { typicalClaims = saved })
		typicalClaims = session.Claims{"sub": "x", "groups": strings.Repeat("g", 5000)}
		s := newSetup(t, base)
		s.env["AUTH_SECRET"] = canarySecret
		want(t, s.check("session", nil), StatusWarn, `more than the 3936 of one cookie, so it is split in 2 cookies \(__Secure-authjs\.session-token\.0, __Secure-authjs\.session-token\.1, \.\.\.\)$`, `database sessions`)
	})
}

func TestEmail(t *testing.T) {
	yaml := "base_url: http://localhost:3000\nemail:\n  from: Example <auth@example.com>\n  smtp_url: ${SMTP_URL}\n"
	t.Run("ok, the password never shown", func(t *testing.T) {
		s := newSetup(t, yaml)
		s.env["SMTP_URL"] = "smtp://apikey:" + canaryPassword + "@smtp.example.com:587"
		c := s.check("email", nil)
		want(t, c, StatusOK, `^magic links from Example <auth@example\.com> through smtp://apikey:xxxxx@smtp\.example\.com:587, valid for 1 day; the server was not contacted \(--online dials it\)$`, "")
		if strings.Contains(c.Message, canaryPassword) {
			t.Error("the check shows the password")
		}
	})
	t.Run("no smtp_url", func(t *testing.T) {
		s := newSetup(t, "base_url: http://localhost:3000\nemail:\n  from: auth@example.com\n")
		want(t, s.check("email", nil), StatusFail, `^email sign-in is on, but email\.smtp_url is not set$`, `set email\.smtp_url: \$\{SMTP_URL\}`)
	})
	t.Run("a URL that does not parse as SMTP", func(t *testing.T) {
		s := newSetup(t, yaml)
		s.env["SMTP_URL"] = "smtp://user:" + canaryPassword + "@smtp.example.com:587?starttls=optional"
		c := s.check("email", nil)
		want(t, c, StatusFail, `^email\.smtp_url \(from SMTP_URL\): it would send the password to smtp\.example\.com without requiring TLS`, `^fix email\.smtp_url in `)
		if strings.Contains(c.Message+c.Fix, canaryPassword) {
			t.Error("the check shows the password")
		}
	})
	t.Run("--online dials the server", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		s := newSetup(t, yaml)
		s.env["SMTP_URL"] = "smtp://" + ln.Addr().String()
		want(t, s.check("email", &Options{Online: true}), StatusOK, `; 127\.0\.0\.1:\d+ accepts connections \(no message was sent\)$`, "")
		s.env["SMTP_URL"] = "smtp://" + closedPort(t)
		want(t, s.check("email", &Options{Online: true}), StatusFail, `^cannot reach the SMTP server 127\.0\.0\.1:\d+: .*refused`, `^check email\.smtp_url and the network$`)
	})
}

func TestSIWE(t *testing.T) {
	s := newSetup(t, "base_url: https://app.example.com\nsiwe: {}\n")
	want(t, s.check("siwe", nil), StatusOK, `^domain app\.example\.com, chain ids 1$`, "")
	s = newSetup(t, "base_url: https://app.example.com\nsiwe:\n  domain: wallet.example.com\n  chain_ids: [1, 10]\n")
	want(t, s.check("siwe", nil), StatusWarn, `siwe\.domain wallet\.example\.com is not base_url's host app\.example\.com`, `^set siwe\.domain: app\.example\.com in `)
}

// TestOutput: the text is aligned with the fix under the message, the
// JSON has exactly the documented fields, and a failure exits 1.
func TestOutput(t *testing.T) {
	s := good(t)
	s.env["AUTH_GITHUB_SECRET"] = ""
	code, stdout, stderr := s.run()
	if code != cmdutil.ExitError {
		t.Errorf("exit %d, want 1", code)
	}
	if stderr != "authkit: cannot confirm the setup: 1 check failed (provider:github)\n  do what each failed check says, then run authkit doctor again\n" {
		t.Errorf("stderr %q", stderr)
	}
	wantLines := []string{
		"ok       config           ",
		"ok       secret           38 bytes from AUTH_SECRET",
		"fail     provider:github  no client secret (configured in ",
		"                          fix: set AUTH_GITHUB_SECRET",
	}
	lines := strings.Split(stdout, "\n")
	for i, w := range wantLines {
		if i >= len(lines) || !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: want prefix %q in:\n%s", i+1, w, stdout)
		}
	}
	if !strings.HasSuffix(stdout, "\n\n7 ok, 0 warn, 1 fail, 0 skipped\n") {
		t.Errorf("summary:\n%s", stdout)
	}

	code, stdout, _ = s.run("--json")
	if code != cmdutil.ExitError {
		t.Errorf("--json: exit %d, want 1", code)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	if len(doc) != 2 || string(doc["ok"]) != "false" {
		t.Errorf("--json top level: %s", stdout)
	}
	var checks []map[string]any
	if err := json.Unmarshal(doc["checks"], &checks); err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		if len(c) != 4 {
			t.Errorf("--json check %v: want exactly name, status, message, fix", c)
		}
		for _, k := range []string{"name", "status", "message", "fix"} {
			if _, ok := c[k].(string); !ok {
				t.Errorf("--json check %v: %s is not a string", c, k)
			}
		}
	}

	// warnings alone do not fail
	s = good(t)
	s.write("authkit.yaml", "base_url: http://localhost:3000/auth\nproviders:\n  - id: github\n", 0o600)
	if code, stdout, stderr := s.run(); code != 0 || stderr != "" || !strings.Contains(stdout, "\nwarn     base_url  ") {
		t.Errorf("warnings only: exit %d, stderr %q:\n%s", code, stderr, stdout)
	}

	// usage errors
	if code, _, stderr := s.run("extra"); code != cmdutil.ExitUsage {
		t.Errorf("an argument: exit %d, %s", code, stderr)
	}
	if code, _, stderr := s.run("--timeout", "0s"); code != cmdutil.ExitUsage || !strings.Contains(stderr, "--timeout") {
		t.Errorf("--timeout 0s: exit %d, %s", code, stderr)
	}
}

// TestHostileValues: user-controlled text reaches the terminal escaped.
func TestHostileValues(t *testing.T) {
	s := good(t)
	s.env["AUTH_URL"] = "https://evil.example.com/\x1b[2J\u202e"
	code, stdout, _ := s.run()
	if code != 0 {
		t.Errorf("exit %d", code)
	}
	for _, raw := range []string{"\x1b", "\u202e"} {
		if strings.Contains(stdout, raw) {
			t.Errorf("stdout holds %q raw:\n%s", raw, stdout)
		}
	}
}

// TestSecretsNeverPrinted: no form of output, for good or broken setups,
// holds a secret, client id, client secret or password.
func TestSecretsNeverPrinted(t *testing.T) {
	canaries := []string{canarySecret, canaryClientID, canaryClientSecret, canaryPassword, "canary-short", "canary-file-secret"}
	yaml := "base_url: http://localhost:3000\nsecret: [\"${AUTH_SECRET}\", \"file:old.secret\"]\nproviders:\n  - id: github\n  - id: corp\n    type: oidc\n    issuer: http://%s\n    client_id: ${CORP_ID}\n    client_secret: ${CORP_SECRET}\nemail:\n  from: auth@example.com\n  smtp_url: smtp://apikey:${SMTP_PASSWORD}@smtp.example.com:587\ndatabase:\n  url: ${DB_URL}\n"
	for _, tc := range []struct {
		name string
		edit func(s *setup)
	}{
		{"good", func(s *setup) {}},
		{"short secret", func(s *setup) { s.env["AUTH_SECRET"] = "canary-short" }},
		{"no client secret", func(s *setup) { s.env["AUTH_GITHUB_SECRET"] = "" }},
		{"unreachable database", func(s *setup) {
			s.env["DB_URL"] = "postgres://app:" + canaryPassword + "@" + closedPort(t) + "/app?sslmode=disable"
		}},
		{"SMTP without TLS", func(s *setup) {
			s.write("authkit.yaml", strings.Replace(fmt.Sprintf(yaml, closedPort(t)), ":587", ":587?starttls=optional", 1), 0o600)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := good(t)
			s.write("authkit.yaml", fmt.Sprintf(yaml, closedPort(t)), 0o600)
			s.write("old.secret", "canary-file-secret-0123456789abcdefXYZ", 0o600)
			s.env["CORP_ID"], s.env["CORP_SECRET"] = canaryClientID, canaryClientSecret
			s.env["SMTP_PASSWORD"] = canaryPassword
			s.env["DB_URL"] = s.env["AUTHKIT_DATABASE_URL"]
			delete(s.env, "AUTHKIT_DATABASE_URL")
			tc.edit(s)
			for _, args := range [][]string{nil, {"--json"}, {"--online"}} {
				_, stdout, stderr := s.run(args...)
				for _, v := range canaries {
					if strings.Contains(stdout, v) || strings.Contains(stderr, v) {
						t.Errorf("%q: output holds %q:\n%s\n%s", args, v, stdout, stderr)
					}
				}
			}
		})
	}
}
