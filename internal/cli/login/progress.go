package login

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/tui/loginview"
	"github.com/authkit-dev/authkit/pkg/flow"
)

// progress reports the steps of a sign-in on stderr: one plain line each
// ("authkit: <text>"), or, once start has found that stderr is a terminal,
// a live view (internal/tui/loginview) that the same calls feed.
//
// Every method is safe to call in either mode; in plain mode fail, done and
// stop do nothing.
type progress struct {
	f *cmdutil.Factory

	// The live view, nil in plain mode.
	tui         *tea.Program
	exited      chan struct{} // closed when the program has ended
	stopSignals func()
	stopOnce    sync.Once
}

func newProgress(f *cmdutil.Factory) *progress { return &progress{f: f} }

// errTerminated is the cause of a sign-in ended by SIGTERM while the live
// view had the terminal.
var errTerminated = fmt.Errorf("%w (terminated)", cmdutil.ErrCancelled)

// start shows the live view when stderr is a terminal that takes colour
// (f.IO.ErrTTY: not with NO_COLOR), with provider in its header. It
// returns the context the sign-in is to use: it ends, with the cause
// cmdutil.ErrCancelled, when the user presses q or Ctrl-C in the view or
// the process gets SIGTERM. Without a terminal nothing changes: plain lines
// and ctx as it was.
//
// Keys are read from stdin when it is a terminal (nothing else in login
// reads it); the terminal is then in raw mode, where Ctrl-C is a key and
// not a signal. When stdin is not a terminal no input is read and Ctrl-C
// reaches the root command's interrupt handler as usual.
//
// Once started, stop must be called before anything else is written to
// the terminal (the report, the error).
func (p *progress) start(ctx context.Context, provider string) context.Context {
	if !p.f.IO.ErrTTY || p.tui != nil {
		return ctx
	}
	ctx, cancel := context.WithCancelCause(ctx)
	keys := p.f.IO.InTTY && p.f.IO.In != nil
	m := loginview.New(loginview.Options{
		Provider: provider,
		Renderer: lipgloss.NewRenderer(p.f.IO.ErrOut),
		Keys:     keys,
		Cancel:   func() { cancel(cmdutil.ErrCancelled) },
	})
	var in io.Reader // nil: no input, and so no raw mode
	if keys {
		in = p.f.IO.In
	}
	p.tui = tea.NewProgram(m, tea.WithOutput(p.f.IO.ErrOut), tea.WithInput(in), tea.WithoutSignalHandler())
	p.exited = make(chan struct{})
	go func() {
		defer close(p.exited)
		_, _ = p.tui.Run() // an error (no terminal after all) only means plain lines from then on
	}()

	// In raw mode SIGTERM would leave the terminal unusable: turn it into
	// a cancellation, so that stop restores the terminal.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	quit := make(chan struct{})
	go func() {
		select {
		case <-sig:
			cancel(errTerminated)
		case <-quit:
		}
	}()
	p.stopSignals = func() {
		signal.Stop(sig)
		close(quit)
	}
	return ctx
}

// live reports whether the view is running.
func (p *progress) live() bool {
	if p.tui == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// emit sends msg to the view when it runs, else calls plain. A view that
// could not start (or has been stopped) falls back to plain lines.
func (p *progress) emit(msg tea.Msg, plain func()) {
	if p.live() {
		p.tui.Send(msg)
		return
	}
	if plain != nil {
		plain()
	}
}

func (p *progress) plain(format string, args ...any) {
	fmt.Fprintf(p.f.IO.ErrOut, "authkit: "+format+"\n", args...)
}

// line reports free text: a plain line, or a line printed above the view.
func (p *progress) line(format string, args ...any) {
	p.emit(loginview.LineMsg{Text: fmt.Sprintf(format, args...)}, func() { p.plain(format, args...) })
}

// redirect reports the redirect URI and where to register it.
func (p *progress) redirect(uri, console string) {
	p.emit(loginview.HeaderMsg{RedirectURI: uri, Console: console}, func() {
		p.plain("redirect URI %s (register it at %s)", uri, console)
	})
}

// showURL gives the user the authorization URL to open: openErr is why
// the browser could not be opened, nil with --no-browser. The URL is on a
// line of its own in both modes.
func (p *progress) showURL(url string, openErr error) {
	reason := ""
	if openErr != nil {
		reason = openErr.Error()
	}
	p.emit(loginview.URLMsg{URL: url, Reason: reason}, func() {
		if openErr == nil {
			fmt.Fprintf(p.f.IO.ErrOut, "open this URL in a browser:\n%s\n", url)
		} else {
			fmt.Fprintf(p.f.IO.ErrOut, "authkit: cannot open a browser (%v); open this URL:\n%s\n", openErr, url)
		}
	})
}

// waiting reports the wait for the browser's callback.
func (p *progress) waiting(timeout time.Duration) {
	p.emit(loginview.StepMsg{Name: loginview.StepBrowser, Detail: "up to " + timeout.String(), At: time.Now()}, func() {
		p.plain("waiting for the browser (up to %s)", timeout)
	})
}

var stepText = map[flow.Step]string{
	flow.StepChecks:   "checking state, PKCE and iss",
	flow.StepExchange: "exchanging the code",
	flow.StepIDToken:  "verifying the ID token",
	flow.StepProfile:  "fetching the profile",
	flow.StepLinking:  "linking",
	flow.StepSession:  "creating the session",
}

// step reports a stage of the callback (flow.CallbackRequest.OnStep). The
// view's step names are the flow's.
func (p *progress) step(s flow.Step) {
	p.emit(loginview.StepMsg{Name: string(s), At: time.Now()}, func() { p.plain("%s", stepText[s]) })
}

// fail marks the sign-in failed in the view and returns err, so that
// `return prog.fail(err)` reads as the return it is. The error itself is
// printed by the root command after stop; plain mode prints nothing here.
func (p *progress) fail(err error) error {
	if err != nil {
		p.emit(loginview.FailMsg{Reason: failReason(err), At: time.Now()}, nil)
	}
	return err
}

// failReason is err's cause for the view: the first line of the message
// without the "authkit: cannot ..." frame, which the full error repeats.
func failReason(err error) string {
	if errors.Is(err, cmdutil.ErrCancelled) || errors.Is(err, context.Canceled) {
		return "cancelled"
	}
	var ce *cmdutil.Error
	if errors.As(err, &ce) && ce.Err != nil {
		err = ce.Err
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// done marks the sign-in complete in the view.
func (p *progress) done() {
	p.emit(loginview.DoneMsg{At: time.Now()}, nil)
}

// stop ends the view, leaving its last frame on the terminal, and waits
// until the terminal is restored. A view never marked done or failed shows
// the sign-in as not finished. stop may be called more than once (a
// deferred stop after an explicit one).
func (p *progress) stop() {
	if p.tui == nil {
		return
	}
	p.stopOnce.Do(func() {
		p.emit(loginview.FailMsg{At: time.Now()}, nil) // ignored after done or fail
		p.tui.Quit()
		<-p.exited
		p.stopSignals()
	})
}
