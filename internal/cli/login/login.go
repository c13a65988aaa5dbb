// Package login is `authkit login`: a real provider sign-in from the
// terminal, through the flow engine an app uses, with a loopback callback
// server, and a report of what the app would store.
package login

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/authkit-dev/authkit/pkg/config"
	"net/url"
	"strconv"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/session"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/spf13/cobra"
)

// Options are the flags of `authkit login`.
type Options struct {
	Provider        string
	ClientID        string
	ClientSecretEnv string
	Issuer          string
	Scopes          []string
	Port            int
	NoBrowser       bool
	Timeout         time.Duration
	Save            bool
	Reveal          bool
	JSON            bool
	Linking         string
	Session         string
	BaseURL         string
}

func action(o *Options) string {
	if o.Provider == "" {
		return "sign in"
	}
	return "sign in with " + o.Provider
}

// NewCmdLogin builds `authkit login`.
func NewCmdLogin(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "login --provider ID",
		Short: "Sign in with a real provider from the terminal and show what the app would store",
		Long: `Runs a provider sign-in through the same engine an app uses: authkit opens the
provider's authorization page in your browser, receives the callback on a
loopback server on 127.0.0.1, exchanges the code, verifies the ID token,
reads the profile, applies the linking policy and builds the session.

The report shows the tokens (redacted unless --reveal), the ID token claims,
the raw profile, the normalised user, what linking decided, and the session
the app would set. Nothing is written unless --save.

Credentials come from AUTH_<ID>_ID / AUTH_<ID>_SECRET / AUTH_<ID>_ISSUER as
Auth.js names them, or --client-id and --client-secret-env NAME. The redirect
URI is http://localhost:<port>/api/auth/callback/<id>: the port of AUTH_URL
when it is a local http URL, --port, or a free one. Register it at the
provider's console.`,
		Example: `  AUTH_GITHUB_ID=... AUTH_GITHUB_SECRET=... authkit login --provider github
  authkit login --provider oidc --issuer https://idp.example.com --client-id app --client-secret-env IDP_SECRET
  authkit login --provider google --no-browser --json > report.json
  authkit login --provider github --save    # also write the user, account and session`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return run(cmd.Context(), f, o) },
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Provider, "provider", "", "provider id from the catalogue (github, google, ...), or any id with --issuer")
	fl.StringVar(&o.ClientID, "client-id", "", "client id (default AUTH_<ID>_ID)")
	fl.StringVar(&o.ClientSecretEnv, "client-secret-env", "", "name of the variable holding the client secret (default AUTH_<ID>_SECRET)")
	fl.StringVar(&o.Issuer, "issuer", "", "OpenID issuer URL (default AUTH_<ID>_ISSUER or the catalogue's)")
	fl.StringSliceVar(&o.Scopes, "scope", nil, "scopes to request instead of the provider's defaults (repeatable or comma-separated)")
	fl.IntVar(&o.Port, "port", 0, "loopback port of the callback server (default: AUTH_URL's port, else a free one)")
	fl.BoolVar(&o.NoBrowser, "no-browser", false, "print the authorization URL on stderr instead of opening a browser")
	fl.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "how long to wait for the provider to call back")
	fl.BoolVar(&o.Save, "save", false, "write the user, account and session through the linking policy")
	fl.BoolVar(&o.Reveal, "reveal", false, "print tokens in full (they are credentials)")
	fl.BoolVar(&o.JSON, "json", false, "print the report as JSON on stdout")
	fl.StringVar(&o.BaseURL, "base-url", "", "server URL of a self-hosted GitHub Enterprise or GitLab")
	fl.StringVar(&o.Linking, "linking", "", "linking policy for an email that another user has: never, verified or always (default: authkit.yaml's, else never)")
	fl.StringVar(&o.Session, "session", "", "session strategy: jwt or database (default: database with a migrated store, else jwt)")
	return cmd
}

func run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	if o.Provider == "" {
		return cmdutil.Usage(action(o), "pass --provider github (or another id: "+idList()+")", "no provider given")
	}
	switch o.Linking {
	case "", "never", "verified", "always":
	default:
		return cmdutil.Usage(action(o), "use --linking never, verified or always", "unknown linking policy %q", o.Linking)
	}
	switch o.Session {
	case "", "jwt", "database":
	default:
		return cmdutil.Usage(action(o), "use --session jwt or database", "unknown session strategy %q", o.Session)
	}
	if o.Timeout <= 0 {
		return cmdutil.Usage(action(o), "pass a positive --timeout such as 5m", "--timeout must be positive")
	}
	cfg, _, err := f.LoadConfig()
	if err != nil {
		return cmdutil.Fail("load authkit.yaml", trimCannot(err), "fix the file, or pass --config with another one")
	}
	applyConfig(f, o, cfg)
	p, err := resolveProvider(f, o, cfg)
	if err != nil {
		return err
	}
	base, port, err := callbackBase(f, o, cfg)
	if err != nil {
		return err
	}
	path := base.Path + "/callback/" + url.PathEscape(p.ID)
	srv, err := listenLoopback(port, path)
	if err != nil {
		if errors.Is(err, errPortInUse) {
			return cmdutil.Fail(action(o), fmt.Errorf("the callback port 127.0.0.1:%d is in use (is the app itself running?)", port),
				"stop what listens there, or pass --port N and register http://localhost:N"+path+" at the provider")
		}
		return cmdutil.Fail(action(o), err, "")
	}
	defer srv.close()
	base.Host = "localhost:" + strconv.Itoa(srv.port())

	st, storeNote, err := openStore(ctx, f, o)
	if err != nil {
		return err
	}
	if st != nil {
		defer st.Close()
	}
	eng, err := newEngine(f, o, p, base, st, cfg)
	if err != nil {
		return cmdutil.Fail(action(o), trimCannot(err), "")
	}
	prog := newProgress(f)
	ctx = prog.start(ctx, cmp.Or(p.Name, p.ID))
	defer prog.stop()
	start, err := eng.BeginSignIn(ctx, p.ID, flow.BeginOptions{})
	if err != nil {
		return prog.fail(loginError(o, p, err))
	}
	prog.redirect(start.RedirectURI, consoleOf(p))
	if o.NoBrowser {
		prog.showURL(start.URL, nil)
	} else if err := open(f, start.URL); err != nil {
		prog.showURL(start.URL, err)
	}
	prog.waiting(o.Timeout)

	wctx, cancel := context.WithTimeoutCause(ctx, o.Timeout, errTimeout)
	cb, err := srv.wait(wctx)
	cancel()
	if err != nil {
		if errors.Is(err, errTimeout) {
			return prog.fail(&cmdutil.Error{Action: action(o), Code: cmdutil.ExitCredential,
				Err: fmt.Errorf("no callback within %s", o.Timeout),
				Fix: "if the provider showed an error about the redirect URI, register exactly " + start.RedirectURI + " at " + consoleOf(p) + "; --timeout waits longer"})
		}
		return prog.fail(cmdutil.Fail(action(o), err, ""))
	}
	srv.close()

	res, err := eng.HandleCallback(ctx, flow.CallbackRequest{ProviderID: p.ID, Params: cb.params, Cookies: start.Cookies, DryRun: !o.Save, OnStep: prog.step})
	if err != nil {
		return prog.fail(loginError(o, p, err, start.RedirectURI))
	}
	prog.done()
	prog.stop()
	rep := buildReport(o, p, start.RedirectURI, res, storeNote)
	if len(session.SecretsFromEnv(f.Getenv)) == 0 {
		rep.Notes = append(rep.Notes, "AUTH_SECRET is not set: the session above is sealed with a throwaway secret and is not valid in the app")
	}
	if o.JSON {
		return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, rep))
	}
	return cmdutil.OutputError(printReport(f.IO.Out, rep))
}

var errTimeout = errors.New("timed out")

func open(f *cmdutil.Factory, url string) error {
	if f.OpenBrowser != nil {
		return f.OpenBrowser(url)
	}
	return openBrowser(f.Getenv, url, f.IO.ErrTTY)
}

func idList() string {
	ids := providers.IDs()
	if len(ids) > 6 {
		ids = append(ids[:6:6], "...")
	}
	return fmt.Sprint(ids)
}

func consoleOf(p *providers.Provider) string {
	if p.ConsoleURL != "" {
		return p.ConsoleURL
	}
	return "the provider's console"
}

// openStore opens the database when there is one to read: with --save it
// must work; without, a missing or unmigrated database only means the
// report cannot say how linking would go.
func openStore(ctx context.Context, f *cmdutil.Factory, o *Options) (*sqlstore.Store, string, error) {
	st, err := f.OpenStore(ctx, sqlstore.Options{})
	if err == nil {
		return st, "", nil
	}
	if o.Save {
		return nil, "", cmdutil.FailStore(action(o), err, "run authkit db migrate, or drop --save")
	}
	return nil, "no database to compare with (" + firstLine(err.Error()) + "); linking shows a new user without a store", nil
}

func firstLine(s string) string {
	for i := range len(s) {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// applyConfig takes from authkit.yaml what the flags leave open: the
// linking policy and the session strategy (the database comes through
// Factory.DatabaseSource).
func applyConfig(f *cmdutil.Factory, o *Options, cfg *config.Config) {
	if o.Linking == "" {
		o.Linking = "never"
		if cfg != nil && cfg.Linking != "" {
			o.Linking = string(cfg.Linking)
		}
	}
	if o.Session == "" && cfg != nil {
		o.Session = string(cfg.Session.Strategy)
	}
}

func newEngine(f *cmdutil.Factory, o *Options, p *providers.Provider, base *url.URL, st *sqlstore.Store, cfg *config.Config) (*flow.Engine, error) {
	secrets := session.Values(session.SecretsFromEnv(f.Getenv))
	if cfg != nil && len(cfg.SecretValues()) > 0 {
		secrets = cfg.SecretValues()
	}
	if len(secrets) == 0 {
		secrets = []string{ephemeralSecret()}
	}
	fc := flow.Config{Providers: []*providers.Provider{p}, Secrets: secrets, BaseURL: base.String(),
		Linking: flow.LinkingPolicy(o.Linking), Strategy: flow.Strategy(o.Session), Now: f.Now}
	if st != nil {
		fc.Store = st
	}
	return flow.New(fc)
}

// loginError maps an engine error to exit 4 (a failed sign-in) or 1 (a
// setup problem), with the fix.
func loginError(o *Options, p *providers.Provider, err error, redirect ...string) error {
	code := flow.CodeOf(err)
	exit := cmdutil.ExitCredential
	fix := ""
	switch code {
	case flow.Configuration, flow.InvalidProvider, flow.AdapterError:
		exit = cmdutil.ExitError
	case flow.OAuthAccountNotLinked:
		fix = "sign in with the provider already linked, or choose a linking policy with --linking verified|always"
	case flow.OAuthCallbackError:
		if errors.Is(err, flow.ErrProviderError) && len(redirect) > 0 {
			fix = "if the provider refused the redirect URI, register exactly " + redirect[0] + " at " + consoleOf(p)
		}
	}
	if code == "" {
		exit = cmdutil.ExitError
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, cmdutil.ErrCancelled) {
		exit = cmdutil.ExitCancelled
	}
	if errors.Is(err, store.ErrNotMigrated) {
		fix = "run authkit db migrate"
	}
	return &cmdutil.Error{Action: action(o), Err: err, Fix: fix, Code: exit}
}
