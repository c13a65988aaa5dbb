package loginview

import (
	"bytes"
	"github.com/authkit-dev/authkit/internal/testenv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// clock is a settable clock for elapsed times.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }
func (c *clock) add(d time.Duration) time.Time {
	c.t = c.t.Add(d)
	return c.t
}

func newTest(t *testing.T, o Options) (Model, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	o.Now = c.now
	o.NoColor = true
	return New(o), c
}

func update(t *testing.T, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	for _, msg := range msgs {
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	return m
}

// lineOf returns the view's line that contains label, failing if none does.
func lineOf(t *testing.T, view, label string) string {
	t.Helper()
	for l := range strings.SplitSeq(view, "\n") {
		if strings.Contains(l, label) {
			return l
		}
	}
	t.Fatalf("no line with %q in the view:\n%s", label, view)
	return ""
}

func TestInitialViewListsEveryStepPending(t *testing.T) {
	m, _ := newTest(t, Options{Provider: "GitHub", Keys: true})
	v := m.View()
	if !strings.HasPrefix(v, "Signing in with GitHub\n") {
		t.Errorf("header: %q", v)
	}
	for _, s := range steps {
		if l := lineOf(t, v, s.label); !strings.HasPrefix(l, "  · ") {
			t.Errorf("step %s is not pending: %q", s.name, l)
		}
	}
	lineOf(t, v, "press q or Ctrl-C to cancel")
	if !strings.HasSuffix(v, "\n") {
		t.Error("the view must end with a newline (the renderer clears the last line when it stops)")
	}
	if strings.Contains(v, "\x1b[") {
		t.Errorf("NoColor view has escape sequences: %q", v)
	}
}

func TestHeaderShowsRedirectURIAndConsole(t *testing.T) {
	m, _ := newTest(t, Options{Provider: "Dev"})
	m = update(t, m, HeaderMsg{RedirectURI: "http://localhost:3000/api/auth/callback/dev", Console: "https://idp.example/console"})
	v := m.View()
	lineOf(t, v, "Signing in with Dev")
	if l := lineOf(t, v, "redirect URI"); !strings.Contains(l, "http://localhost:3000/api/auth/callback/dev") {
		t.Errorf("redirect line: %q", l)
	}
	lineOf(t, v, "register it at https://idp.example/console")
	lineOf(t, v, "press Ctrl-C to cancel") // keys are not read: Ctrl-C only
}

func TestStepsRunThenFinishWithElapsed(t *testing.T) {
	m, c := newTest(t, Options{Provider: "Dev"})

	m = update(t, m, StepMsg{Name: StepBrowser, Detail: "up to 5m0s", At: c.now()})
	l := lineOf(t, m.View(), "waiting for the browser (up to 5m0s)")
	if strings.Contains(l, "·") || strings.Contains(l, "✓") {
		t.Errorf("running step: %q", l)
	}
	if !strings.Contains(l, m.spin.Spinner.Frames[0]) {
		t.Errorf("running step has no spinner frame: %q", l)
	}
	// A long wait shows its time so far.
	c.add(3 * time.Second)
	if l := lineOf(t, m.View(), "waiting for the browser"); !strings.Contains(l, "3.0 s") {
		t.Errorf("running step after 3 s: %q", l)
	}

	m = update(t, m, StepMsg{Name: StepChecks, At: c.now()})
	if l := lineOf(t, m.View(), "waiting for the browser"); !strings.HasPrefix(l, "  ✓ ") || !strings.HasSuffix(l, "3.0 s") {
		t.Errorf("browser step done: %q", l)
	}
	m = update(t, m, StepMsg{Name: StepExchange, At: c.add(2 * time.Millisecond)})
	if l := lineOf(t, m.View(), "checking state"); !strings.HasPrefix(l, "  ✓ ") || !strings.HasSuffix(l, "2 ms") {
		t.Errorf("checks done: %q", l)
	}
	// No ID token (an OAuth 2 provider): the step is skipped.
	m = update(t, m, StepMsg{Name: StepProfile, At: c.add(40 * time.Millisecond)})
	v := m.View()
	if l := lineOf(t, v, "exchanging the code"); !strings.HasSuffix(l, "40 ms") {
		t.Errorf("exchange done: %q", l)
	}
	if l := lineOf(t, v, "verifying the ID token"); !strings.Contains(l, "(skipped)") {
		t.Errorf("id token not skipped: %q", l)
	}
	if l := lineOf(t, v, "linking"); !strings.HasPrefix(l, "  · ") {
		t.Errorf("linking should still be pending: %q", l)
	}

	m = update(t, m,
		StepMsg{Name: StepLinking, At: c.add(5 * time.Millisecond)},
		StepMsg{Name: StepSession, At: c.add(1 * time.Millisecond)},
		DoneMsg{At: c.add(1 * time.Millisecond)})
	v = m.View()
	for _, label := range []string{"fetching the profile", "linking", "creating the session"} {
		if l := lineOf(t, v, label); !strings.HasPrefix(l, "  ✓ ") || !strings.HasSuffix(l, " ms") {
			t.Errorf("%s: %q", label, l)
		}
	}
	if l := lineOf(t, v, "signed in"); l != "✓ signed in with Dev in 3.0 s" {
		t.Errorf("outcome: %q", l)
	}
	if strings.Contains(v, "press") {
		t.Errorf("finished view still shows the key hint:\n%s", v)
	}
}

func TestDoneElapsedColumnsAlign(t *testing.T) {
	m, c := newTest(t, Options{})
	m = update(t, m, StepMsg{Name: StepChecks, At: c.now()}, StepMsg{Name: StepExchange, At: c.add(time.Millisecond)},
		StepMsg{Name: StepSession, At: c.add(time.Millisecond)}, DoneMsg{At: c.add(time.Millisecond)})
	v := m.View()
	a := strings.Index(lineOf(t, v, "checking state"), "1 ms")
	b := strings.Index(lineOf(t, v, "exchanging the code"), "1 ms")
	if a < 0 || a != b {
		t.Errorf("elapsed columns do not align (%d, %d):\n%s", a, b, v)
	}
}

func TestFailureMarksTheRunningStep(t *testing.T) {
	m, c := newTest(t, Options{})
	m = update(t, m, StepMsg{Name: StepChecks, At: c.now()}, StepMsg{Name: StepExchange, At: c.now()},
		FailMsg{Reason: "invalid_grant: code already used", At: c.add(time.Second)})
	v := m.View()
	if l := lineOf(t, v, "exchanging the code"); l != "  ✗ exchanging the code: invalid_grant: code already used" {
		t.Errorf("failed step: %q", l)
	}
	if l := lineOf(t, v, "fetching the profile"); !strings.HasPrefix(l, "  · ") {
		t.Errorf("steps after a failure stay pending: %q", l)
	}
	if l := lineOf(t, v, "sign-in failed"); l != "✗ sign-in failed" {
		t.Errorf("outcome: %q", l)
	}
	// Later messages do not change a finished view.
	if v2 := update(t, m, DoneMsg{}, FailMsg{Reason: "other"}).View(); v2 != v {
		t.Errorf("view changed after the outcome:\n%s", v2)
	}
}

func TestFailureBeforeAnyStepGoesOnTheOutcomeLine(t *testing.T) {
	m, _ := newTest(t, Options{})
	m = update(t, m, FailMsg{Reason: "no callback within 5m0s"})
	if l := lineOf(t, m.View(), "sign-in failed"); l != "✗ sign-in failed: no callback within 5m0s" {
		t.Errorf("outcome: %q", l)
	}
}

func TestUnknownStepIsAdded(t *testing.T) {
	m, _ := newTest(t, Options{})
	m = update(t, m, StepMsg{Name: "refresh"})
	lineOf(t, m.View(), "refresh")
	if !Known(StepIDToken) || Known("refresh") {
		t.Error("Known")
	}
}

func TestURLIsPrintedAboveAndNoted(t *testing.T) {
	m, _ := newTest(t, Options{})
	next, cmd := m.Update(URLMsg{URL: "https://idp.example/authorize?x=1", Reason: `exec: "xdg-open": not found`})
	if cmd == nil {
		t.Fatal("URLMsg returned no print command")
	}
	lineOf(t, next.(Model).View(), "open the URL printed above in a browser")
	// The URL itself reaches the terminal through the program: see
	// TestProgramOutput.
}

func TestKeysCancelOnce(t *testing.T) {
	calls := 0
	m, _ := newTest(t, Options{Cancel: func() { calls++ }, Keys: true})
	m = update(t, m, StepMsg{Name: StepBrowser})
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	m = next.(Model)
	if calls != 1 || cmd != nil {
		t.Fatalf("q: %d calls, cmd %v", calls, cmd)
	}
	lineOf(t, m.View(), "cancelling…")
	m = update(t, m, tea.KeyMsg{Type: tea.KeyCtrlC})
	if calls != 1 {
		t.Errorf("second key called Cancel again (%d)", calls)
	}
	m = update(t, m, FailMsg{Reason: "cancelled"})
	if l := lineOf(t, m.View(), "waiting for the browser"); l != "  ✗ waiting for the browser: cancelled" {
		t.Errorf("cancelled step: %q", l)
	}

	// Without a Cancel callback the keys quit the program.
	m2, _ := newTest(t, Options{})
	if _, cmd := m2.Update(tea.KeyMsg{Type: tea.KeyCtrlC}); cmd == nil || cmd() != tea.Quit() {
		t.Error("Ctrl-C without Cancel does not quit")
	}
	// Other keys do nothing.
	if _, cmd := m2.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")}); cmd != nil {
		t.Error("x did something")
	}
}

func TestSpinnerTicksOnlyWhileRunning(t *testing.T) {
	m, _ := newTest(t, Options{})
	tick := m.Init()()
	if _, cmd := m.Update(tick); cmd == nil {
		t.Error("the spinner does not tick while the sign-in runs")
	}
	m = update(t, m, DoneMsg{})
	if _, cmd := m.Update(tick); cmd != nil {
		t.Error("the spinner ticks after the sign-in ended")
	}
}

func TestColourOnlyWithoutNoColor(t *testing.T) {
	var buf bytes.Buffer
	r := lipgloss.NewRenderer(&buf)
	r.SetColorProfile(termenv.ANSI)
	m := New(Options{Renderer: r})
	m = update(t, m, StepMsg{Name: StepChecks}, DoneMsg{})
	v := m.View()
	if !strings.Contains(v, "\x1b[") {
		t.Errorf("no colour with an ANSI profile: %q", v)
	}
	if !strings.Contains(ansi.Strip(v), "✓ checking state, PKCE and iss") {
		t.Errorf("styled view lost its text: %q", ansi.Strip(v))
	}
	m = New(Options{Renderer: r, NoColor: true})
	if v := update(t, m, StepMsg{Name: StepChecks}, DoneMsg{}).View(); strings.Contains(v, "\x1b[") {
		t.Errorf("NoColor view has escape sequences: %q", v)
	}
}

func TestElapsed(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0 ms",
		1500 * time.Microsecond: "1 ms",
		999 * time.Millisecond:  "999 ms",
		1250 * time.Millisecond: "1.2 s",
		75 * time.Second:        "1m15s",
	} {
		if got := elapsed(d); got != want {
			t.Errorf("elapsed(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestProgramOutput runs the view in a real bubbletea program writing to
// memory, as `authkit login` runs it on stderr, and checks what reached
// the "terminal": the URL in full above the view, and the finished view
// left in place after the program quit.
func TestProgramOutput(t *testing.T) {
	var out testenv.Buffer
	url := "https://idp.example/authorize?client_id=app&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fapi%2Fauth%2Fcallback%2Fdev&state=" + strings.Repeat("s", 120)
	p := tea.NewProgram(New(Options{Provider: "Dev", NoColor: true}),
		tea.WithOutput(&out), tea.WithInput(nil), tea.WithoutSignalHandler())
	ended := make(chan error, 1)
	go func() {
		_, err := p.Run()
		ended <- err
	}()
	p.Send(HeaderMsg{RedirectURI: "http://localhost:3000/api/auth/callback/dev"})
	p.Send(URLMsg{URL: url})
	p.Send(StepMsg{Name: StepBrowser, Detail: "up to 5m0s"})
	for _, s := range []string{StepChecks, StepExchange, StepIDToken, StepProfile, StepLinking, StepSession} {
		p.Send(StepMsg{Name: s})
	}
	p.Send(DoneMsg{})
	// tea.Println runs as a command: let the URL reach the output before
	// quitting, or the quit can overtake it.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "open this URL") && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	p.Quit()
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("program: %v", err)
		}
	case <-time.After(10 * time.Second):
		p.Kill()
		t.Fatal("the program did not quit")
	}
	got := ansi.Strip(out.String())
	for _, want := range []string{
		"open this URL in a browser:\r\n" + url + "\r\n",
		"Signing in with Dev",
		"redirect URI http://localhost:3000/api/auth/callback/dev",
		"✓ waiting for the browser (up to 5m0s)",
		"✓ checking state, PKCE and iss",
		"✓ exchanging the code",
		"✓ verifying the ID token",
		"✓ fetching the profile",
		"✓ linking",
		"✓ creating the session",
		"✓ signed in with Dev in ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(out.String(), "\x1b[?1049h") {
		t.Error("the view used the alternate screen")
	}
}
