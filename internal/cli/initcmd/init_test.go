package initcmd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/internal/build"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/cli/secret/dotenv"
	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/internal/tui/initwizard"
	"github.com/authkit-dev/authkit/pkg/config"
	"github.com/authkit-dev/authkit/templates"
)

// The go template's go.mod must say the go version authkit's does, or
// the app does not build with authkit.
func TestGoDirective(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(data)
	if m == nil || string(m[1]) != goDirective {
		t.Fatalf("go.mod says go %s, initcmd.goDirective %s: make them equal", m[1], goDirective)
	}
}

func TestAuthkitVersion(t *testing.T) {
	defer func(v string) { build.Version = v }(build.Version)
	for v, want := range map[string]string{
		"1.2.3": "v1.2.3", "v1.4.0-rc.1": "v1.4.0-rc.1", "v2.0.0-beta.2": "v2.0.0-beta.2",
		"dev": devVersion, "": devVersion, "1.2.3+dirty": devVersion,
		// goreleaser snapshots: {{ incpatch .Version }}-next
		"0.0.1-next": devVersion, "1.4.1-next": devVersion, "v1.4.1-next": devVersion,
		// pseudo-versions of commits that may never have been pushed
		"v0.0.0-20260112093000-abcdef123456":        devVersion,
		"v1.2.4-0.20260112093000-abcdef123456":      devVersion,
		"v1.3.0-rc.1.0.20260112093000-abcdef123456": devVersion,
		"v0.0.0-20260112093000-abcdef123456+dirty":  devVersion,
	} {
		build.Version = v
		if got := authkitVersion(); got != want {
			t.Errorf("Version %q: authkitVersion() = %q, want %q", v, got, want)
		}
	}
}

func TestModuleName(t *testing.T) {
	for dir, want := range map[string]string{"/home/ada/myapp": "myapp", "/srv/My App!": "my-app", "/x/.hidden": "hidden", "/": "app", `C:\work\Site.v2`: "site.v2"} {
		if got := moduleName(dir); got != want {
			t.Errorf("moduleName(%q) = %q, want %q", dir, got, want)
		}
	}
}

// Every combination of choices renders an authkit.yaml that loads with no
// environment at all (but for the issuer of a provider that needs one,
// which pkg/config asks for at load: the error names the variable), says
// what was chosen, and whose providers are usable once the environment
// file's empty variables are filled in.
func TestScaffoldsLoad(t *testing.T) {
	dir := t.TempDir()
	for _, tmpl := range templateIDs {
		for _, session := range sessionIDs {
			for _, db := range databaseIDs {
				for _, ids := range [][]string{{"github"}, {"github", "google", "keycloak", "microsoft-entra-id", "oidc", "apple"}} {
					for _, base := range []string{"http://localhost:3000", "https://app.example.com/portal"} {
						c := choices{Template: tmpl, Providers: ids, Session: session, Database: db, Linking: "verified", BaseURL: base + "/", DatabaseGiven: session == "database"}
						name := strings.Join([]string{tmpl, session, db, strings.Join(ids, "+"), base}, " ")
						ch, err := check(c)
						if tmpl == "nextjs" && strings.Contains(base, "/portal") {
							if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
								t.Errorf("%s: %v, want a usage error (a Next.js base URL with a path)", name, err)
							}
							continue
						}
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						checkScaffold(t, name, dir, ch, base)
					}
				}
			}
		}
	}
}

func checkScaffold(t *testing.T, name, dir string, ch checked, base string) {
	t.Helper()
	o := scaffoldOptions(ch, "/work/myapp")
	files, err := templates.Scaffold(o)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	env, err := templates.ScaffoldEnv(o, "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==")
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var yaml []byte
	for _, f := range files {
		if f.Path == config.FileName {
			yaml = f.Content
		}
	}
	path := filepath.Join(dir, config.FileName)
	if err := os.WriteFile(path, yaml, 0o644); err != nil {
		t.Fatal(err)
	}
	issuers := map[string]string{}
	for _, p := range o.Providers {
		if p.EnvIssuer != "" {
			issuers[p.EnvIssuer] = "https://issuer.example.com"
		}
	}
	if len(issuers) > 0 {
		_, err := config.Load(path, func(string) string { return "" })
		for v := range issuers {
			if err == nil || !strings.Contains(err.Error(), "or set "+v) {
				t.Errorf("%s: loading without %s: %v", name, v, err)
			}
		}
	}
	cfg, err := config.Load(path, func(k string) string { return issuers[k] })
	if err != nil {
		t.Fatalf("%s: the authkit.yaml does not load without an environment: %v\n%s", name, err, yaml)
	}
	wantBase, wantPath := base, "/auth"
	if ch.Template == "nextjs" {
		wantPath = "/api/auth"
	}
	if cfg.BaseURL != wantBase || cfg.Serve.BasePath != wantPath || string(cfg.Session.Strategy) != ch.Session || string(cfg.Linking) != "verified" || len(cfg.Secrets) != 0 {
		t.Errorf("%s: loaded base %q, path %q, strategy %q, linking %q, %d secrets", name, cfg.BaseURL, cfg.Serve.BasePath, cfg.Session.Strategy, cfg.Linking, len(cfg.Secrets))
	}
	var ids []string
	for _, pc := range cfg.ProviderConfigs {
		ids = append(ids, pc.ID)
	}
	if !slices.Equal(ids, ch.Providers) {
		t.Errorf("%s: providers %v, want %v", name, ids, ch.Providers)
	}
	switch {
	case ch.Template == "go" && ch.Database == "sqlite":
		if cfg.Database.URL.Value() != "sqlite:authkit.db" || cfg.Database.Schema != "authkit" {
			t.Errorf("%s: database %q %q", name, cfg.Database.URL.Value(), cfg.Database.Schema)
		}
	case ch.Template == "nextjs" && ch.Session == "jwt":
		if cfg.Database.URL.Value() != "" {
			t.Errorf("%s: a Next.js app with JWT sessions has a database: %q", name, cfg.Database.URL.Value())
		}
	case ch.Database == "postgres":
		if !strings.HasPrefix(cfg.Database.URL.Value(), "postgres://") {
			t.Errorf("%s: database %q", name, cfg.Database.URL.Value())
		}
	}
	if ch.Template == "nextjs" && ch.Session == "database" && cfg.Database.Schema != "authjs-prisma" {
		t.Errorf("%s: schema %q", name, cfg.Database.Schema)
	}
	// The environment file's variables, filled in, make every provider
	// usable; the secret is the one given.
	vars := map[string]string{}
	for _, line := range strings.Split(string(env.Content), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			vars[k], _, _ = dotenv.Lookup(env.Content, k)
			if v == "" {
				vars[k] = "x"
				if strings.HasSuffix(k, "_ISSUER") {
					vars[k] = "https://issuer.example.com"
				}
			}
		}
	}
	// Next.js apps get AUTH_URL (next start needs it in production), the
	// base URL authkit.yaml defaults to as well; Go apps read authkit.yaml.
	wantURL := ""
	if ch.Template == "nextjs" {
		wantURL = base
	}
	if vars["AUTH_URL"] != wantURL || vars["AUTH_SECRET"] == "" {
		t.Errorf("%s: environment file variables %v", name, vars)
	}
	cfg, err = config.Load(path, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if _, err := cfg.Providers(); err != nil {
		t.Errorf("%s: with the environment file filled in: %v\n%s", name, err, env.Content)
	}
	if len(cfg.Secrets) != 1 || cfg.Secrets[0].Value() != vars["AUTH_SECRET"] {
		t.Errorf("%s: secrets %v", name, cfg.Secrets)
	}
	if ch.Database == "postgres" && ch.Template == "go" && cfg.Database.URL.Value() != vars["DATABASE_URL"] {
		t.Errorf("%s: the database URL %q is not the environment file's %q", name, cfg.Database.URL.Value(), vars["DATABASE_URL"])
	}
}

func TestCheckDefaults(t *testing.T) {
	for _, tc := range []struct {
		in                choices
		session, database string
	}{
		{choices{Template: "go"}, "database", "sqlite"},
		{choices{Template: "go", Session: "jwt"}, "jwt", "sqlite"},
		{choices{Template: "go", Database: "postgres", DatabaseGiven: true}, "database", "postgres"},
		{choices{Template: "nextjs"}, "jwt", "sqlite"},
		{choices{Template: "nextjs", Database: "postgres", DatabaseGiven: true}, "database", "postgres"},
		{choices{Template: "nextjs", Session: "database"}, "database", "sqlite"},
	} {
		tc.in.Providers, tc.in.Linking, tc.in.BaseURL = []string{"github"}, "never", defaultBaseURL
		ch, err := check(tc.in)
		if err != nil || ch.Session != tc.session || ch.Database != tc.database {
			t.Errorf("%+v: session %q, database %q, %v; want %q, %q", tc.in, ch.Session, ch.Database, err, tc.session, tc.database)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	ok := choices{Template: "go", Providers: []string{"github"}, Linking: "never", BaseURL: defaultBaseURL}
	for _, tc := range []struct {
		change func(*choices)
		want   string
	}{
		{func(c *choices) { c.Template = "rails" }, `unknown template "rails"`},
		{func(c *choices) { c.Session = "cookie" }, `unknown session strategy "cookie"`},
		{func(c *choices) { c.Database = "mysql" }, `unknown database "mysql"`},
		{func(c *choices) { c.Linking = "sometimes" }, `unknown linking policy "sometimes"`},
		{func(c *choices) { c.Providers = []string{"gihub"} }, `unknown provider "gihub"; did you mean github?`},
		{func(c *choices) { c.Providers = []string{"nope-at-all"} }, "use one of apple, "},
		{func(c *choices) { c.Providers = []string{"github", "github"} }, `--providers names "github" twice`},
		{func(c *choices) { c.Providers = []string{" ", ""} }, "--providers names no provider"},
		{func(c *choices) { c.Providers = []string{"oauth2"} }, "the generic oauth2 provider needs its endpoints"},
		{func(c *choices) { c.BaseURL = "localhost:3000" }, "is not an absolute URL"},
		{func(c *choices) { c.BaseURL = "not a url" }, "is not an absolute URL"},
		{func(c *choices) { c.BaseURL = "ftp://example.com" }, "is not an http or https URL"},
		{func(c *choices) { c.BaseURL = "https://example.com/?a=1" }, "has a query or fragment"},
		{func(c *choices) { c.BaseURL = "https://example.com/#top" }, "has a query or fragment"},
		{func(c *choices) { c.BaseURL = "https://example.com?" }, "has a query or fragment"},
		{func(c *choices) { c.BaseURL = "https://ada:pw@example.com" }, "has user information"},
		{func(c *choices) { c.BaseURL = "https://example.com:99999" }, "out of range"},
		{func(c *choices) { c.BaseURL = "https://example.com/${HOME}" }, "holds characters that a URL does not"},
		{func(c *choices) { c.Template, c.BaseURL = "nextjs", "https://example.com/app" }, "the base URL has a path"},
		{func(c *choices) { c.Template, c.Session, c.Database, c.DatabaseGiven = "nextjs", "jwt", "sqlite", true }, "keeps no database"},
	} {
		c := ok
		tc.change(&c)
		_, err := check(c)
		if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v (exit %d), want a usage error with %q", c, err, cmdutil.ExitCode(err), tc.want)
		}
	}
	if !strings.Contains(must(check(ok)).BaseURL, "localhost") {
		t.Error("the valid choices are refused")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestMergeEnv(t *testing.T) {
	fresh := []byte("# header\n\n# secret\nAUTH_SECRET=\"new\"\n\n# GitHub\nAUTH_GITHUB_ID=\nAUTH_GITHUB_SECRET=\n\n# Google\nAUTH_GOOGLE_ID=\nAUTH_GOOGLE_SECRET=\n")
	for _, tc := range []struct{ name, old, want string }{
		{"all there", "AUTH_SECRET=old\nAUTH_GITHUB_ID=a\nAUTH_GITHUB_SECRET=b\nAUTH_GOOGLE_ID=c\nAUTH_GOOGLE_SECRET=d\n", ""},
		{"one provider missing", "AUTH_SECRET=old\nAUTH_GITHUB_ID=a\nAUTH_GITHUB_SECRET=b",
			"AUTH_SECRET=old\nAUTH_GITHUB_ID=a\nAUTH_GITHUB_SECRET=b\n\n# Google\nAUTH_GOOGLE_ID=\nAUTH_GOOGLE_SECRET=\n"},
		{"half a provider", "export AUTH_SECRET='old' # keep\nAUTH_GITHUB_ID=a\nAUTH_GOOGLE_ID=c\nAUTH_GOOGLE_SECRET=d\n",
			"export AUTH_SECRET='old' # keep\nAUTH_GITHUB_ID=a\nAUTH_GOOGLE_ID=c\nAUTH_GOOGLE_SECRET=d\n\n# GitHub\nAUTH_GITHUB_SECRET=\n"},
		{"no secret", "OTHER=1\n", "OTHER=1\n\n# secret\nAUTH_SECRET=\"new\"\n\n# GitHub\nAUTH_GITHUB_ID=\nAUTH_GITHUB_SECRET=\n\n# Google\nAUTH_GOOGLE_ID=\nAUTH_GOOGLE_SECRET=\n"},
		{"empty secret", "AUTH_SECRET=\nAUTH_GITHUB_ID=a\nAUTH_GITHUB_SECRET=b\nAUTH_GOOGLE_ID=c\nAUTH_GOOGLE_SECRET=d\n",
			"AUTH_SECRET=\"new\"\nAUTH_GITHUB_ID=a\nAUTH_GITHUB_SECRET=b\nAUTH_GOOGLE_ID=c\nAUTH_GOOGLE_SECRET=d\n"},
		{"empty file", "", "# secret\nAUTH_SECRET=\"new\"\n\n# GitHub\nAUTH_GITHUB_ID=\nAUTH_GITHUB_SECRET=\n\n# Google\nAUTH_GOOGLE_ID=\nAUTH_GOOGLE_SECRET=\n"},
	} {
		got, err := mergeEnv([]byte(tc.old), fresh)
		want := tc.want
		if want == "" {
			want = tc.old
		}
		if err != nil || string(got) != want {
			t.Errorf("%s: %v\n got %q\nwant %q", tc.name, err, got, want)
		}
	}
	if _, err := mergeEnv([]byte("AUTH_SECRET=\"open\n"), fresh); err == nil {
		t.Error("a multi-line AUTH_SECRET was accepted")
	}
}

func TestMergeLines(t *testing.T) {
	fresh := []byte("# comment\n.env\nauthkit.db\n/node_modules\n")
	for _, tc := range []struct{ old, want string }{
		{".env\nauthkit.db\nnode_modules\n", ".env\nauthkit.db\nnode_modules\n"},
		{"/.env\n  authkit.db  \n/node_modules", "/.env\n  authkit.db  \n/node_modules"},
		{"bin/", "bin/\n\n# Added by authkit init: secrets and local data stay out of git.\n.env\nauthkit.db\n/node_modules\n"},
		{"", "# Added by authkit init: secrets and local data stay out of git.\n.env\nauthkit.db\n/node_modules\n"},
	} {
		if got := string(mergeLines([]byte(tc.old), fresh)); got != tc.want {
			t.Errorf("mergeLines(%q) = %q, want %q", tc.old, got, tc.want)
		}
	}
}

func TestRequiresAuthkit(t *testing.T) {
	for gomod, want := range map[string]bool{
		"module x\n\nrequire github.com/authkit-dev/authkit v1.2.3\n":                          true,
		"module x\n\nrequire (\n\tgithub.com/authkit-dev/authkit v0.0.0-2026-abc\n)\n":         true,
		"module x\n\nrequire github.com/authkit-dev/authkit-extra v1.0.0\n":                    false,
		"module x\n\n// github.com/authkit-dev/authkit v1.0.0\nrequire example.com/y v1.0.0\n": false,
	} {
		if got := requiresAuthkit([]byte(gomod)); got != want {
			t.Errorf("requiresAuthkit(%q) = %v", gomod, got)
		}
	}
}

// testFactory is a factory over buffers; tty sets InTTY and ErrTTY.
func testFactory(tty bool) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	f := cmdutil.NewFactory()
	f.IO = cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, InTTY: tty, ErrTTY: tty}
	f.Getenv = func(string) string { return "" }
	return f, &out, &errOut
}

func run(f *cmdutil.Factory, args ...string) error {
	cmd := NewCmdInit(f)
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.ExecuteContext(context.Background())
}

// On a terminal without --yes, init asks the form, with the flags as its
// defaults, and checks the answers like flags.
func TestWizard(t *testing.T) {
	defer func(w func(context.Context, io.Reader, io.Writer, initwizard.Catalogue, initwizard.Answers) (initwizard.Answers, error)) {
		runWizard = w
	}(runWizard)

	dir := filepath.Join(t.TempDir(), "app")
	var gotDefaults initwizard.Answers
	var gotCat initwizard.Catalogue
	runWizard = func(ctx context.Context, in io.Reader, out io.Writer, cat initwizard.Catalogue, def initwizard.Answers) (initwizard.Answers, error) {
		gotDefaults, gotCat = def, cat
		return initwizard.Answers{Template: "go", Providers: []string{"google", "gitlab"}, Session: "jwt", Database: "postgres", Linking: "verified", BaseURL: "https://app.example.com/"}, nil
	}
	f, out, _ := testFactory(true)
	if err := run(f, "--dir", dir, "--providers", "github,discord", "--linking", "always"); err != nil {
		t.Fatal(err)
	}
	want := initwizard.Answers{Template: "go", Providers: []string{"github", "discord"}, Session: "database", Database: "sqlite", Linking: "always", BaseURL: defaultBaseURL}
	if !slices.Equal(gotDefaults.Providers, want.Providers) || gotDefaults.Session != want.Session || gotDefaults.Database != want.Database ||
		gotDefaults.Linking != want.Linking || gotDefaults.BaseURL != want.BaseURL || gotDefaults.Template != want.Template {
		t.Errorf("the form's defaults are %+v, want %+v", gotDefaults, want)
	}
	if len(gotCat.Templates) != 2 || len(gotCat.Sessions) != 2 || len(gotCat.Databases) != 2 || len(gotCat.Linking) != 3 ||
		slices.ContainsFunc(gotCat.Providers, func(c initwizard.Choice) bool { return c.Value == "oauth2" }) ||
		!slices.ContainsFunc(gotCat.Providers, func(c initwizard.Choice) bool { return c.Value == "github" && c.Label == "GitHub" }) {
		t.Errorf("the form's catalogue: %+v", gotCat)
	}
	// Without --session, the form's session follows its template as the
	// flags' does; a Next.js app with JWT sessions is asked no database.
	if want := map[string]string{"go": "database", "nextjs": "jwt"}; !maps.Equal(gotCat.SessionDefaults, want) {
		t.Errorf("the form's session defaults are %v, want %v", gotCat.SessionDefaults, want)
	}
	if gotCat.SkipDatabase == nil || !gotCat.SkipDatabase(initwizard.Answers{Template: "nextjs", Session: "jwt"}) ||
		gotCat.SkipDatabase(initwizard.Answers{Template: "nextjs", Session: "database"}) || gotCat.SkipDatabase(initwizard.Answers{Template: "go", Session: "jwt"}) {
		t.Error("the form asks for a database for nextjs with JWT sessions, or not for the others")
	}
	yaml, err := os.ReadFile(filepath.Join(dir, "authkit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"base_url: ${AUTH_URL:-https://app.example.com}\n", "strategy: jwt\n", "linking: verified\n", "  - id: google\n  - id: gitlab\n", "postgres://"} {
		if !strings.Contains(string(yaml), s) {
			t.Errorf("authkit.yaml lacks %q:\n%s", s, yaml)
		}
	}
	if !strings.Contains(out.String(), "created") {
		t.Errorf("stdout: %s", out)
	}

	// An answer the command refuses is a usage error; nothing is written.
	dir2 := filepath.Join(t.TempDir(), "app")
	runWizard = func(context.Context, io.Reader, io.Writer, initwizard.Catalogue, initwizard.Answers) (initwizard.Answers, error) {
		return initwizard.Answers{Template: "go", Providers: []string{"nope"}, Session: "jwt", Database: "sqlite", Linking: "never", BaseURL: defaultBaseURL}, nil
	}
	f, _, _ = testFactory(true)
	if err := run(f, "--dir", dir2); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("a bad answer: %v", err)
	}
	if _, err := os.Stat(dir2); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a bad answer: %s was created", dir2)
	}
	// Cancelling the form is exit 130; nothing is written.
	runWizard = func(context.Context, io.Reader, io.Writer, initwizard.Catalogue, initwizard.Answers) (initwizard.Answers, error) {
		return initwizard.Answers{}, cmdutil.ErrCancelled
	}
	f, _, _ = testFactory(true)
	if err := run(f, "--dir", dir2); cmdutil.ExitCode(err) != cmdutil.ExitCancelled {
		t.Errorf("a cancelled form: %v", err)
	}
	if _, err := os.Stat(dir2); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cancelled form: %s was created", dir2)
	}
	// A bad flag fails before the form.
	runWizard = func(context.Context, io.Reader, io.Writer, initwizard.Catalogue, initwizard.Answers) (initwizard.Answers, error) {
		t.Error("the form ran despite a bad flag")
		return initwizard.Answers{}, errors.New("no")
	}
	f, _, _ = testFactory(true)
	if err := run(f, "--dir", dir2, "--template", "rails"); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("a bad flag: %v", err)
	}
	if _, err := os.Stat(dir2); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a bad flag: %s was created", dir2)
	}
	// --yes on a terminal takes the flags, without the form.
	f, _, _ = testFactory(true)
	if err := run(f, "--dir", dir2, "--yes"); err != nil {
		t.Errorf("--yes on a terminal: %v", err)
	}
	// Without the form connected, a terminal without --yes is told to
	// pass it; nothing is written.
	runWizard = nil
	dir3 := filepath.Join(t.TempDir(), "app")
	f, _, _ = testFactory(true)
	if err := run(f, "--dir", dir3); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "pass --yes") {
		t.Errorf("no form: %v", err)
	}
	if _, err := os.Stat(dir3); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s was created", dir3)
	}
}

// A directory that cannot be written to is refused before anything is
// written: an existing one, and one to create under it. (root writes
// anywhere: it gets /proc, where nobody creates files, instead.)
func TestNotWritable(t *testing.T) {
	ro := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	want := `the directory "` + ro + `" is not writable`
	if probe(ro) == nil {
		ro, want = "/proc", `the directory "/proc" is not writable`
	}
	for _, dir := range []string{ro, filepath.Join(ro, "sub", "app")} {
		f, out, _ := testFactory(false)
		err := run(f, "--dir", dir)
		if cmdutil.ExitCode(err) != cmdutil.ExitError || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "make the directory writable") && !strings.Contains(err.Error(), "pass --dir") {
			t.Errorf("--dir %s: %v", dir, err)
		}
		if out.Len() != 0 {
			t.Errorf("--dir %s: stdout %q", dir, out)
		}
	}
	if entries, _ := os.ReadDir(ro); ro != "/proc" && len(entries) != 0 {
		t.Errorf("%s holds %v", ro, entries)
	}
}

// An existing environment file that others can read gets mode 0600 when
// init writes a new AUTH_SECRET into it (and says so); every line stays.
// One that has its secret already keeps its mode, with a warning.
func TestEnvModeTightened(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, ".env")
	if err := os.WriteFile(env, []byte("FOO=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(env, 0o644); err != nil {
		t.Fatal(err)
	}
	f, _, errOut := testFactory(false)
	if err := run(f, "--dir", dir, "--yes"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(env)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o after init wrote AUTH_SECRET into it, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(env)
	if v, _, _ := dotenv.Lookup(data, "FOO"); v != "1" || !regexp.MustCompile(`(?m)^AUTH_SECRET="[A-Za-z0-9+/]{43}="$`).Match(data) {
		t.Errorf("the .env after init:\n%s", data)
	}
	if !strings.Contains(errOut.String(), "now has mode 0600 (it was 0644)") {
		t.Errorf("stderr does not say the mode changed:\n%s", errOut)
	}

	// The secret is there already: the file is the user's, mode and all.
	dir = t.TempDir()
	env = filepath.Join(dir, ".env")
	if err := os.WriteFile(env, []byte("AUTH_SECRET=\"kept-0123456789abcdef0123456789abcdef\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(env, 0o644); err != nil {
		t.Fatal(err)
	}
	f, _, errOut = testFactory(false)
	if err := run(f, "--dir", dir, "--yes"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(env); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("an existing secret's file: mode %v, %v; want 0644 kept", st.Mode().Perm(), err)
	}
	if !strings.Contains(errOut.String(), "is readable by other users (mode 0644)") {
		t.Errorf("no warning for a readable .env:\n%s", errOut)
	}
}

func TestCheckParents(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "app", "api"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app", "api", "auth"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkParents(dir, "app/api/auth/[...nextauth]/route.ts"); err == nil || !strings.Contains(err.Error(), "is in the way") {
		t.Errorf("a file in the way: %v", err)
	}
	if err := checkParents(dir, "app/page.tsx"); err != nil {
		t.Errorf("app/page.tsx: %v", err)
	}
	if err := checkParents(dir, "lib/x/y.ts"); err != nil {
		t.Errorf("lib/x/y.ts: %v", err)
	}
}

// The real form is connected: keys on stdin choose the Next.js template
// (one down), keep github, and take the defaults, which follow the
// template as the flags' do: JWT sessions, and so no database question
// (six enters: template, providers, session, linking, base URL, summary);
// Esc cancels with nothing written.
func TestRealWizard(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "app")
	f, _, errOut := testFactory(true)
	f.IO.In = strings.NewReader("\x1b[B\r\r\r\r\r\r")
	if err := run(f, "--dir", dir); err != nil {
		t.Fatalf("init through the form: %v\n%s", err, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "auth.ts")); err != nil {
		t.Fatalf("the form's Next.js choice was not scaffolded: %v\n%s", err, errOut)
	}
	yaml, err := os.ReadFile(filepath.Join(dir, "authkit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(yaml), "strategy: jwt\n") || strings.Contains(string(yaml), "database:") {
		t.Errorf("Next.js through the form: not JWT sessions without a database, as --template nextjs gives:\n%s", yaml)
	}
	if strings.Contains(errOut.String(), "Which database?") {
		t.Errorf("the form asked for a database for Next.js with JWT sessions:\n%s", errOut)
	}

	// The form checks the base URL for the template chosen: --base-url
	// with a path (fine for go) is refused on the field once Next.js is
	// chosen (the form stays there), and another one typed there is taken.
	dirPath := filepath.Join(t.TempDir(), "app")
	f, _, errOut = testFactory(true)
	f.IO.In = strings.NewReader("\x1b[B\r\r\r\r\r\x15https://app.example.com\r\r")
	if err := run(f, "--dir", dirPath, "--base-url", "https://app.example.com/portal"); err != nil {
		t.Fatalf("init through the form with a path for Next.js: %v\n%s", err, errOut)
	}
	if yaml, err := os.ReadFile(filepath.Join(dirPath, "authkit.yaml")); err != nil || !strings.Contains(string(yaml), "AUTH_URL:-https://app.example.com}") {
		t.Errorf("the base URL typed after the refusal was not taken: %v\n%s", err, yaml)
	}

	dir2 := filepath.Join(t.TempDir(), "app")
	f, _, _ = testFactory(true)
	f.IO.In = strings.NewReader("\x1b")
	if err := run(f, "--dir", dir2); cmdutil.ExitCode(err) != cmdutil.ExitCancelled {
		t.Fatalf("esc: %v", err)
	}
	if _, err := os.Stat(dir2); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a cancelled form wrote %s", dir2)
	}
}
