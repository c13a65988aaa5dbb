package login

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/authkit-dev/authkit/internal/testenv"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/tui/loginview"
	"github.com/authkit-dev/authkit/pkg/flow"
)

var allSteps = []flow.Step{flow.StepChecks, flow.StepExchange, flow.StepIDToken, flow.StepProfile, flow.StepLinking, flow.StepSession}

// signIn drives a progress as run does for a sign-in that succeeds.
func signIn(ctx context.Context, p *progress, openErr error) context.Context {
	ctx = p.start(ctx, "Dev")
	p.redirect("http://localhost:3000/api/auth/callback/dev", "the provider's console")
	p.showURL("https://idp.example/authorize?state=abc", openErr)
	p.waiting(5 * time.Minute)
	for _, s := range allSteps {
		p.step(s)
	}
	p.done()
	p.stop()
	return ctx
}

func TestProgressPlainWithoutTTY(t *testing.T) {
	var errOut bytes.Buffer
	f := &cmdutil.Factory{IO: cmdutil.IOStreams{ErrOut: &errOut, ErrTTY: false, InTTY: true, In: strings.NewReader("")}}
	p := newProgress(f)
	parent := context.Background()
	if ctx := signIn(parent, p, errors.New("no opener")); ctx != parent {
		t.Error("plain mode changed the context")
	}
	if p.tui != nil {
		t.Fatal("plain mode started the view")
	}
	// Exactly the lines the txtar scripts (and users' scripts) read.
	want := "authkit: redirect URI http://localhost:3000/api/auth/callback/dev (register it at the provider's console)\n" +
		"authkit: cannot open a browser (no opener); open this URL:\nhttps://idp.example/authorize?state=abc\n" +
		"authkit: waiting for the browser (up to 5m0s)\n" +
		"authkit: checking state, PKCE and iss\n" +
		"authkit: exchanging the code\n" +
		"authkit: verifying the ID token\n" +
		"authkit: fetching the profile\n" +
		"authkit: linking\n" +
		"authkit: creating the session\n"
	if got := errOut.String(); got != want {
		t.Errorf("plain output:\n%s\nwant:\n%s", got, want)
	}

	errOut.Reset()
	p.showURL("https://idp.example/a", nil)
	p.line("note %d", 1)
	if err := p.fail(errors.New("boom")); err == nil || err.Error() != "boom" {
		t.Errorf("fail returned %v", err)
	}
	p.stop()
	if got := errOut.String(); got != "open this URL in a browser:\nhttps://idp.example/a\nauthkit: note 1\n" {
		t.Errorf("plain output: %q", got)
	}
}

func TestProgressViewOnTTY(t *testing.T) {
	var errOut testenv.Buffer
	// stdin is not a terminal: no keys are read.
	f := &cmdutil.Factory{IO: cmdutil.IOStreams{ErrOut: &errOut, ErrTTY: true, In: strings.NewReader("q")}}
	p := newProgress(f)
	ctx := signIn(context.Background(), p, nil)
	if p.tui == nil {
		t.Fatal("no view on a terminal")
	}
	if ctx.Err() != nil {
		t.Errorf("context ended: %v", context.Cause(ctx))
	}
	raw := errOut.String()
	got := ansi.Strip(raw)
	for _, want := range []string{
		"Signing in with Dev",
		"redirect URI http://localhost:3000/api/auth/callback/dev",
		"open this URL in a browser:\r\nhttps://idp.example/authorize?state=abc\r\n",
		"✓ waiting for the browser (up to 5m0s)",
		"✓ exchanging the code",
		"✓ creating the session",
		"✓ signed in with Dev in ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("view output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "authkit: exchanging") {
		t.Errorf("plain lines mixed into the view:\n%s", got)
	}
	if strings.Contains(raw, "\x1b[?1049h") {
		t.Error("the view used the alternate screen")
	}

	// After stop the view is gone: what follows is plain, and stop again
	// is harmless.
	p.line("after")
	p.stop()
	if !strings.HasSuffix(errOut.String(), "authkit: after\n") {
		t.Errorf("line after stop: %q", errOut.String())
	}
}

func TestProgressViewFailure(t *testing.T) {
	var errOut testenv.Buffer
	f := &cmdutil.Factory{IO: cmdutil.IOStreams{ErrOut: &errOut, ErrTTY: true}}
	p := newProgress(f)
	p.start(context.Background(), "Dev")
	p.waiting(time.Minute)
	p.step(flow.StepChecks)
	p.step(flow.StepExchange)
	err := &cmdutil.Error{Action: "sign in with dev", Err: errors.New("invalid_grant: code already used\nmore"), Fix: "try again"}
	if got := p.fail(err); got != error(err) {
		t.Errorf("fail returned %v", got)
	}
	p.stop()
	got := ansi.Strip(errOut.String())
	for _, want := range []string{"✗ exchanging the code: invalid_grant: code already used", "✗ sign-in failed"} {
		if !strings.Contains(got, want) {
			t.Errorf("view output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "cannot sign in") || strings.Contains(got, "try again") {
		t.Errorf("the view repeats the error's frame (printed after it by the root command):\n%s", got)
	}
}

func TestProgressStopWithoutOutcome(t *testing.T) {
	var errOut testenv.Buffer
	f := &cmdutil.Factory{IO: cmdutil.IOStreams{ErrOut: &errOut, ErrTTY: true}}
	p := newProgress(f)
	p.start(context.Background(), "Dev")
	p.waiting(time.Minute)
	done := make(chan struct{})
	go func() { p.stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("stop did not return")
	}
	if got := ansi.Strip(errOut.String()); !strings.Contains(got, "✗ waiting for the browser") || !strings.Contains(got, "✗ sign-in failed") {
		t.Errorf("unfinished view:\n%s", got)
	}
}

func TestProgressKeyCancels(t *testing.T) {
	var errOut testenv.Buffer
	in, keys := io.Pipe()
	defer keys.Close()
	f := &cmdutil.Factory{IO: cmdutil.IOStreams{ErrOut: &errOut, ErrTTY: true, InTTY: true, In: in}}
	p := newProgress(f)
	ctx := p.start(context.Background(), "Dev")
	p.waiting(time.Minute)
	fmt.Fprint(keys, "q")
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		p.stop()
		t.Fatal("q did not cancel the sign-in")
	}
	if cause := context.Cause(ctx); !errors.Is(cause, cmdutil.ErrCancelled) || cmdutil.ExitCode(cause) != cmdutil.ExitCancelled {
		t.Errorf("cause %v", cause)
	}
	p.fail(context.Cause(ctx))
	p.stop()
	got := ansi.Strip(errOut.String())
	for _, want := range []string{"✗ waiting for the browser (up to 1m0s): cancelled", "✗ sign-in failed"} {
		if !strings.Contains(got, want) {
			t.Errorf("view output lacks %q:\n%s", want, got)
		}
	}
}

// Every stage the engine reports is a step the view lists, so that the
// view shows them in order instead of appending unknown ones.
func TestFlowStepsAreViewSteps(t *testing.T) {
	for _, s := range allSteps {
		if !loginview.Known(string(s)) {
			t.Errorf("flow step %q is not a loginview step", s)
		}
		if stepText[s] == "" {
			t.Errorf("flow step %q has no plain text", s)
		}
	}
}
