// Package cli is the authkit command line: the root command, its global
// flags and the wiring of every command group.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/authkit-dev/authkit/internal/build"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/cli/dbcmd"
	"github.com/authkit-dev/authkit/internal/cli/dev"
	"github.com/authkit-dev/authkit/internal/cli/doctor"
	"github.com/authkit-dev/authkit/internal/cli/events"
	"github.com/authkit-dev/authkit/internal/cli/initcmd"
	"github.com/authkit-dev/authkit/internal/cli/login"
	"github.com/authkit-dev/authkit/internal/cli/providers"
	"github.com/authkit-dev/authkit/internal/cli/secret"
	"github.com/authkit-dev/authkit/internal/cli/serve"
	"github.com/authkit-dev/authkit/internal/cli/session"
	"github.com/authkit-dev/authkit/internal/cli/sessions"
	"github.com/authkit-dev/authkit/internal/cli/siwe"
	"github.com/authkit-dev/authkit/internal/cli/users"
	"github.com/spf13/cobra"
)

// NewRootCmd builds the authkit command tree over f.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "authkit",
		Short: "Auth.js-compatible authentication for Go, and the tools to run it",
		Long: `authkit brings the Auth.js workflow (providers, sessions, callbacks, adapters) to Go,
and administers users, linked accounts and sessions in SQLite or Postgres,
including databases that Auth.js adapters wrote.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	pf := root.PersistentFlags()
	pf.StringVar(&f.DatabaseURL, "database-url", "", "database URL: postgres://... or sqlite:PATH (env AUTHKIT_DATABASE_URL, DATABASE_URL; default sqlite:authkit.db)")
	pf.StringVar(&f.ConfigPath, "config", "", "authkit.yaml to use (env AUTHKIT_CONFIG; default ./authkit.yaml when present)")
	pf.StringVar(&f.Schema, "schema", "", "schema profile: authkit, authjs-prisma, authjs-pg or authjs-drizzle (default: detected)")
	root.SetFlagErrorFunc(cmdutil.FlagError)
	cmdutil.Group(root)
	root.AddCommand(newVersionCmd(f), dbcmd.NewCmdDB(f), users.NewCmdUsers(f), sessions.NewCmdSessions(f), events.NewCmdEvents(f), session.NewCmdSession(f), secret.NewCmdSecret(f))
	root.AddCommand(dev.NewCmdDev(f), login.NewCmdLogin(f), serve.NewCmdServe(f))
	root.AddCommand(providers.NewCmdProviders(f))
	root.AddCommand(siwe.NewCmdSIWE(f))
	root.AddCommand(initcmd.NewCmdInit(f), doctor.NewCmdDoctor(f))
	adoptCompletion(root)
	return root
}

// adoptCompletion adds cobra's `completion` command now (cobra would add it
// when the root runs) and gives it authkit's argument rules: an unknown
// shell or an extra argument is a usage error (exit 2), like everywhere
// else.
func adoptCompletion(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		cmdutil.Group(c)
		for _, shell := range c.Commands() {
			shell.Args = cmdutil.Args(shell.Args)
		}
	}
}

func newVersionCmd(f *cmdutil.Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the authkit version and commit",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, c, d := build.Info()
			if asJSON {
				return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, map[string]string{"version": v, "commit": c, "date": d}))
			}
			line := "authkit " + v
			if c != "" {
				line += " (" + c
				if d != "" {
					line += ", " + d
				}
				line += ")"
			}
			_, err := fmt.Fprintln(f.IO.Out, line)
			return cmdutil.OutputError(err)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// Main runs authkit with the process's arguments and returns the exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	f := cmdutil.NewFactory()
	return Run(ctx, f, os.Args[1:])
}

// Run executes authkit with args over f and returns the exit code. Errors
// are printed on f.IO.ErrOut in the authkit style.
//
// Usage errors (exit 2) are the *cmdutil.Error values that flag parsing
// (the root's FlagErrorFunc), argument validation (cmdutil.Args) and
// command groups (cmdutil.Group) return. Any other error that reaches here
// without the authkit style is a runtime failure: it is wrapped as one and
// its exit code derived from its cause by cmdutil.ExitCode (1 unless it is
// a cancellation, a missing record, ...), never made a usage error.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	root := NewRootCmd(f)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	var ce *cmdutil.Error
	if !errors.As(err, &ce) {
		cmd, _, _ := root.Find(args)
		if cmd == nil {
			cmd = root
		}
		err = &cmdutil.Error{Action: "run " + cmd.CommandPath(), Err: err}
	}
	fmt.Fprintln(f.IO.ErrOut, err.Error())
	return cmdutil.ExitCode(err)
}
