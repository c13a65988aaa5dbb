package login

import (
	"fmt"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/flow"
)

// progress reports the steps of a sign-in on stderr, one plain line each.
type progress struct {
	f *cmdutil.Factory
}

func newProgress(f *cmdutil.Factory) *progress { return &progress{f: f} }

func (p *progress) line(format string, args ...any) {
	fmt.Fprintf(p.f.IO.ErrOut, "authkit: "+format+"\n", args...)
}

var stepText = map[flow.Step]string{
	flow.StepChecks:   "checking state, PKCE and iss",
	flow.StepExchange: "exchanging the code",
	flow.StepIDToken:  "verifying the ID token",
	flow.StepProfile:  "fetching the profile",
	flow.StepLinking:  "linking",
	flow.StepSession:  "creating the session",
}

func (p *progress) step(s flow.Step) { p.line("%s", stepText[s]) }
