// Package doctor is `authkit doctor`: it checks a setup and says what to fix.
//
// Every check has a stable name, a status (ok, warn, fail or skipped), a
// message saying what was found, and for warn and fail the fix. A failed
// check makes the command exit 1; a warning does not. Nothing a check
// prints holds a secret's value: secrets are named by where they come
// from (AUTH_SECRET, file:/run/secrets/auth), database and SMTP URLs are
// shown with their passwords replaced.
package doctor

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// Status is the outcome of one check.
type Status string

// The statuses. Only StatusFail makes the command fail.
const (
	StatusOK      Status = "ok"
	StatusWarn    Status = "warn"
	StatusFail    Status = "fail"
	StatusSkipped Status = "skipped"
)

// Check is one check's outcome, as --json prints it.
type Check struct {
	// Name is stable: config, secret, base_url, redirects,
	// provider:<id>, discovery:<id>, database, cookies, session, email,
	// siwe (and providers when none is configured).
	Name string `json:"name"`
	// Status is ok, warn, fail or skipped.
	Status Status `json:"status"`
	// Message says what was found (for skipped: why it was not checked).
	Message string `json:"message"`
	// Fix says what to do; empty for ok. Several lines are joined by
	// newlines.
	Fix string `json:"fix"`
}

// Report is every check, in a stable order.
type Report struct {
	// OK is true when no check failed.
	OK     bool    `json:"ok"`
	Checks []Check `json:"checks"`
}

// DefaultTimeout bounds each network check: a discovery request and the
// SMTP dial of --online; the database check takes at least this long.
const DefaultTimeout = 5 * time.Second

// Options are the flags of `authkit doctor`.
type Options struct {
	// JSON prints the report as JSON.
	JSON bool
	// Online makes unreachable services failures instead of skipped
	// checks, and dials the SMTP server.
	Online bool
	// Timeout bounds each network check; DefaultTimeout when zero.
	Timeout time.Duration
}

const action = "confirm the setup"

// NewCmdDoctor builds `authkit doctor`.
func NewCmdDoctor(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check a setup and say what to fix",
		Long: `Checks the setup in force (authkit.yaml, the environment, the database) and
says what to fix:

  config           authkit.yaml is found and valid
  secret           a secret is set and long enough (32 bytes or more);
                   secret files are not readable by others
  base_url         the public URL is set, and https unless on localhost
  redirects        the redirect URI of each provider, to register at its console
  provider:<id>    the provider's client id and secret (and issuer) are set
  discovery:<id>   an OpenID provider's discovery document is reachable and
                   names its issuer exactly
  database         the database answers and is migrated (or is an Auth.js one)
  cookies          Secure cookies with the __Secure- prefix on https
  session          a typical session token fits in one cookie
  email, siwe      the email and Sign-In with Ethereum sections, when present

A network failure (offline, DNS, a refused connection, a timeout) skips a
check and says so; --online makes it a failure and also dials the SMTP server.
Exits 1 when any check fails; warnings do not fail. Secrets are never printed,
only where they come from.`,
		Example: `  authkit doctor
  authkit doctor --json
  authkit doctor --online --config deploy/authkit.yaml`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return run(cmd.Context(), f, o) },
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.JSON, "json", false, `print {"ok", "checks": [{"name", "status", "message", "fix"}]}`)
	fl.BoolVar(&o.Online, "online", false, "fail (rather than skip) when a provider or server cannot be reached, and dial the SMTP server")
	fl.DurationVar(&o.Timeout, "timeout", DefaultTimeout, "how long each network check may take (the database check at least 5s)")
	return cmd
}

func run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	if o.Timeout <= 0 {
		return cmdutil.Usage(action, "pass --timeout with a positive duration, such as 5s", "--timeout %s is not positive", o.Timeout)
	}
	rep := Diagnose(ctx, f, o)
	if err := ctx.Err(); err != nil {
		return &cmdutil.Error{Action: action, Err: cmdutil.ErrCancelled, Code: cmdutil.ExitCancelled}
	}
	var err error
	if o.JSON {
		err = cmdutil.PrintJSON(f.IO.Out, rep)
	} else {
		err = writeText(f.IO.Out, rep)
	}
	if err != nil {
		return cmdutil.OutputError(err)
	}
	if rep.OK {
		return nil
	}
	var failed []string
	for _, c := range rep.Checks {
		if c.Status == StatusFail {
			failed = append(failed, c.Name)
		}
	}
	noun := "checks"
	if len(failed) == 1 {
		noun = "check"
	}
	return &cmdutil.Error{Action: action, Err: fmt.Errorf("%d %s failed (%s)", len(failed), noun, cmdutil.Safe(strings.Join(failed, ", "))),
		Fix: "do what each failed check says, then run authkit doctor again", Code: cmdutil.ExitError}
}

// writeText prints one aligned line per check, the fix on the lines under
// it, and a count of each status.
func writeText(out io.Writer, rep *Report) error {
	w := &cmdutil.ErrWriter{W: out}
	nameWidth := 0
	for _, c := range rep.Checks {
		nameWidth = max(nameWidth, len(cmdutil.Safe(c.Name)))
	}
	const statusWidth = len(StatusSkipped)
	indent := strings.Repeat(" ", statusWidth+2+nameWidth+2)
	counts := map[Status]int{}
	for _, c := range rep.Checks {
		counts[c.Status]++
		fmt.Fprintf(w, "%-*s  %-*s  %s\n", statusWidth, c.Status, nameWidth, cmdutil.Safe(c.Name), cmdutil.Safe(c.Message))
		if c.Fix == "" {
			continue
		}
		for i, line := range strings.Split(c.Fix, "\n") {
			prefix := "fix: "
			if i > 0 {
				prefix = "     "
			}
			fmt.Fprintf(w, "%s%s%s\n", indent, prefix, cmdutil.Safe(line))
		}
	}
	var parts []string
	for _, s := range []Status{StatusOK, StatusWarn, StatusFail, StatusSkipped} {
		parts = append(parts, strconv.Itoa(counts[s])+" "+string(s))
	}
	fmt.Fprintf(w, "\n%s\n", strings.Join(parts, ", "))
	return w.Err
}

// errCause is err's message without the "authkit: cannot <verb> <what>: "
// that pkg errors start with, when it starts with prefix.
func errCause(err error, prefix string) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, prefix); ok {
		return rest
	}
	return strings.TrimPrefix(msg, "authkit: ")
}
