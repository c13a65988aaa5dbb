package dev

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/spf13/cobra"
)

// IdpOptions are the inputs of `authkit dev idp`.
type IdpOptions struct {
	Shape           string
	Port            int
	Users           []string
	UsersFile       string
	LoginPage       bool
	ClientID        string
	ClientSecretEnv string
	Fail            []string
	TokenDelay      time.Duration
	RedirectURIs    []string
	ProviderID      string
	SigningAlg      string
	JSON            bool
}

// DefaultPort is where the dev identity provider listens by default, so
// that the issuer an app is configured with stays the same across runs.
const DefaultPort = 9400

const idpAction = "start the dev identity provider"

func newCmdIdp(f *cmdutil.Factory) *cobra.Command {
	opts := &IdpOptions{}
	cmd := &cobra.Command{
		Use:   "idp",
		Short: "Run a local OAuth 2 / OpenID Connect identity provider for development and tests",
		Long: `Runs a local identity provider on 127.0.0.1 until Ctrl-C (or SIGTERM), for
working offline and for testing sign-in flows: OpenID discovery, JWKS,
authorize, token (authorization_code with PKCE S256, refresh_token with
rotation), userinfo and end-session.

--shape imitates a real provider's endpoints and JSON, so that its mapping
code runs unchanged:
  oidc     a generic OpenID provider (the default)
  google   OpenID with Google's claims (given_name, family_name, hd)
  github   GitHub's OAuth 2: /login/oauth/authorize, /login/oauth/access_token,
           /user and /user/emails (also under /api/v3, as GitHub Enterprise)
  discord  Discord's OAuth 2: /api/oauth2/authorize, /api/oauth2/token,
           /api/users/@me

It approves at once, as the first user or the one named by login_hint (an
email, id or login), or with --login-page shows a page with one button per
user. Users come from --user EMAIL[:NAME] (repeatable) and --users FILE (a
JSON array of {"email", "name", "email_verified", "id", "login", "avatar",
"private_email", "hd"}); the default is dev@example.com, "Dev User".

Any client id and secret are accepted unless --client-id and
--client-secret-env pin them. Redirect URIs on 127.0.0.1, [::1] or localhost
(any port) are accepted, and those given with --redirect-uri; any other is
refused with an error page, never a redirect.

--fail NAME (repeatable, or comma-separated) turns on a failure mode:
` + failureHelp() + `
It prints what to configure on stdout, one fact a line, and the environment
variables an app would set (AUTH_<ID>_ID, AUTH_<ID>_SECRET, AUTH_<ID>_ISSUER;
for github and discord the ISSUER value is the base URL); with --json, one
JSON object on one line:
  {url, issuer, shape, providerId, endpoints, client: {id, secretEnv,
   anyAccepted}, loginPage, users: [{id, email, name, login, emailVerified}],
   failures, env}
Each request is logged on stderr, one line each, without codes, tokens,
state or secrets. A port in use is exit 1: --port 0 picks a free one.`,
		Example: `  authkit dev idp
  authkit dev idp --shape github --user ada@example.com:Ada --user bob@example.com
  authkit dev idp --port 0 --json --fail wrong_iss
  AUTH_DEV_SECRET=s3cret authkit dev idp --client-id app --client-secret-env AUTH_DEV_SECRET --login-page`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIdp(cmd, f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Shape, "shape", "oidc", "the provider to imitate: oidc, google, github or discord")
	fl.IntVar(&opts.Port, "port", DefaultPort, "the `port` on 127.0.0.1 (0 picks a free one)")
	fl.StringArrayVar(&opts.Users, "user", nil, "a user, as `EMAIL[:NAME]` (repeatable; the first is the default)")
	fl.StringVar(&opts.UsersFile, "users", "", "read users from this JSON `file` (an array of {email, name, ...})")
	fl.BoolVar(&opts.LoginPage, "login-page", false, "show a login page listing the users instead of approving at once")
	fl.StringVar(&opts.ClientID, "client-id", "", "accept only this client `id` (default: any)")
	fl.StringVar(&opts.ClientSecretEnv, "client-secret-env", "", "accept only the client secret held by this environment `variable` (default: any)")
	fl.StringArrayVar(&opts.Fail, "fail", nil, "turn on a failure `mode` (repeatable, or comma-separated; see above)")
	fl.DurationVar(&opts.TokenDelay, "token-delay", 10*time.Second, "how long the token endpoint waits under --fail slow_token")
	fl.StringArrayVar(&opts.RedirectURIs, "redirect-uri", nil, "also accept this exact redirect `URI` (repeatable)")
	fl.StringVar(&opts.ProviderID, "provider-id", "", "the provider `id` the printed AUTH_<ID>_* variables are named after (default: the shape)")
	fl.StringVar(&opts.SigningAlg, "signing-alg", "RS256", "sign ID tokens with RS256 or ES256")
	fl.BoolVar(&opts.JSON, "json", false, "print the facts as one JSON object on one line")
	return cmd
}

// failureHelp lists the failure modes for the command's help.
func failureHelp() string {
	var b strings.Builder
	for _, f := range devidp.Failures() {
		oidc := ""
		if f.NeedsIDToken() {
			oidc = " (oidc, google)"
		}
		fmt.Fprintf(&b, "  %-22s %s%s\n", f, f.Describe(), oidc)
	}
	return b.String()
}

var providerIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// idpConfig turns the flags into the provider's options.
func idpConfig(cmd *cobra.Command, f *cmdutil.Factory, o *IdpOptions) (devidp.Options, error) {
	usage := func(err error) error { return cmdutil.UsageOf(cmd, err) }
	shape, err := devidp.ParseShape(o.Shape)
	if err != nil {
		return devidp.Options{}, usage(err)
	}
	if o.Port < 0 || o.Port > 65535 {
		return devidp.Options{}, usage(fmt.Errorf("--port %d is not a port (0 to 65535; 0 picks a free one)", o.Port))
	}
	if o.ProviderID != "" && !providerIDRE.MatchString(o.ProviderID) {
		return devidp.Options{}, usage(fmt.Errorf("--provider-id %s is not a provider id (lower-case letters, digits, - and _)", cmdutil.Quote(o.ProviderID)))
	}
	if o.SigningAlg != "RS256" && o.SigningAlg != "ES256" {
		return devidp.Options{}, usage(fmt.Errorf("--signing-alg %s is not RS256 or ES256", cmdutil.Quote(o.SigningAlg)))
	}
	if o.TokenDelay < 0 {
		return devidp.Options{}, usage(errors.New("--token-delay is negative"))
	}
	opts := devidp.Options{Shape: shape, ClientID: o.ClientID, LoginPage: o.LoginPage, TokenDelay: o.TokenDelay,
		RedirectURIs: o.RedirectURIs, SigningAlg: o.SigningAlg, Now: f.Now}
	for _, list := range o.Fail {
		for _, name := range strings.Split(list, ",") {
			failure, err := devidp.ParseFailure(name)
			if err != nil {
				return devidp.Options{}, usage(fmt.Errorf("--fail: %w", err))
			}
			opts.Failures = append(opts.Failures, failure)
		}
	}
	if o.UsersFile != "" {
		users, err := readUsersFile(o.UsersFile)
		if err != nil {
			return devidp.Options{}, err
		}
		opts.Users = users
	}
	for _, s := range o.Users {
		u, err := devidp.ParseUser(s)
		if err != nil {
			return devidp.Options{}, usage(err)
		}
		opts.Users = append(opts.Users, u)
	}
	if o.ClientSecretEnv != "" {
		opts.ClientSecret = f.Getenv(o.ClientSecretEnv)
		if opts.ClientSecret == "" {
			return devidp.Options{}, cmdutil.Fail(idpAction, fmt.Errorf("the environment variable %s (--client-secret-env) is not set or empty", o.ClientSecretEnv),
				fmt.Sprintf("export %s=<the client secret>, or drop --client-secret-env to accept any secret", o.ClientSecretEnv))
		}
	}
	return opts, nil
}

// readUsersFile reads --users: unreadable is exit 1, malformed exit 2.
func readUsersFile(path string) ([]devidp.User, error) {
	action := "read the users file " + cmdutil.Quote(path)
	file, err := os.Open(path)
	if err != nil {
		return nil, cmdutil.Fail(action, err, "check the path given with --users")
	}
	defer file.Close()
	users, err := devidp.ReadUsers(file)
	if err != nil {
		return nil, cmdutil.Usage(action, `write a JSON array such as [{"email": "ada@example.com", "name": "Ada"}]`, "%v", err)
	}
	return users, nil
}

func runIdp(cmd *cobra.Command, f *cmdutil.Factory, o *IdpOptions) error {
	opts, err := idpConfig(cmd, f, o)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(f.IO.ErrOut, nil))
	opts.Logger = logger
	srv, err := devidp.New(opts)
	if err != nil {
		return cmdutil.UsageOf(cmd, err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(o.Port)
	if err := srv.Start(addr); err != nil {
		fix := "check --port"
		if errors.Is(err, devidp.ErrAddrInUse) {
			fix = "stop what listens there, choose another --port, or pass --port 0 to pick a free one"
		}
		return cmdutil.Fail(idpAction, err, fix)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	report := newIdpReport(srv, o, opts)
	var printErr error
	if o.JSON {
		printErr = report.printJSON(f.IO.Out)
	} else {
		printErr = report.printText(f.IO.Out)
	}
	if printErr == nil {
		logger.Info("listening; press Ctrl-C to stop", "url", srv.URL(), "shape", string(srv.Shape()))
		<-ctx.Done()
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		logger.Warn("stopped without waiting for every request", "error", err.Error())
	} else if printErr == nil {
		logger.Info("stopped")
	}
	return cmdutil.OutputError(printErr)
}
