package templates

import "strings"

// scaffoldCase is one row of TestScaffoldGolden: the options of a
// scaffold, whose every file (and environment file) is compared with
// testdata/scaffold/<name>/<path>.golden. Add a row for every choice that
// changes a file's content; run go test ./templates -update to write its
// golden files.
type scaffoldCase struct {
	name string
	opts ScaffoldOptions
}

// scaffoldCases are the rows: the go template with each session strategy,
// database and provider set, and the edges (a base URL with a path, a
// generic OpenID provider, a development build of authkit).
func scaffoldCases() []scaffoldCase {
	var cases []scaffoldCase
	for _, session := range []string{"database", "jwt"} {
		for _, db := range []string{"sqlite", "postgres"} {
			for _, ids := range [][]string{{"github"}, {"github", "google", "keycloak"}} {
				cases = append(cases, scaffoldCase{
					name: "go-" + session + "-" + db + "-" + strings.Join(ids, "-"),
					opts: goOptions(session, db, "never", "http://localhost:3000", ids...),
				})
			}
		}
	}
	path := goOptions("database", "sqlite", "verified", "https://app.example.com/portal", "oidc")
	path.Module = "example.com/portal"
	cases = append(cases, scaffoldCase{name: "go-https-path-oidc", opts: path})
	dev := goOptions("database", "sqlite", "always", "http://127.0.0.1:8080", "github")
	dev.AuthkitVersion = "v0.0.0"
	cases = append(cases, scaffoldCase{name: "go-dev-build", opts: dev})
	for _, tc := range []struct {
		session, db, linking string
		ids                  []string
	}{
		{"jwt", "", "never", []string{"github"}},
		{"jwt", "", "always", []string{"github", "google", "microsoft-entra-id"}},
		{"database", "sqlite", "never", []string{"github"}},
		{"database", "postgres", "verified", []string{"github", "oidc"}},
	} {
		name := "nextjs-" + tc.session
		if tc.db != "" {
			name += "-" + tc.db
		}
		cases = append(cases, scaffoldCase{name: name + "-" + tc.linking + "-" + strings.Join(tc.ids, "-"),
			opts: nextOptions(tc.session, tc.db, tc.linking, tc.ids...)})
	}
	// A public https base URL: .env.local trusts the proxy's Host.
	public := nextOptions("jwt", "", "never")
	public.BaseURL = "https://app.example.com"
	public.Providers = []ScaffoldProvider{testScaffoldProvider("github", public.BaseURL+public.BasePath)}
	cases = append(cases, scaffoldCase{name: "nextjs-jwt-never-github-public", opts: public})
	return cases
}

// nextOptions are the options authkit init makes for the nextjs template.
func nextOptions(session, db, linking string, ids ...string) ScaffoldOptions {
	o := ScaffoldOptions{Template: "nextjs", Session: session, Database: db, Linking: linking,
		BaseURL: "http://localhost:3000", BasePath: "/api/auth", AuthkitVersion: "v1.2.3", GoVersion: "1.26.8"}
	if session == "database" {
		o.Schema = "authjs-prisma"
	}
	for _, id := range ids {
		o.Providers = append(o.Providers, testScaffoldProvider(id, o.BaseURL+o.BasePath))
	}
	return o
}

// goOptions are the options authkit init makes for the go template.
func goOptions(session, db, linking, baseURL string, ids ...string) ScaffoldOptions {
	o := ScaffoldOptions{
		Template: "go", Session: session, Database: db, Linking: linking,
		BaseURL: baseURL, BasePath: "/auth", Module: "myapp",
		AuthkitVersion: "v1.2.3", GoVersion: "1.26.8", Schema: "authkit",
	}
	for _, id := range ids {
		o.Providers = append(o.Providers, testScaffoldProvider(id, baseURL+o.BasePath))
	}
	return o
}

// testScaffoldProvider is a ScaffoldProvider as authkit init resolves it
// from the catalogue (which the templates package may not import).
func testScaffoldProvider(id, authURL string) ScaffoldProvider {
	known := map[string]struct {
		name, console string
		issuer        bool
	}{
		"github":             {"GitHub", "https://github.com/settings/developers", false},
		"google":             {"Google", "https://console.cloud.google.com/apis/credentials", false},
		"keycloak":           {"Keycloak", "https://www.keycloak.org/docs/latest/server_admin/#_oidc_clients", true},
		"microsoft-entra-id": {"Microsoft Entra ID", "https://entra.microsoft.com", false},
		"oidc":               {"OpenID Connect", "", true},
	}[id]
	env := "AUTH_" + strings.ToUpper(strings.ReplaceAll(id, "-", "_")) + "_"
	p := ScaffoldProvider{ID: id, Name: known.name, EnvID: env + "ID", EnvSecret: env + "SECRET",
		CallbackURL: authURL + "/callback/" + id, ConsoleURL: known.console}
	if known.issuer {
		p.EnvIssuer = env + "ISSUER"
	}
	return p
}
