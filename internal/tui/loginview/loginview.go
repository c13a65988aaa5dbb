// Package loginview is the live view of `authkit login` on a terminal: the
// provider and its redirect URI, the steps of the sign-in as they happen
// (pending, running with a spinner, done with the time taken, failed with
// the reason), the authorization URL when no browser could be opened, and
// the outcome.
//
// The view renders what it is sent and decides nothing: the command feeds
// it messages (HeaderMsg, StepMsg, URLMsg, LineMsg, FailMsg, DoneMsg) and
// stops the program. The only thing it does on its own is to pass q or
// Ctrl-C on to the Cancel callback it was given.
//
// It draws inline (no alternate screen), so the finished view stays on the
// terminal above whatever the command prints next.
package loginview

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// Step names. They are the names the flow engine gives its stages, plus
// the wait for the browser, which comes before them. A StepMsg with a name
// not listed here adds a step with the name as its label.
const (
	StepBrowser  = "browser"
	StepChecks   = "checks"
	StepExchange = "exchange"
	StepIDToken  = "id_token"
	StepProfile  = "profile"
	StepLinking  = "linking"
	StepSession  = "session"
)

// steps are the known steps in the order a sign-in runs them.
var steps = []struct{ name, label string }{
	{StepBrowser, "waiting for the browser"},
	{StepChecks, "checking state, PKCE and iss"},
	{StepExchange, "exchanging the code"},
	{StepIDToken, "verifying the ID token"},
	{StepProfile, "fetching the profile"},
	{StepLinking, "linking"},
	{StepSession, "creating the session"},
}

// Known reports whether name is one of the steps the view lists from the
// start.
func Known(name string) bool {
	for _, s := range steps {
		if s.name == name {
			return true
		}
	}
	return false
}

// HeaderMsg sets what the header shows; empty fields keep their value.
type HeaderMsg struct {
	// Provider is the provider's display name ("GitHub").
	Provider string
	// RedirectURI is the callback URL the provider must have registered.
	RedirectURI string
	// Console is where to register it (a URL or a phrase).
	Console string
}

// StepMsg says that the step Name begins. The step that was running is
// done; steps listed before Name that never began are shown as skipped.
type StepMsg struct {
	Name string
	// Detail is shown after the step's label, in parentheses.
	Detail string
	// At is when the step began; zero means when the view receives it.
	At time.Time
}

// FailMsg says that the sign-in failed: the running step is marked failed
// with Reason, or, when no step is running, the outcome line carries it.
type FailMsg struct {
	Reason string
	At     time.Time
}

// DoneMsg says that the sign-in completed: the running step is done, and
// steps that never began are shown as skipped.
type DoneMsg struct {
	// Text replaces the outcome line ("signed in with <provider>").
	Text string
	At   time.Time
}

// URLMsg carries the authorization URL for the user to open by hand. It
// is printed above the view, whole and on a line of its own, so that the
// terminal can wrap it, link it and copy it (lines of the view itself are
// cut at the terminal's width).
type URLMsg struct {
	URL string
	// Reason says why the browser was not opened (its error); empty when
	// the user asked for no browser.
	Reason string
}

// LineMsg is a line of text to print above the view.
type LineMsg struct {
	Text string
}

// Options configure a view.
type Options struct {
	// Provider, RedirectURI and Console fill the header (HeaderMsg
	// changes them).
	Provider, RedirectURI, Console string
	// NoColor renders without colour or other attributes.
	NoColor bool
	// Renderer styles the output (its colour profile is that of the
	// terminal it writes to); nil means lipgloss's default renderer.
	Renderer *lipgloss.Renderer
	// Cancel is called once when the user presses q or Ctrl-C while the
	// sign-in runs. Nil means the keys quit the program instead.
	Cancel func()
	// Keys says that keys are read: the hint then names q as well as
	// Ctrl-C (which also works as a signal when keys are not read).
	Keys bool
	// Now is the clock for elapsed times; nil means time.Now.
	Now func() time.Time
}

type stepState int

const (
	pending stepState = iota
	running
	done
	failed
	skipped
)

type step struct {
	name, label, detail string
	state               stepState
	began               time.Time
	took                time.Duration
	reason              string
}

type outcome int

const (
	inProgress outcome = iota
	succeeded
	failedOutcome
)

// Model is the bubbletea model of the view. Its methods have value
// receivers; Update returns the updated Model.
type Model struct {
	provider, redirectURI, console string

	steps      []step
	urlShown   bool
	urlReason  string
	outcome    outcome
	text       string // outcome line text (DoneMsg.Text or the failure reason)
	began      time.Time
	ended      time.Time
	cancelling bool

	cancel func()
	keys   bool
	now    func() time.Time
	spin   spinner.Model
	st     styles
}

type styles struct {
	title, faint, ok, bad, run func(string) string
}

func newStyles(o Options) styles {
	plain := func(s string) string { return s }
	if o.NoColor {
		return styles{plain, plain, plain, plain, plain}
	}
	r := o.Renderer
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	render := func(s lipgloss.Style) func(string) string { return func(t string) string { return s.Render(t) } }
	return styles{
		title: render(r.NewStyle().Bold(true)),
		faint: render(r.NewStyle().Faint(true)),
		ok:    render(r.NewStyle().Foreground(lipgloss.Color("2"))),
		bad:   render(r.NewStyle().Foreground(lipgloss.Color("1"))),
		run:   render(r.NewStyle().Foreground(lipgloss.Color("6"))),
	}
}

// New returns a view with every known step pending.
func New(o Options) Model {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	m := Model{
		provider: o.Provider, redirectURI: o.RedirectURI, console: o.Console,
		cancel: o.Cancel, keys: o.Keys, now: now, began: now(),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		st:   newStyles(o),
	}
	for _, s := range steps {
		m.steps = append(m.steps, step{name: s.name, label: s.label})
	}
	return m
}

// Init starts the spinner.
func (m Model) Init() tea.Cmd { return m.spin.Tick }

// Update applies a message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case HeaderMsg:
		if msg.Provider != "" {
			m.provider = msg.Provider
		}
		if msg.RedirectURI != "" {
			m.redirectURI = msg.RedirectURI
		}
		if msg.Console != "" {
			m.console = msg.Console
		}
	case StepMsg:
		m.begin(msg)
	case FailMsg:
		m.fail(msg)
	case DoneMsg:
		m.finish(msg)
	case URLMsg:
		m.urlShown, m.urlReason = true, msg.Reason
		head := "open this URL in a browser:"
		if msg.Reason != "" {
			head = fmt.Sprintf("cannot open a browser (%s); open this URL:", msg.Reason)
		}
		return m, tea.Println(head + "\n" + msg.URL + "\n")
	case LineMsg:
		return m, tea.Println(msg.Text)
	case tea.KeyMsg:
		switch msg.String() {
		case "q", "ctrl+c":
			if m.outcome != inProgress || m.cancelling {
				return m, nil
			}
			m.cancelling = true
			if m.cancel == nil {
				return m, tea.Quit
			}
			m.cancel()
		}
	case spinner.TickMsg:
		if m.outcome != inProgress {
			return m, nil // the spinner stops with the sign-in
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) at(t time.Time) time.Time {
	if t.IsZero() {
		return m.now()
	}
	return t
}

// endRunning marks the running step done (or failed with reason).
func (m *Model) endRunning(at time.Time, fail bool, reason string) bool {
	for i := range m.steps {
		s := &m.steps[i]
		if s.state != running {
			continue
		}
		s.took = max(at.Sub(s.began), 0)
		s.state = done
		if fail {
			s.state, s.reason = failed, reason
		}
		return true
	}
	return false
}

func (m *Model) begin(msg StepMsg) {
	at := m.at(msg.At)
	m.endRunning(at, false, "")
	idx := -1
	for i := range m.steps {
		if m.steps[i].name == msg.Name {
			idx = i
			break
		}
	}
	if idx < 0 {
		m.steps = append(m.steps, step{name: msg.Name, label: msg.Name})
		idx = len(m.steps) - 1
	}
	for i := range idx {
		if m.steps[i].state == pending {
			m.steps[i].state = skipped
		}
	}
	s := &m.steps[idx]
	s.state, s.began, s.took, s.reason = running, at, 0, ""
	if msg.Detail != "" {
		s.detail = msg.Detail
	}
}

func (m *Model) fail(msg FailMsg) {
	if m.outcome != inProgress {
		return
	}
	at := m.at(msg.At)
	m.outcome, m.ended = failedOutcome, at
	if !m.endRunning(at, true, msg.Reason) {
		m.text = msg.Reason
	}
}

func (m *Model) finish(msg DoneMsg) {
	if m.outcome != inProgress {
		return
	}
	at := m.at(msg.At)
	m.outcome, m.ended, m.text = succeeded, at, msg.Text
	m.endRunning(at, false, "")
	for i := range m.steps {
		if m.steps[i].state == pending {
			m.steps[i].state = skipped
		}
	}
}

// View renders the view. It always ends with a newline, so that the last
// line survives the renderer clearing the line the cursor is on when the
// program ends.
func (m Model) View() string {
	var b strings.Builder
	title := "Signing in"
	if m.provider != "" {
		title += " with " + m.provider
	}
	b.WriteString(m.st.title(title) + "\n")
	if m.redirectURI != "" {
		b.WriteString("  redirect URI " + m.redirectURI + "\n")
		if m.console != "" {
			b.WriteString(m.st.faint("  register it at "+m.console) + "\n")
		}
	}
	b.WriteString("\n")

	labels := make([]string, len(m.steps))
	width := 0
	for i, s := range m.steps {
		labels[i] = s.label
		if s.detail != "" {
			labels[i] += " (" + s.detail + ")"
		}
		width = max(width, lipgloss.Width(labels[i]))
	}
	now := m.now()
	for i, s := range m.steps {
		pad := strings.Repeat(" ", width-lipgloss.Width(labels[i]))
		switch s.state {
		case pending:
			b.WriteString(m.st.faint("  · "+labels[i]) + "\n")
		case running:
			line := "  " + m.st.run(m.spin.View()) + " " + labels[i]
			if d := now.Sub(s.began); d >= time.Second {
				line += pad + "  " + m.st.faint(elapsed(d))
			}
			b.WriteString(line + "\n")
		case done:
			b.WriteString("  " + m.st.ok("✓") + " " + labels[i] + pad + "  " + m.st.faint(elapsed(s.took)) + "\n")
		case failed:
			line := "  " + m.st.bad("✗") + " " + labels[i]
			if s.reason != "" {
				line += ": " + m.st.bad(s.reason)
			}
			b.WriteString(line + "\n")
		case skipped:
			b.WriteString(m.st.faint("  - "+labels[i]+" (skipped)") + "\n")
		}
	}
	b.WriteString("\n")

	if m.urlShown && m.outcome == inProgress {
		b.WriteString("  open the URL printed above in a browser\n")
	}
	switch {
	case m.outcome == succeeded:
		text := m.text
		if text == "" {
			text = "signed in"
			if m.provider != "" {
				text += " with " + m.provider
			}
			text += " in " + elapsed(m.ended.Sub(m.began))
		}
		b.WriteString(m.st.ok("✓ "+text) + "\n")
	case m.outcome == failedOutcome:
		text := "sign-in failed"
		if m.text != "" {
			text += ": " + m.text
		}
		b.WriteString(m.st.bad("✗ "+text) + "\n")
	case m.cancelling:
		b.WriteString("  cancelling…\n")
	case m.keys:
		b.WriteString(m.st.faint("  press q or Ctrl-C to cancel") + "\n")
	default:
		b.WriteString(m.st.faint("  press Ctrl-C to cancel") + "\n")
	}
	return b.String()
}

// elapsed formats a duration for a step: milliseconds under a second,
// tenths of a second under a minute, then minutes and seconds.
func elapsed(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}
