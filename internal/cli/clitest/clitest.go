// Package clitest runs the authkit CLI in-process for tests, against a
// given database, with captured output.
package clitest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/internal/cli"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
)

// Result is what one authkit run left behind.
type Result struct {
	Code   int
	Stdout string
	Stderr string
}

// Options set up a run. The environment is Env, with
// AUTHKIT_DATABASE_URL=DatabaseURL when DatabaseURL is set.
type Options struct {
	DatabaseURL string
	// Env is the rest of the environment the command sees (nil: empty).
	Env   map[string]string
	Stdin string
	// TTY makes stdin count as a terminal (prompts are allowed).
	TTY bool
	// Out, when set, receives stdout instead of Result.Stdout.
	Out io.Writer
	// OpenBrowser, when set, replaces the user's browser (Factory.OpenBrowser).
	OpenBrowser func(url string) error
}

// Run runs `authkit args...` with opts.
func Run(opts Options, args ...string) Result {
	var stdout, stderr bytes.Buffer
	out := opts.Out
	if out == nil {
		out = &stdout
	}
	f := &cmdutil.Factory{
		IO: cmdutil.IOStreams{In: strings.NewReader(opts.Stdin), Out: out, ErrOut: &stderr, InTTY: opts.TTY},
		Getenv: func(k string) string {
			if k == "AUTHKIT_DATABASE_URL" && opts.DatabaseURL != "" {
				return opts.DatabaseURL
			}
			return opts.Env[k]
		},
		Now:         time.Now,
		OpenBrowser: opts.OpenBrowser,
	}
	code := cli.Run(context.Background(), f, args)
	return Result{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}
}
