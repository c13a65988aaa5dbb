package templates

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
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
	// AuthkitVersion is the authkit module version a go scaffold requires.
	AuthkitVersion string
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
			t, err := template.New(rel).Option("missingkey=error").Funcs(scaffoldFuncs).Parse(string(raw))
			if err != nil {
				return fmt.Errorf("templates: parse %s: %w", p, err)
			}
			var buf bytes.Buffer
			if err := t.Execute(&buf, o); err != nil {
				return fmt.Errorf("templates: render %s: %w", p, err)
			}
			if strings.TrimSpace(buf.String()) == "" {
				return nil
			}
			files = append(files, ScaffoldFile{Path: strings.TrimSuffix(rel, ".tmpl"), Content: buf.Bytes()})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

var scaffoldFuncs = template.FuncMap{
	"join":  strings.Join,
	"upper": strings.ToUpper,
	"quote": func(s string) string { return fmt.Sprintf("%q", s) },
}
