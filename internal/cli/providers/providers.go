// Package providers implements `authkit providers`: the provider catalogue
// and the providers configured in authkit.yaml, with what each needs to
// sign in (the variables it reads, the redirect URI to register) and
// whether its credentials are present. Credentials are never printed, only
// whether they are set.
package providers

import (
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/config"
	catalogue "github.com/authkit-dev/authkit/pkg/providers"
	"github.com/spf13/cobra"
)

// NewCmdProviders returns the `authkit providers` command group.
func NewCmdProviders(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.Group(&cobra.Command{
		Use:   "providers",
		Short: "List the identity providers and show what each needs to sign in",
		Long: `Describes the identity providers authkit can sign in with: the catalogue
(GitHub, Google, ... and the generic oidc and oauth2) and the providers
configured in authkit.yaml (--config, AUTHKIT_CONFIG, else ./authkit.yaml when
present), with their endpoints, scopes, checks, callback path, console URL,
the environment variables they read, and whether their credentials are set.
Credentials are never printed, only whether they are set.`,
	})
	cmd.AddCommand(newCmdList(f), newCmdShow(f))
	return cmd
}

// DefaultOrigin is the app origin assumed when neither authkit.yaml's
// base_url nor AUTH_URL (NEXTAUTH_URL) says where the app runs: the
// Next.js development server.
const DefaultOrigin = "http://localhost:3000"

// DefaultBasePath is the path of the Auth.js routes without an
// authkit.yaml: /api/auth, as Next.js apps mount them.
const DefaultBasePath = "/api/auth"

// authBase is where the auth routes live, from which callback paths and
// redirect URIs are made.
type authBase struct {
	// Origin is scheme://host[:port] of the app.
	Origin string
	// Path is the path of the auth routes ("/api/auth"), including the
	// path the app is mounted under ("/portal/auth").
	Path string
	// Source says where it came from, for humans.
	Source string
}

// URL is the absolute URL of the auth routes.
func (b authBase) URL() string { return b.Origin + b.Path }

// resolveBase picks the base URL in force: authkit.yaml's base_url +
// serve.base_path; else AUTH_URL, then NEXTAUTH_URL (their path, when they
// have one, is the routes' path, as Auth.js reads them); else
// http://localhost:3000. The routes' path defaults to serve.base_path
// with an authkit.yaml, else /api/auth.
func resolveBase(getenv func(string) string, cfg *config.Config) authBase {
	defPath := DefaultBasePath
	if cfg != nil && cfg.Serve.BasePath != "" {
		defPath = cfg.Serve.BasePath
	}
	if cfg != nil && cfg.BaseURL != "" {
		// base_url may carry the path the app is mounted under: it stays
		// in front of serve.base_path in the callback path.
		origin, _ := splitURL(cfg.BaseURL)
		return authBase{Origin: origin, Path: strings.TrimPrefix(cfg.AuthURL(), origin), Source: "base_url + serve.base_path in " + cfg.Path}
	}
	for _, name := range []string{"AUTH_URL", "NEXTAUTH_URL"} {
		raw := strings.TrimSpace(getenv(name))
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			continue
		}
		origin, path := splitURL(strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"))
		if path == "" {
			path = defPath
		}
		return authBase{Origin: origin, Path: path, Source: name}
	}
	src := "the default " + DefaultOrigin + " (set base_url in authkit.yaml, or AUTH_URL)"
	if cfg != nil {
		src = "the default " + DefaultOrigin + " with serve.base_path of " + cfg.Path + " (set base_url there, or AUTH_URL)"
	}
	return authBase{Origin: DefaultOrigin, Path: defPath, Source: src}
}

// splitURL splits an absolute URL without query into its origin
// (scheme://host) and its path, without a trailing slash.
func splitURL(s string) (origin, path string) {
	s = strings.TrimRight(s, "/")
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s, ""
	}
	path = strings.TrimRight(u.EscapedPath(), "/")
	if strings.HasSuffix(s, path) {
		return s[:len(s)-len(path)], path
	}
	return u.Scheme + "://" + u.Host, path
}

// entry is one provider as the commands describe it.
type entry struct {
	// P is the provider, credentials filled from the file and the
	// environment (never printed).
	P *catalogue.Provider
	// CatalogueID is the catalogue entry it is made from.
	CatalogueID string
	// Config is its providers entry in authkit.yaml; nil when it is not
	// configured there.
	Config *config.ProviderConfig
	// ConfigPath is the file it is configured in.
	ConfigPath string
	// EnvSet says which of its variables (client id, secret, issuer) are
	// set to something else than spaces.
	EnvSet [3]bool
}

// EnvNames returns the variables the provider reads: AUTH_<ID>_ID,
// AUTH_<ID>_SECRET and AUTH_<ID>_ISSUER.
func (e *entry) EnvNames() [3]string {
	id, secret, issuer := catalogue.EnvNames(e.P.ID)
	return [3]string{id, secret, issuer}
}

// Checks are the checks the flow runs for it: pkce and state always, nonce
// for OpenID Connect (or when the provider asks for it), whatever the
// catalogue lists.
func (e *entry) Checks() []string {
	out := []string{string(catalogue.CheckPKCE), string(catalogue.CheckState)}
	if e.P.Kind == catalogue.OIDC || e.P.Has(catalogue.CheckNonce) {
		out = append(out, string(catalogue.CheckNonce))
	}
	for _, c := range e.P.Checks {
		if !slices.Contains(out, string(c)) {
			out = append(out, string(c))
		}
	}
	return out
}

// TokenAuth is the token endpoint authentication in effect.
func (e *entry) TokenAuth() string {
	if e.P.TokenAuth == "" {
		return string(catalogue.ClientSecretBasic)
	}
	return string(e.P.TokenAuth)
}

// ResponseMode is how the callback comes: "query" (a redirect) unless the
// provider POSTs it ("form_post").
func (e *entry) ResponseMode() string {
	if e.P.ResponseMode == "" {
		return "query"
	}
	return e.P.ResponseMode
}

// Generic reports the generic catalogue entries, oidc and oauth2, which
// need an issuer or endpoints before anything else.
func (e *entry) Generic() bool {
	return e.CatalogueID == "oidc" || e.CatalogueID == "oauth2"
}

func (e *entry) readEnv(getenv func(string) string) {
	for i, name := range e.EnvNames() {
		e.EnvSet[i] = strings.TrimSpace(getenv(name)) != ""
	}
}

// catalogueEntry is the catalogue's provider id with credentials from the
// environment.
func catalogueEntry(getenv func(string) string, id string) (*entry, error) {
	p, err := catalogue.Lookup(id)
	if err != nil {
		return nil, err
	}
	catalogue.FromEnv(p, getenv)
	e := &entry{P: p, CatalogueID: id}
	e.readEnv(getenv)
	return e, nil
}

// configuredEntry is a provider of authkit.yaml, built as the flow builds
// it: the catalogue entry, the file's values, then the environment.
func configuredEntry(getenv func(string) string, cfg *config.Config, pc *config.ProviderConfig, action string) (*entry, error) {
	p, err := cfg.Provider(pc.ID)
	if err != nil {
		return nil, cmdutil.Fail(action, errors.New(strings.TrimPrefix(err.Error(), "authkit: ")), "fix the providers entry of "+pc.ID+" in "+cfg.Path)
	}
	e := &entry{P: p, CatalogueID: pc.Type, Config: pc, ConfigPath: cfg.Path}
	e.readEnv(getenv)
	return e, nil
}

// loadConfig loads the authkit.yaml in force; nil when there is none.
func loadConfig(f *cmdutil.Factory) (*config.Config, error) {
	cfg, _, err := f.LoadConfig()
	if err == nil {
		return cfg, nil
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		// "authkit: cannot load FILE: cause" on each line: keep the lines,
		// without the first one's prefix, which the error style adds back.
		msg := strings.TrimPrefix(err.Error(), "authkit: cannot load "+ce.File+": ")
		return nil, &cmdutil.Error{Action: "load " + ce.File, Err: errors.New(msg), Fix: "fix the file, or pass --config with another one"}
	}
	return nil, cmdutil.Fail("load the configuration", err, "fix the file, or pass --config with another one")
}

// allEntries is every catalogue provider and every configured one, sorted
// by id; a configured provider replaces the catalogue entry of its id.
func allEntries(getenv func(string) string, cfg *config.Config, action string) ([]*entry, error) {
	byID := map[string]*entry{}
	for _, id := range catalogue.IDs() {
		e, err := catalogueEntry(getenv, id)
		if err != nil {
			return nil, cmdutil.Fail(action, err, "")
		}
		byID[id] = e
	}
	if cfg != nil {
		for i := range cfg.ProviderConfigs {
			pc := &cfg.ProviderConfigs[i]
			e, err := configuredEntry(getenv, cfg, pc, action)
			if err != nil {
				return nil, err
			}
			byID[pc.ID] = e
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]*entry, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// findEntry is the provider id: the configured one, else the catalogue's.
// An unknown id is a not-found error (exit 3) that lists the known ids.
func findEntry(getenv func(string) string, cfg *config.Config, id, action string) (*entry, error) {
	var configured []string
	if cfg != nil {
		for i := range cfg.ProviderConfigs {
			pc := &cfg.ProviderConfigs[i]
			if pc.ID == id {
				return configuredEntry(getenv, cfg, pc, action)
			}
			if _, err := catalogue.Lookup(pc.ID); err != nil {
				configured = append(configured, pc.ID)
			}
		}
	}
	e, err := catalogueEntry(getenv, id)
	if err == nil {
		return e, nil
	}
	if !errors.Is(err, catalogue.ErrUnknownProvider) {
		return nil, cmdutil.Fail(action, err, "")
	}
	// Lookup's message ends with the fix: "...: unknown provider; did you
	// mean github? use one of apple, auth0, ...".
	fix := "use one of " + strings.Join(catalogue.IDs(), ", ")
	marker := ": " + catalogue.ErrUnknownProvider.Error() + "; "
	if msg := err.Error(); strings.LastIndex(msg, marker) >= 0 {
		fix = msg[strings.LastIndex(msg, marker)+len(marker):]
	}
	if len(configured) > 0 {
		fix += "; or one configured in " + cfg.Path + ": " + strings.Join(configured, ", ")
	}
	fix += " (`authkit providers list` shows them all)"
	return nil, &cmdutil.Error{Action: action, Err: catalogue.ErrUnknownProvider, Fix: fix, Code: cmdutil.ExitNotFound}
}

// knownIDs completes a provider id argument.
func knownIDs(f *cmdutil.Factory) []string {
	ids := catalogue.IDs()
	if cfg, _, err := f.LoadConfig(); err == nil && cfg != nil {
		for _, pc := range cfg.ProviderConfigs {
			if !slices.Contains(ids, pc.ID) {
				ids = append(ids, pc.ID)
			}
		}
	}
	return ids
}
