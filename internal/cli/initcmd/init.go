// Package initcmd is `authkit init`: it scaffolds a working auth setup.
package initcmd

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/tui/initwizard"
	"github.com/spf13/cobra"
)

// action is the object of every error of the command.
const action = "scaffold the project"

// Options are the inputs of `authkit init`.
type Options struct {
	// The choices (flags): a template, provider ids, a session strategy,
	// a database, a linking policy and the app's base URL. Session and
	// Database are empty when not given (the defaults depend on the
	// template and on each other).
	Template  string
	Providers []string
	Session   string
	Database  string
	Linking   string
	BaseURL   string
	// Dir is where the files go (created when missing).
	Dir string
	// Force overwrites files that differ without asking.
	Force bool
	// Yes takes the choices from the flags, without the wizard.
	Yes bool
	// JSON prints the summary as JSON.
	JSON bool
}

// runWizard asks for the choices on a terminal: the interactive path of
// authkit init (internal/tui/initwizard). It gets what to offer and the
// defaults (the flags' values), renders on out, reads keys from in, and
// returns the answers, which the command then checks like flags; an error
// wrapping cmdutil.ErrCancelled or context.Canceled is a cancellation.
// Nil when the wizard is not connected: init then asks for --yes.
var runWizard = func(ctx context.Context, in io.Reader, out io.Writer, cat initwizard.Catalogue, defaults initwizard.Answers) (initwizard.Answers, error) {
	a, err := initwizard.Run(ctx, in, out, cat, defaults, func(a initwizard.Answers) error {
		_, err := checkTemplateBaseURL(a.Template, a.BaseURL)
		return err
	})
	if errors.Is(err, initwizard.ErrCancelled) {
		return a, fmt.Errorf("%w: %w", cmdutil.ErrCancelled, err)
	}
	return a, err
}

// NewCmdInit builds `authkit init`.
func NewCmdInit(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Scaffold a working auth setup (a Go app or a Next.js Auth.js app)",
		Long: `Writes a working auth setup into --dir: authkit.yaml, an environment file
with a fresh AUTH_SECRET and an empty AUTH_<ID>_ID / AUTH_<ID>_SECRET per
provider (.env for Go, .env.local for Next.js, which also gets AUTH_URL, and
AUTH_TRUST_HOST=true for a base URL that is not this machine; mode 0600),
the .gitignore lines that keep it out of git, and the template's files:

  go      a runnable net/http app: main.go mounts the Auth.js routes under
          /auth (pkg/flow), protects /dashboard with RequireSession and keeps
          users in SQLite (created and migrated at start) or Postgres
          (authkit db migrate first); go.mod, env.go, pages.html, README.md.
  nextjs  Auth.js v5 files under /api/auth, sharing the secret, the routes
          and (with database sessions) the database with the authkit tools;
          README.md. (next-env.d.ts is left to Next.js, which writes it.)

On a terminal it asks for the choices in a form (the flags given are its
defaults). Without a terminal, or with --yes, the flags are the choices:

  --template    go (default) or nextjs
  --providers   catalogue ids, comma-separated (default github; see
                authkit providers list; oauth2 needs endpoints: add it to
                authkit.yaml by hand)
  --session     database (default for go, and for nextjs with --db) or jwt
                (default for nextjs: the Next.js app then keeps no database)
  --db          sqlite (default) or postgres
  --linking     never (default, as Auth.js), verified or always
  --base-url    the app's absolute http(s) URL, without query or fragment
                (default http://localhost:3000; nextjs: no path)

Nothing is written until every check passed: bad or conflicting flags
(exit 2), a target that is not a writable directory, an existing
authkit.yaml that does not load, or a file that exists with other content
(exit 1). Such a file is only replaced after a yes on the terminal, or with
--force. Files with the same content are left alone, so a second run with
the same choices changes nothing. The environment file and .gitignore are
only ever added to: an existing AUTH_SECRET is never replaced, and missing
variables and lines are appended; an environment file that others can read
is made 0600 when init writes a new AUTH_SECRET into it.

Secrets are written to the environment file only: never to authkit.yaml,
never to the output. stdout lists the files (with --json:
{dir, template, files: [{path, status}], callbackUrls, next}, status being
created, unchanged, updated or overwritten); stderr gives the next steps:
the callback URL to register at each provider's console, and the commands
to run.`,
		Example: `  authkit init
  authkit init --yes --dir myapp --providers github,google
  authkit init --yes --template nextjs --db postgres --providers github
  authkit init --yes --session jwt --base-url https://app.example.com --json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInit(cmd.Context(), f, opts, cmd.Flags().Changed)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Template, "template", "go", "project template: go or nextjs")
	fl.StringSliceVar(&opts.Providers, "providers", []string{"github"}, "provider `ids` from the catalogue, comma-separated")
	fl.StringVar(&opts.Session, "session", "", "session strategy: database or jwt (default database for go, jwt for nextjs without --db)")
	fl.StringVar(&opts.Database, "db", "", "database: sqlite or postgres (default sqlite)")
	fl.StringVar(&opts.Linking, "linking", "never", "linking policy for a known email: never, verified or always")
	fl.StringVar(&opts.BaseURL, "base-url", defaultBaseURL, "the app's public `URL`")
	fl.StringVar(&opts.Dir, "dir", ".", "`directory` to write into (created when missing)")
	fl.BoolVar(&opts.Force, "force", false, "overwrite files that differ without asking")
	fl.BoolVar(&opts.Yes, "yes", false, "take the choices from the flags: no form, no question (files that differ need --force)")
	fl.BoolVar(&opts.JSON, "json", false, "print the summary as JSON")
	return cmd
}

const defaultBaseURL = "http://localhost:3000"

func runInit(ctx context.Context, f *cmdutil.Factory, opts *Options, changed func(string) bool) error {
	if err := cmdutil.CheckText(action, "--dir", opts.Dir, "--base-url", opts.BaseURL); err != nil {
		return err
	}
	if opts.Dir == "" {
		return cmdutil.Usage(action, "pass --dir with a directory, or leave it out for the current one", "--dir is empty")
	}
	in := choicesFromFlags(opts, changed)
	// Flags are checked first, wizard or not: a bad flag is a usage error
	// before any question.
	ch, err := check(in)
	if err != nil {
		return err
	}
	if f.IO.InTTY && f.IO.ErrTTY && !opts.Yes {
		if runWizard == nil {
			return cmdutil.Usage(action, "pass --yes with the choices as flags (see authkit init --help)",
				"the interactive form is not available in this build")
		}
		answers, err := runWizard(ctx, f.IO.In, f.IO.ErrOut, catalogue(in), ch.answers())
		if errors.Is(err, cmdutil.ErrCancelled) || errors.Is(err, context.Canceled) {
			return &cmdutil.Error{Action: action, Err: cmdutil.ErrCancelled, Code: cmdutil.ExitCancelled}
		}
		if err != nil {
			return cmdutil.Fail(action, fmt.Errorf("the form: %w", err), "pass --yes with the choices as flags")
		}
		// The form shows only valid choices, and asks for a database only
		// when the answers keep one: a database it asked for is meant.
		in = choices{Template: answers.Template, Providers: answers.Providers, Session: answers.Session,
			Database: answers.Database, Linking: answers.Linking, BaseURL: answers.BaseURL}
		if ch, err = check(in); err != nil {
			return err
		}
	}
	p, err := makePlan(f, opts, ch)
	if err != nil {
		return err
	}
	if err := p.confirm(ctx, f, opts); err != nil {
		return err
	}
	if err := p.write(); err != nil {
		return err
	}
	return report(f, opts, p)
}
