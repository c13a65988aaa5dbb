package templates

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"path"
	"sort"
	"strings"
	"text/template"
)

//go:embed all:scaffold
var scaffoldFS embed.FS

// ScaffoldProvider is one provider of a scaffold, resolved by the caller
// from the catalogue (templates imports nothing of authkit's).
type ScaffoldProvider struct {
	// ID is the provider id, such as "github".
	ID string
	// Name is the display name, such as "GitHub".
	Name string
	// EnvID and EnvSecret are the variables of its client id and secret
	// (AUTH_GITHUB_ID, AUTH_GITHUB_SECRET).
	EnvID, EnvSecret string
	// EnvIssuer is the issuer variable for providers that need one
	// (tenant products); empty otherwise.
	EnvIssuer string
	// CallbackURL is the redirect URI to register at the provider.
	CallbackURL string
	// ConsoleURL is where the provider's apps are registered.
	ConsoleURL string
}

// ScaffoldOptions are the choices of authkit init.
type ScaffoldOptions struct {
	// Template is "go" or "nextjs".
	Template string
	// Providers are the chosen providers, in order.
	Providers []ScaffoldProvider
	// Session is "jwt" or "database".
	Session string
	// Database is "sqlite" or "postgres".
	Database string
	// Linking is "never", "verified" or "always".
	Linking string
	// BaseURL is the app's public URL, such as http://localhost:3000.
	BaseURL string
	// BasePath is where the auth routes live: /auth (go) or /api/auth
	// (nextjs).
	BasePath string
	// Module is the Go module path of a go scaffold.
	Module string
	// AuthkitVersion is the authkit module version a go scaffold requires;
	// "v0.0.0" for a development build of authkit (the go.mod then says
	// how to point it at a checkout).
	AuthkitVersion string
	// GoVersion is the go directive of a go scaffold's go.mod (authkit's
	// own, such as "1.26.8").
	GoVersion string
	// Schema is the schema profile of the database authkit.yaml names:
	// "authkit" (the go template: the native schema, migrated by the app),
	// "authjs-prisma" or "authjs-drizzle" (a Next.js app's adapter), or
	// empty when the app keeps no database (nextjs with JWT sessions).
	Schema string
}

// ScaffoldFile is one file of a scaffold, its path relative to the target
// directory, slash-separated.
type ScaffoldFile struct {
	Path    string
	Content []byte
}

// Scaffold renders the files of o.Template and the files every template
// shares (scaffold/common), sorted by path. Each embedded file ending in
// .tmpl is a text/template executed with o; a file that renders to
// nothing but white space is left out, which is how a template chooses
// files (a Prisma schema only for database sessions, say). Secrets are
// not rendered here: the caller writes the environment file.
func Scaffold(o ScaffoldOptions) ([]ScaffoldFile, error) {
	if o.Template != "go" && o.Template != "nextjs" {
		return nil, fmt.Errorf("templates: unknown scaffold %q; use go or nextjs", o.Template)
	}
	var files []ScaffoldFile
	for _, dir := range []string{"scaffold/common", "scaffold/" + o.Template} {
		err := fs.WalkDir(scaffoldFS, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || path.Base(p) == ".keep" {
				return err
			}
			raw, err := scaffoldFS.ReadFile(p)
			if err != nil {
				return err
			}
			rel := strings.TrimPrefix(p, dir+"/")
			if !strings.HasSuffix(rel, ".tmpl") {
				files = append(files, ScaffoldFile{Path: rel, Content: raw})
				return nil
			}
			out, err := renderScaffold(p, raw, o)
			if err != nil || strings.TrimSpace(string(out)) == "" {
				return err
			}
			files = append(files, ScaffoldFile{Path: strings.TrimSuffix(rel, ".tmpl"), Content: out})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// renderScaffold executes the template raw (the embedded file p) with data.
func renderScaffold(p string, raw []byte, data any) ([]byte, error) {
	t, err := template.New(path.Base(p)).Option("missingkey=error").Funcs(scaffoldFuncs).Parse(string(raw))
	if err != nil {
		return nil, fmt.Errorf("templates: parse %s: %w", p, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("templates: render %s: %w", p, err)
	}
	return buf.Bytes(), nil
}

// EnvFileName is the environment file of a template: ".env.local" for
// nextjs (what Next.js loads), ".env" otherwise.
func EnvFileName(template string) string {
	if template == "nextjs" {
		return ".env.local"
	}
	return ".env"
}

// ScaffoldEnv renders the environment file of o (scaffold/env.tmpl, named
// EnvFileName(o.Template)): AUTH_SECRET set to secret, an empty
// AUTH_<ID>_ID and AUTH_<ID>_SECRET per provider (and AUTH_<ID>_ISSUER
// where the provider needs one), each after a comment saying where to
// register the app, and DATABASE_URL where the template needs one. The
// template sees o's fields and .Secret.
func ScaffoldEnv(o ScaffoldOptions, secret string) (ScaffoldFile, error) {
	if o.Template != "go" && o.Template != "nextjs" {
		return ScaffoldFile{}, fmt.Errorf("templates: unknown scaffold %q; use go or nextjs", o.Template)
	}
	const p = "scaffold/env.tmpl"
	raw, err := scaffoldFS.ReadFile(p)
	if err != nil {
		return ScaffoldFile{}, err
	}
	out, err := renderScaffold(p, raw, envData{ScaffoldOptions: o, Secret: secret})
	if err != nil {
		return ScaffoldFile{}, err
	}
	return ScaffoldFile{Path: EnvFileName(o.Template), Content: out}, nil
}

// envData is what scaffold/env.tmpl sees.
type envData struct {
	ScaffoldOptions
	Secret string
}

var scaffoldFuncs = template.FuncMap{
	// loopback reports whether a URL's host is this machine: localhost, a
	// name under .localhost, or a loopback address.
	"loopback": func(raw string) bool {
		u, err := url.Parse(raw)
		if err != nil {
			return false
		}
		host := strings.ToLower(u.Hostname())
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			return true
		}
		ip := net.ParseIP(host)
		return ip != nil && ip.IsLoopback()
	},
	"join":  strings.Join,
	"upper": strings.ToUpper,
	"quote": func(s string) string { return fmt.Sprintf("%q", s) },
	// names joins the providers' display names: "GitHub", "GitHub and
	// Google", "GitHub, Google and Keycloak".
	"names": func(ps []ScaffoldProvider) string {
		names := make([]string, len(ps))
		for i, p := range ps {
			names[i] = p.Name
		}
		if len(names) < 2 {
			return strings.Join(names, "")
		}
		return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	},
}
