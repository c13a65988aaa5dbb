package providers

import (
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// providerJSON is the stable JSON shape of a provider in `providers list
// --json` (and the start of `providers show --json`): every field is
// always present; issuer, the endpoints and consoleUrl are null when the
// provider has none (OpenID providers' endpoints come from discovery).
// Credentials appear only as booleans.
type providerJSON struct {
	ID               string          `json:"id"`
	Name             string          `json:"name"`
	Type             string          `json:"type"`
	CatalogueID      string          `json:"catalogueId"`
	Issuer           *string         `json:"issuer"`
	AuthorizationURL *string         `json:"authorizationUrl"`
	TokenURL         *string         `json:"tokenUrl"`
	UserinfoURL      *string         `json:"userinfoUrl"`
	Scopes           []string        `json:"scopes"`
	Checks           []string        `json:"checks"`
	TokenAuth        string          `json:"tokenAuth"`
	ResponseMode     string          `json:"responseMode"`
	TrustEmail       bool            `json:"trustEmail"`
	CallbackPath     string          `json:"callbackPath"`
	ConsoleURL       *string         `json:"consoleUrl"`
	Env              envJSON         `json:"env"`
	Configured       bool            `json:"configured"`
	Credentials      credentialsJSON `json:"credentials"`
}

// envJSON names the variables a provider reads (names, never values).
type envJSON struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	Issuer       string `json:"issuer"`
}

// credentialsJSON says whether the client id and secret are present, from
// authkit.yaml or the environment.
type credentialsJSON struct {
	ClientID     bool `json:"clientId"`
	ClientSecret bool `json:"clientSecret"`
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toJSON(e *entry, base authBase) providerJSON {
	p := e.P
	names := e.EnvNames()
	scopes := append([]string{}, p.Scopes...)
	return providerJSON{
		ID:               p.ID,
		Name:             p.Name,
		Type:             string(p.Kind),
		CatalogueID:      e.CatalogueID,
		Issuer:           orNull(p.Issuer),
		AuthorizationURL: orNull(p.AuthURL),
		TokenURL:         orNull(p.TokenURL),
		UserinfoURL:      orNull(p.UserInfoURL),
		Scopes:           scopes,
		Checks:           e.Checks(),
		TokenAuth:        e.TokenAuth(),
		ResponseMode:     e.ResponseMode(),
		TrustEmail:       p.TrustEmail,
		CallbackPath:     p.CallbackPath(base.Path),
		ConsoleURL:       orNull(p.ConsoleURL),
		Env:              envJSON{ClientID: names[0], ClientSecret: names[1], Issuer: names[2]},
		Configured:       e.Config != nil,
		Credentials:      credentialsJSON{ClientID: p.ClientID != "", ClientSecret: p.ClientSecret != ""},
	}
}

// ListOptions are the inputs of `authkit providers list`.
type ListOptions struct {
	// JSON prints a JSON array instead of a table.
	JSON bool
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	opts := &ListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the catalogue's providers and those configured in authkit.yaml",
		Long: `Lists every provider of the catalogue and, when an authkit.yaml is in force,
every provider it configures (under its configured id; one configured with a
catalogue id replaces that entry), sorted by id.

The table shows the id, the name, the type (oidc or oauth), whether the
provider's email addresses are trusted as verified (for the "verified"
linking policy), whether it is configured in authkit.yaml, whether its
credentials are present (from authkit.yaml or AUTH_<ID>_ID / AUTH_<ID>_SECRET;
never their values), its callback path and the console where the app and its
redirect URI are registered.

The callback path is <base path>/callback/<id>. The base path is that of
authkit.yaml's base_url followed by serve.base_path (default /auth); without
base_url, that of AUTH_URL (else NEXTAUTH_URL) when it has one; else
serve.base_path with an authkit.yaml, or /api/auth without.

With --json it is one JSON array of
  {id, name, type, catalogueId, issuer, authorizationUrl, tokenUrl,
   userinfoUrl, scopes, checks, tokenAuth, responseMode, trustEmail,
   callbackPath, consoleUrl, env: {clientId, clientSecret, issuer},
   configured, credentials: {clientId, clientSecret}}
where every field is always present. type is oidc or oauth; catalogueId is
the catalogue entry the provider is made from (its id, or for a configured
provider its type); issuer, the endpoint URLs and consoleUrl are null when
unknown (OpenID providers' endpoints come from discovery at sign-in); scopes
is an array, empty when the provider requests none; checks are the checks
authkit runs: always pkce and state, and nonce for OpenID Connect, whatever
the catalogue lists; tokenAuth is client_secret_basic or client_secret_post;
responseMode is query or form_post; env holds the NAMES of the variables
read; credentials holds booleans (present or not), never values.`,
		Example: `  authkit providers list
  authkit providers list --json | jq '.[] | select(.credentials.clientSecret) | .id'
  authkit providers list --config deploy/authkit.yaml`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runList(f, opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runList(f *cmdutil.Factory, opts *ListOptions) error {
	const action = "list providers"
	cfg, err := loadConfig(f)
	if err != nil {
		return err
	}
	entries, err := allEntries(f.Getenv, cfg, action)
	if err != nil {
		return err
	}
	base := resolveBase(f.Getenv, cfg)
	if opts.JSON {
		out := make([]providerJSON, 0, len(entries))
		for _, e := range entries {
			out = append(out, toJSON(e, base))
		}
		return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, out))
	}
	t := cmdutil.NewTable(f.IO.Out, "ID", "NAME", "TYPE", "EMAIL TRUSTED", "CONFIGURED", "CREDENTIALS", "CALLBACK PATH", "CONSOLE URL")
	for _, e := range entries {
		t.Row(e.P.ID, e.P.Name, string(e.P.Kind), yesNo(e.P.TrustEmail), yesNo(e.Config != nil),
			credentialsWord(e), e.P.CallbackPath(base.Path), e.P.ConsoleURL)
	}
	return cmdutil.OutputError(t.Flush())
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// credentialsWord says in one word which credentials are present.
func credentialsWord(e *entry) string {
	id, secret := e.P.ClientID != "", e.P.ClientSecret != ""
	switch {
	case id && secret:
		return "set"
	case id:
		return "id only"
	case secret:
		return "secret only"
	}
	return "missing"
}
