package initcmd

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/authkit-dev/authkit/internal/build"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/tui/initwizard"
	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/templates"
)

// choices are what the user chose, from flags or the form, before check.
type choices struct {
	Template  string
	Providers []string
	// Session and Database are empty when not chosen.
	Session  string
	Database string
	Linking  string
	BaseURL  string
	// DatabaseGiven says that --db was passed (which makes nextjs default
	// to database sessions, and conflicts with nextjs --session jwt).
	DatabaseGiven bool
}

func choicesFromFlags(o *Options, changed func(string) bool) choices {
	return choices{Template: o.Template, Providers: o.Providers, Session: o.Session, Database: o.Database,
		Linking: o.Linking, BaseURL: o.BaseURL, DatabaseGiven: changed("db")}
}

// checked are valid choices with the defaults applied.
type checked struct {
	choices
	// providers are the catalogue entries of Providers, in order.
	providers []*providers.Provider
}

// answers are the checked choices as the form takes its defaults.
func (c checked) answers() initwizard.Answers {
	return initwizard.Answers{Template: c.Template, Providers: slices.Clone(c.Providers), Session: c.Session,
		Database: c.Database, Linking: c.Linking, BaseURL: c.BaseURL}
}

var (
	templateIDs = []string{"go", "nextjs"}
	sessionIDs  = []string{"database", "jwt"}
	databaseIDs = []string{"sqlite", "postgres"}
	linkingIDs  = []string{"never", "verified", "always"}
)

// check validates c and applies the defaults: the session strategy
// (database for go; for nextjs database when a database was asked for,
// else jwt), the database (sqlite). Every failure is a usage error.
func check(c choices) (checked, error) {
	out := checked{choices: c}
	if !slices.Contains(templateIDs, c.Template) {
		return out, cmdutil.Usage(action, "use --template go or --template nextjs", "unknown template %s", cmdutil.Quote(c.Template))
	}
	if c.Session != "" && !slices.Contains(sessionIDs, c.Session) {
		return out, cmdutil.Usage(action, "use --session database or --session jwt", "unknown session strategy %s", cmdutil.Quote(c.Session))
	}
	if c.Database != "" && !slices.Contains(databaseIDs, c.Database) {
		return out, cmdutil.Usage(action, "use --db sqlite or --db postgres", "unknown database %s", cmdutil.Quote(c.Database))
	}
	if !slices.Contains(linkingIDs, c.Linking) {
		return out, cmdutil.Usage(action, "use --linking never, verified or always", "unknown linking policy %s", cmdutil.Quote(c.Linking))
	}
	ps, err := checkProviders(c.Providers)
	if err != nil {
		return out, err
	}
	out.providers = ps
	out.Providers = make([]string, len(ps))
	for i, p := range ps {
		out.Providers[i] = p.ID
	}
	base, err := checkTemplateBaseURL(c.Template, c.BaseURL)
	if err != nil {
		return out, err
	}
	out.BaseURL = base
	if c.Template == "nextjs" && c.Session == "jwt" && c.DatabaseGiven {
		return out, cmdutil.Usage(action, "drop --db, or pass --session database to keep users, accounts and sessions in a database",
			"--template nextjs --session jwt with --db %s: a Next.js app with JWT sessions keeps no database", c.Database)
	}
	if out.Database == "" {
		out.Database = "sqlite"
	}
	if out.Session == "" {
		out.Session = defaultSession(c.Template, c.DatabaseGiven)
	}
	return out, nil
}

// defaultSession is the session strategy of a template when none is
// chosen: database for go; for nextjs database when a database was asked
// for (--db), else jwt.
func defaultSession(template string, databaseGiven bool) string {
	if template == "nextjs" && !databaseGiven {
		return "jwt"
	}
	return "database"
}

// noDatabase reports whether choices keep no database: a Next.js app
// with JWT sessions (the form then does not ask for one).
func noDatabase(template, session string) bool { return template == "nextjs" && session == "jwt" }

// checkTemplateBaseURL is checkBaseURL, and for nextjs an origin without
// a path.
func checkTemplateBaseURL(template, raw string) (string, error) {
	base, err := checkBaseURL(raw)
	if err != nil {
		return "", err
	}
	if template == "nextjs" {
		if u, _ := url.Parse(base); u.Path != "" {
			return "", cmdutil.Usage(action, "give --base-url the origin alone, such as https://app.example.com (a Next.js app under a path needs basePath in next.config, which init does not write)",
				"--template nextjs with --base-url %s: the base URL has a path", cmdutil.Quote(base))
		}
	}
	return base, nil
}

// checkProviders looks up each id in the catalogue.
func checkProviders(ids []string) ([]*providers.Provider, error) {
	var out []*providers.Provider
	seen := map[string]bool{}
	for _, raw := range ids {
		id := strings.TrimSpace(raw)
		if id == "" {
			continue
		}
		if seen[id] {
			return nil, cmdutil.Usage(action, "name each provider once", "--providers names %s twice", cmdutil.Quote(id))
		}
		seen[id] = true
		if id == "oauth2" {
			return nil, cmdutil.Usage(action, "pick a catalogue provider, or add the oauth2 entry to authkit.yaml by hand afterwards (see testdata/config/full.yaml)",
				"the generic oauth2 provider needs its endpoints (authorization_url, token_url, userinfo_url), which init does not ask for")
		}
		p, err := providers.Lookup(id)
		if err != nil {
			cause := "unknown provider " + cmdutil.Quote(id)
			if _, hint, ok := strings.Cut(err.Error(), "did you mean "); ok {
				if s, _, ok := strings.Cut(hint, "?"); ok {
					cause += "; did you mean " + s + "?"
				}
			}
			return nil, cmdutil.Usage(action, "use one of "+strings.Join(providerIDs(), ", "), "%s", cause)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, cmdutil.Usage(action, "pass --providers with at least one of "+strings.Join(providerIDs(), ", "), "--providers names no provider")
	}
	return out, nil
}

// providerIDs are the catalogue ids init offers: all but the generic
// oauth2, which needs endpoints.
func providerIDs() []string {
	return slices.DeleteFunc(providers.IDs(), func(id string) bool { return id == "oauth2" })
}

// urlRE is what a base URL may hold once parsed: nothing that YAML,
// ${...} interpolation, Markdown or a shell would read differently.
var urlRE = regexp.MustCompile(`^https?://[A-Za-z0-9.\-]+(:[0-9]+)?(/[A-Za-z0-9._~!&'()*+,;=:@%/-]*)?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]+)?(/[A-Za-z0-9._~!&'()*+,;=:@%/-]*)?$`)

// checkBaseURL returns the base URL without its trailing slash.
func checkBaseURL(raw string) (string, error) {
	const fix = "give --base-url the app's absolute URL, such as http://localhost:3000 or https://app.example.com"
	s := strings.TrimSpace(raw)
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "":
		return "", cmdutil.Usage(action, fix, "--base-url %s is not an absolute URL", cmdutil.Quote(raw))
	case u.Scheme != "http" && u.Scheme != "https":
		return "", cmdutil.Usage(action, fix, "--base-url %s is not an http or https URL", cmdutil.Quote(raw))
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#"):
		return "", cmdutil.Usage(action, fix+", without query or fragment", "--base-url %s has a query or fragment", cmdutil.Quote(raw))
	case u.User != nil:
		return "", cmdutil.Usage(action, fix+", without a user name or password", "--base-url %s has user information", cmdutil.Quote(raw))
	case u.Port() != "" && !validPort(u.Port()):
		return "", cmdutil.Usage(action, fix, "--base-url %s has port %s, which is out of range", cmdutil.Quote(raw), u.Port())
	}
	out := strings.TrimRight(s, "/")
	if !urlRE.MatchString(out) {
		return "", cmdutil.Usage(action, fix+" (percent-encode other characters)", "--base-url %s holds characters that a URL does not", cmdutil.Quote(raw))
	}
	return out, nil
}

func validPort(p string) bool {
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return false
		}
	}
	return n > 0
}

// catalogue is what the form offers, for the choices in: unless a
// session strategy was given, the session follows the template the form
// chooses, as with flags; the database question is skipped when the
// answers keep no database.
func catalogue(in choices) initwizard.Catalogue {
	var ps []initwizard.Choice
	for _, p := range providers.All() {
		if p.ID != "oauth2" {
			ps = append(ps, initwizard.Choice{Value: p.ID, Label: p.Name})
		}
	}
	cat := initwizard.Catalogue{
		Templates: []initwizard.Choice{
			{Value: "go", Label: "Go: a net/http app with authkit's handler"},
			{Value: "nextjs", Label: "Next.js: Auth.js v5, sharing its secret and database with authkit"},
		},
		Providers: ps,
		Sessions: []initwizard.Choice{
			{Value: "database", Label: "Database: a session row, revocable at once"},
			{Value: "jwt", Label: "JWT: an encrypted cookie, no database read per request"},
		},
		Databases: []initwizard.Choice{
			{Value: "sqlite", Label: "SQLite: a file next to the app"},
			{Value: "postgres", Label: "Postgres"},
		},
		Linking: []initwizard.Choice{
			{Value: "never", Label: "Never: refuse a second provider with a known email (as Auth.js)"},
			{Value: "verified", Label: "Verified: link when a trusted provider verified the email"},
			{Value: "always", Label: "Always: link on any email match (dangerous)"},
		},
		SkipDatabase: func(a initwizard.Answers) bool { return noDatabase(a.Template, a.Session) },
	}
	if in.Session == "" {
		cat.SessionDefaults = map[string]string{}
		for _, t := range templateIDs {
			cat.SessionDefaults[t] = defaultSession(t, in.DatabaseGiven)
		}
	}
	return cat
}

// goDirective is the go directive of the go template's go.mod: authkit's
// own (a test keeps them equal), so that the app builds with authkit.
const goDirective = "1.26.8"

// devVersion is the authkit version a development build scaffolds: the
// go.mod then says how to point it at a checkout.
const devVersion = "v0.0.0"

var (
	versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
	// pseudoRE matches a Go pseudo-version (vX.0.0-yyyymmddhhmmss-abcdef123456,
	// vX.Y.Z-pre.0.yyyymmddhhmmss-..., vX.Y.Z-0.yyyymmddhhmmss-...): what
	// `go build` in a checkout records, for a commit the proxy may never
	// have seen.
	pseudoRE = regexp.MustCompile(`[-.][0-9]{14}-[0-9a-f]{12}$`)
)

// authkitVersion is the module version of this authkit, for the go
// template's go.mod: the release version (build.Info: set at build time,
// or recorded by `go install ...@version`), else devVersion. Versions that
// name no published module are development builds too: goreleaser
// snapshots (x.y.z-next, goreleaser.yaml) and pseudo-versions.
func authkitVersion() string {
	v, _, _ := build.Info()
	if v != "" && v[0] >= '0' && v[0] <= '9' {
		v = "v" + v
	}
	if !versionRE.MatchString(v) || strings.HasSuffix(v, "-next") || pseudoRE.MatchString(v) {
		return devVersion
	}
	return v
}

// moduleInvalid is what a module path element may not hold.
var moduleInvalid = regexp.MustCompile(`[^a-z0-9._-]+`)

// moduleName is the go module path of an app in directory dir (absolute):
// its base name, lower-cased, with other characters as '-'; "app" when
// nothing is left.
func moduleName(dir string) string {
	base := dir
	if i := strings.LastIndexAny(dir, `/\`); i >= 0 {
		base = dir[i+1:]
	}
	name := strings.Trim(moduleInvalid.ReplaceAllString(strings.ToLower(base), "-"), "-._")
	if name == "" {
		return "app"
	}
	return name
}

// scaffoldOptions are the template options of c for an app in dir
// (absolute).
func scaffoldOptions(c checked, dir string) templates.ScaffoldOptions {
	o := templates.ScaffoldOptions{
		Template: c.Template, Session: c.Session, Database: c.Database, Linking: c.Linking, BaseURL: c.BaseURL,
		BasePath: "/auth", Module: moduleName(dir), AuthkitVersion: authkitVersion(), GoVersion: goDirective, Schema: "authkit",
	}
	if c.Template == "nextjs" {
		o.BasePath = "/api/auth"
		o.Schema = ""
		if c.Session == "database" {
			o.Schema = "authjs-prisma"
		}
	}
	for _, p := range c.providers {
		idVar, secretVar, issuerVar := providers.EnvNames(p.ID)
		sp := templates.ScaffoldProvider{ID: p.ID, Name: p.Name, EnvID: idVar, EnvSecret: secretVar,
			CallbackURL: c.BaseURL + p.CallbackPath(o.BasePath), ConsoleURL: p.ConsoleURL}
		if p.Kind == providers.OIDC && p.Issuer == "" {
			sp.EnvIssuer = issuerVar
		}
		o.Providers = append(o.Providers, sp)
	}
	return o
}
