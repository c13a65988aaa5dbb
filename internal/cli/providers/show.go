package providers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	catalogue "github.com/authkit-dev/authkit/pkg/providers"
	"github.com/spf13/cobra"
)

// showJSON is the JSON shape of `providers show --json`: the provider of
// `providers list --json` plus the redirect URI to register, which of its
// variables are set, and what it lacks to sign in.
type showJSON struct {
	providerJSON
	RedirectURI string        `json:"redirectUri"`
	EnvSet      envSetJSON    `json:"envSet"`
	Ready       bool          `json:"ready"`
	Missing     *string       `json:"missing"`
	Problems    []problemJSON `json:"problems"`
}

// envSetJSON says which of the provider's variables are set (never their
// values).
type envSetJSON struct {
	ClientID     bool `json:"clientId"`
	ClientSecret bool `json:"clientSecret"`
	Issuer       bool `json:"issuer"`
}

// problemJSON is one thing the provider lacks: the field, the cause, the
// variable that fixes it (null when none does) and the fix (null when
// setting env is the fix).
type problemJSON struct {
	Field string  `json:"field"`
	Cause string  `json:"cause"`
	Env   *string `json:"env"`
	Fix   *string `json:"fix"`
}

// ShowOptions are the inputs of `authkit providers show`.
type ShowOptions struct {
	// ID is the provider id: configured in authkit.yaml, or the catalogue's.
	ID string
	// JSON prints a JSON object instead of text.
	JSON bool
}

func newCmdShow(f *cmdutil.Factory) *cobra.Command {
	opts := &ShowOptions{}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one provider in detail and what it still needs to sign in",
		Long: `Shows one provider: the one configured in authkit.yaml under that id, else the
catalogue's. It prints its endpoints, scopes, checks, token endpoint
authentication, response mode, whether its emails are trusted as verified,
the callback path, the redirect URI to register at its console, the
variables it reads (AUTH_<ID>_ID, AUTH_<ID>_SECRET, AUTH_<ID>_ISSUER) and
whether each is set, where its credentials come from, and what it still lacks
to sign in. Credentials are never printed, only whether they are set.

The checks are those authkit runs: always pkce and state, and nonce for
OpenID Connect, whatever the catalogue lists.

The redirect URI is the callback URL under the base URL in force:
authkit.yaml's base_url followed by serve.base_path; else AUTH_URL (else
NEXTAUTH_URL), followed by /api/auth when it has no path (serve.base_path with
an authkit.yaml); else http://localhost:3000/api/auth.

The generic providers need more than credentials: oidc an issuer
(AUTH_OIDC_ISSUER, or a providers entry with type: oidc and issuer:), oauth2
its endpoints (a providers entry with type: oauth2, authorization_url,
token_url and userinfo_url).

With --json it is one JSON object: the fields of ` + "`providers list --json`" + ` and
  redirectUri   the redirect URI to register
  envSet        {clientId, clientSecret, issuer}: whether each variable is set
  ready         true when nothing is missing to sign in
  missing       what is missing and how to fix it, in one line; null when ready
  problems      [{field, cause, env, fix}], empty when ready; env (the
                variable to set) and fix are null when they do not apply

An unknown id exits 3 and lists the known ones.`,
		Example: `  authkit providers show github
  authkit providers show google --json
  AUTH_OIDC_ISSUER=https://sso.example.com authkit providers show oidc`,
		Args: cmdutil.ExactArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return knownIDs(f), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			return runShow(f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runShow(f *cmdutil.Factory, opts *ShowOptions) error {
	action := "show provider " + cmdutil.Quote(opts.ID)
	cfg, err := loadConfig(f)
	if err != nil {
		return err
	}
	e, err := findEntry(f.Getenv, cfg, opts.ID, action)
	if err != nil {
		return err
	}
	base := resolveBase(f.Getenv, cfg)
	var problems []catalogue.Problem
	missing := ""
	if err := e.P.Clone().Validate(); err != nil {
		var ve *catalogue.ValidationError
		if errors.As(err, &ve) {
			problems = ve.Problems
		}
		missing = strings.TrimPrefix(err.Error(), "authkit: cannot use provider "+e.P.ID+": ")
	}
	redirect := base.Origin + e.P.CallbackPath(base.Path)
	if opts.JSON {
		out := showJSON{
			providerJSON: toJSON(e, base),
			RedirectURI:  redirect,
			EnvSet:       envSetJSON{ClientID: e.EnvSet[0], ClientSecret: e.EnvSet[1], Issuer: e.EnvSet[2]},
			Ready:        missing == "",
			Missing:      orNull(missing),
			Problems:     []problemJSON{},
		}
		for _, p := range problems {
			out.Problems = append(out.Problems, problemJSON{Field: p.Field, Cause: p.Cause, Env: orNull(p.Env), Fix: orNull(p.Fix)})
		}
		return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, out))
	}

	w := &cmdutil.ErrWriter{W: f.IO.Out}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	line := func(key, value string) {
		if value == "" {
			value = "-"
		}
		fmt.Fprintf(tw, "%s:\t%s\n", key, cmdutil.Safe(value))
	}
	p := e.P
	line("id", p.ID)
	line("name", p.Name)
	line("type", kindText(p.Kind))
	if e.Config != nil {
		line("catalogue entry", e.CatalogueID)
		line("configured", "yes, in "+e.ConfigPath+", line "+strconv.Itoa(e.Config.Line))
	} else {
		line("configured", "no (the catalogue's entry)")
	}
	line("issuer", issuerText(e))
	for _, u := range []struct{ key, val string }{
		{"authorization URL", p.AuthURL}, {"token URL", p.TokenURL}, {"userinfo URL", p.UserInfoURL},
	} {
		if u.val == "" && p.Kind == catalogue.OIDC {
			u.val = "from discovery"
			if p.Issuer != "" {
				u.val += " (" + strings.TrimRight(p.Issuer, "/") + "/.well-known/openid-configuration)"
			}
		}
		line(u.key, u.val)
	}
	scopes := strings.Join(p.Scopes, " ")
	if scopes == "" {
		scopes = "none"
	}
	line("scopes", scopes)
	line("checks", strings.Join(e.Checks(), ", ")+" (authkit always runs pkce and state, and nonce for OpenID Connect)")
	line("token auth", e.TokenAuth())
	mode := e.ResponseMode()
	if mode == "form_post" {
		mode += " (the provider POSTs the callback)"
	}
	line("response mode", mode)
	if p.TrustEmail {
		line("email trusted", "yes (the \"verified\" linking policy may link on its verified emails)")
	} else {
		line("email trusted", "no (the \"verified\" linking policy never links on its emails)")
	}
	line("callback path", p.CallbackPath(base.Path))
	line("redirect URI", redirect)
	line("base URL from", base.Source)
	line("console URL", p.ConsoleURL)
	names := e.EnvNames()
	line("client id", credentialText(p.ClientID != "", e.Config != nil && e.Config.ClientID != "", "client_id", e.ConfigPath, names[0]))
	secretFromFile := e.Config != nil && !e.Config.ClientSecret.IsZero()
	secretKey := "client_secret"
	if secretFromFile {
		secretKey = "client_secret (" + e.Config.ClientSecret.Source() + ")"
	}
	line("client secret", credentialText(p.ClientSecret != "", secretFromFile, secretKey, e.ConfigPath, names[1]))
	fileGives := [3]bool{e.Config != nil && e.Config.ClientID != "", secretFromFile, e.Config != nil && e.Config.Issuer != ""}
	fileKeys := [3]string{"client_id", "client_secret", "issuer"}
	for i, name := range names {
		v := "not set"
		if e.EnvSet[i] {
			v = "set"
			if fileGives[i] {
				v += ", unused: " + e.ConfigPath + " gives " + fileKeys[i]
			}
		}
		line("env "+name, v)
	}
	if missing == "" {
		line("missing", "nothing; try it with `authkit login --provider "+p.ID+"`")
	} else {
		line("missing", missing)
	}
	if e.Generic() && e.Config == nil {
		line("note", genericNote(e.CatalogueID))
	}
	if err := tw.Flush(); err != nil && w.Err == nil {
		w.Err = err
	}
	return cmdutil.OutputError(w.Err)
}

func kindText(k catalogue.Kind) string {
	switch k {
	case catalogue.OIDC:
		return "oidc (OpenID Connect)"
	case catalogue.OAuth2:
		return "oauth (OAuth 2.0)"
	}
	return string(k)
}

// issuerText is the issuer and, for an OpenID provider without one, what
// sets it.
func issuerText(e *entry) string {
	if e.P.Issuer != "" {
		return e.P.Issuer
	}
	if e.P.Kind == catalogue.OIDC {
		return "none yet; set " + e.EnvNames()[2]
	}
	return ""
}

// credentialText says whether a credential is present and where it comes
// from, never its value.
func credentialText(present, fromFile bool, key, file, env string) string {
	switch {
	case fromFile:
		return "set, from " + key + " in " + file
	case present:
		return "set, from " + env
	}
	return "not set; set " + env
}

func genericNote(id string) string {
	if id == "oidc" {
		return "oidc is the generic OpenID Connect provider: it needs an issuer (AUTH_OIDC_ISSUER), or a providers entry in authkit.yaml with type: oidc and issuer: under an id of your own"
	}
	return "oauth2 is the generic OAuth 2.0 provider: it needs its endpoints, in a providers entry in authkit.yaml with type: oauth2, authorization_url, token_url and userinfo_url"
}
