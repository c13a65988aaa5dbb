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

// Options set up a run. The environment is empty but for
// AUTHKIT_DATABASE_URL=DatabaseURL.
type Options struct {
	DatabaseURL string
	Stdin       string
	// TTY makes stdin count as a terminal (prompts are allowed).
	TTY bool
	// Out, when set, receives stdout instead of Result.Stdout.
	Out io.Writer
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
			if k == "AUTHKIT_DATABASE_URL" {
				return opts.DatabaseURL
			}
			return ""
		},
		Now: time.Now,
	}
	code := cli.Run(context.Background(), f, args)
	return Result{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}
}
