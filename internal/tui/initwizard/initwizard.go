// Package initwizard is the interactive form of `authkit init`: it asks
// for the template, providers, session strategy, database, linking policy
// and base URL, and returns the answers. It decides nothing: the command
// gives it the choices and checks the answers.
//
// The wizard is a plain bubbletea model (no huh): one question per step,
// keyboard only, drawn inline (no alternate screen). Keys:
//
//   - ↑/↓ or k/j move, enter (or tab) answers and goes on;
//   - space toggles a provider (at least one is required);
//   - b, ← or h, or shift+tab go back to the previous question (on the
//     base URL question, where b and ← edit the text, only shift+tab);
//   - esc, Ctrl-C, or q (except while typing the base URL) cancel.
//
// The last step is a summary that asks "Create files?": enter confirms,
// b goes back.
package initwizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"golang.org/x/term"
)

// Choice is one option of a question.
type Choice struct {
	// Value is what the answer holds, such as "github".
	Value string
	// Label is what the user sees, such as "GitHub".
	Label string
}

// Catalogue is what the wizard offers.
type Catalogue struct {
	Templates, Providers, Sessions, Databases, Linking []Choice
	// SessionDefaults, when set, is the session strategy to preselect for
	// each template: when the user leaves the template question with
	// another template than the one the session was preselected for, the
	// session question starts on that template's default. Nil keeps the
	// session answer as it is (a strategy the command was given, say).
	SessionDefaults map[string]string
	// SkipDatabase, when set, reports whether the database question does
	// not apply to the answers so far (a Next.js app with JWT sessions
	// keeps no database): it is then not asked, not shown, and the
	// answers' Database is empty.
	SkipDatabase func(Answers) bool
}

// Answers are the wizard's result, or its defaults.
type Answers struct {
	Template  string
	Providers []string
	Session   string
	Database  string
	Linking   string
	BaseURL   string
}

// ErrCancelled is returned by Run, and by Model.Result, when the user
// leaves the wizard with esc, Ctrl-C or q (or the program is interrupted).
var ErrCancelled = errors.New("init wizard cancelled")

// ErrInputEnded is returned by Run when its input reaches its end before
// the user has confirmed (a script that stops early, a closed pipe).
var ErrInputEnded = errors.New("init wizard: input ended before the answers were confirmed")

// errUnfinished is Model.Result's error while the wizard is still asking.
var errUnfinished = errors.New("init wizard: not finished")

// Run runs the wizard as a bubbletea program that reads keys from in and
// draws on out, and returns the confirmed answers. defaults pre-select the
// choices and fill the base URL; check (nil accepts anything) validates
// the base URL when the user presses enter, given the answers as they
// stand (the template, say, decides whether a path is allowed), and its
// error is shown under the field. Run returns ErrCancelled when the user cancels,
// ErrInputEnded when a non-terminal input ends first, and the context's
// error when ctx ends.
//
// When in is a terminal it is put in raw mode for the duration. Colours
// follow out (none when it is not a terminal, or NO_COLOR is set).
func Run(ctx context.Context, in io.Reader, out io.Writer, cat Catalogue, defaults Answers, check func(Answers) error) (Answers, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	m := New(cat, defaults, check).WithRenderer(lipgloss.NewRenderer(out))

	var p *tea.Program
	var ready sync.WaitGroup
	ready.Add(1)
	input := in
	if in != nil && !isTerminal(in) {
		// Input that is not a terminal can end, and bubbletea would then
		// wait for keys forever: tell the model instead. The message
		// follows every key read before the end.
		input = &endReader{r: in, onEnd: func() {
			ready.Wait()
			p.Send(inputEndedMsg{})
		}}
	}
	p = tea.NewProgram(m, tea.WithInput(input), tea.WithOutput(out), tea.WithContext(ctx))
	ready.Done()

	final, err := p.Run()
	if err != nil {
		switch {
		case errors.Is(err, tea.ErrInterrupted):
			return Answers{}, ErrCancelled
		case ctx.Err() != nil:
			return Answers{}, ctx.Err()
		}
		return Answers{}, fmt.Errorf("init wizard: %w", err)
	}
	fm, ok := final.(Model)
	if !ok {
		return Answers{}, fmt.Errorf("init wizard: unexpected final model %T", final)
	}
	if fm.state == ended {
		return Answers{}, ErrInputEnded
	}
	return fm.Result()
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// endReader calls onEnd once when r reports io.EOF.
type endReader struct {
	r     io.Reader
	once  sync.Once
	onEnd func()
}

func (e *endReader) Read(b []byte) (int, error) {
	n, err := e.r.Read(b)
	if errors.Is(err, io.EOF) {
		e.once.Do(e.onEnd)
	}
	return n, err
}

// inputEndedMsg says that Run's input has ended.
type inputEndedMsg struct{}

// step is one question of the wizard, or the summary.
type step int

const (
	stepTemplate step = iota
	stepProviders
	stepSession
	stepDatabase
	stepLinking
	stepBaseURL
	stepSummary
)

// names are the steps' names in the list of answers and the summary.
var names = [...]string{
	stepTemplate:  "Template",
	stepProviders: "Providers",
	stepSession:   "Session strategy",
	stepDatabase:  "Database",
	stepLinking:   "Linking policy",
	stepBaseURL:   "Base URL",
}

// questions are what each step asks.
var questions = [...]string{
	stepTemplate:  "Which template?",
	stepProviders: "Which providers? (space to select, at least one)",
	stepSession:   "Which session strategy?",
	stepDatabase:  "Which database?",
	stepLinking:   "When may a sign-in link a new provider account to an existing user with the same email?",
	stepBaseURL:   "What is the app's base URL?",
}

// linkingHelp explains the linking policies, one line each.
var linkingHelp = map[string]string{
	"never":    "the Auth.js default: a sign-in whose email belongs to another user is refused",
	"verified": "link when a trusted provider has verified the email",
	"always":   "link on any matching email (dangerous: whoever controls the email takes the account)",
}

type state int

const (
	asking state = iota
	confirmed
	cancelled
	ended // Run's input ended first
)

// Model is the wizard's bubbletea model. Its methods have value
// receivers; Update returns the updated Model.
type Model struct {
	cat   Catalogue
	def   Answers
	check func(Answers) error

	all []step // the steps, in order: questions without choices are left out
	pos int    // index in steps()
	// sessionFor is the template the session cursor was last preselected
	// for (Catalogue.SessionDefaults).
	sessionFor string
	cursor     [stepBaseURL]int
	picked     []bool // per cat.Providers

	url    []rune
	urlPos int

	msg   string // the current step's error or hint
	state state

	st    styles
	ascii bool // no attributes: draw the text cursor as a character
}

type styles struct {
	title, faint, bad, sel, cur func(string) string
}

// New returns the wizard at its first question, with the defaults
// selected. Choices of a question whose catalogue list is empty are not
// asked; the answer keeps the default. Default providers that are not in
// the catalogue are dropped. It styles its view with lipgloss's default
// renderer; see WithRenderer.
func New(cat Catalogue, defaults Answers, check func(Answers) error) Model {
	m := Model{cat: cat, def: defaults, check: check, sessionFor: defaults.Template}
	for s := stepTemplate; s <= stepSummary; s++ {
		if s < stepBaseURL && len(m.choices(s)) == 0 {
			continue
		}
		m.all = append(m.all, s)
	}
	m.cursor[stepTemplate] = index(cat.Templates, defaults.Template)
	m.cursor[stepSession] = index(cat.Sessions, defaults.Session)
	m.cursor[stepDatabase] = index(cat.Databases, defaults.Database)
	m.cursor[stepLinking] = index(cat.Linking, defaults.Linking)
	m.picked = make([]bool, len(cat.Providers))
	first := -1
	for i, c := range cat.Providers {
		if slices.Contains(defaults.Providers, c.Value) {
			m.picked[i] = true
			if first < 0 {
				first = i
			}
		}
	}
	m.cursor[stepProviders] = max(first, 0)
	m.url = []rune(defaults.BaseURL)
	m.urlPos = len(m.url)
	return m.WithRenderer(lipgloss.DefaultRenderer())
}

// WithRenderer returns the model styled by r (its colour profile is that
// of the terminal it writes to; Ascii, as under NO_COLOR, means plain text).
func (m Model) WithRenderer(r *lipgloss.Renderer) Model {
	plain := func(s string) string { return s }
	if r == nil || r.ColorProfile() == termenv.Ascii {
		m.st = styles{plain, plain, plain, plain, plain}
		m.ascii = true
		return m
	}
	render := func(s lipgloss.Style) func(string) string { return func(t string) string { return s.Render(t) } }
	m.st = styles{
		title: render(r.NewStyle().Bold(true)),
		faint: render(r.NewStyle().Faint(true)),
		bad:   render(r.NewStyle().Foreground(lipgloss.Color("1"))),
		sel:   render(r.NewStyle().Foreground(lipgloss.Color("6"))),
		cur:   render(r.NewStyle().Reverse(true)),
	}
	m.ascii = false
	return m
}

func index(cs []Choice, v string) int {
	for i, c := range cs {
		if c.Value == v {
			return i
		}
	}
	return 0
}

func (m Model) choices(s step) []Choice {
	switch s {
	case stepTemplate:
		return m.cat.Templates
	case stepProviders:
		return m.cat.Providers
	case stepSession:
		return m.cat.Sessions
	case stepDatabase:
		return m.cat.Databases
	case stepLinking:
		return m.cat.Linking
	}
	return nil
}

func (m Model) current() step { return m.steps()[m.pos] }

// steps are the steps asked, in order, given the answers so far: the
// database question is left out when Catalogue.SkipDatabase says so. The
// steps it depends on come before it, so m.pos stays valid when they
// change.
func (m Model) steps() []step {
	if m.cat.SkipDatabase == nil || !m.cat.SkipDatabase(m.raw()) {
		return m.all
	}
	return slices.DeleteFunc(slices.Clone(m.all), func(s step) bool { return s == stepDatabase })
}

// Answers returns the answers as they stand: the choices under the
// cursors, the selected providers in catalogue order, and the base URL
// as typed (without surrounding space); Database is empty when the
// question does not apply (Catalogue.SkipDatabase).
func (m Model) Answers() Answers {
	a := m.raw()
	if m.cat.SkipDatabase != nil && m.cat.SkipDatabase(a) {
		a.Database = ""
	}
	return a
}

// raw returns the answers under the cursors, whether asked or not.
func (m Model) raw() Answers {
	a := Answers{
		Template: m.single(stepTemplate, m.def.Template),
		Session:  m.single(stepSession, m.def.Session),
		Database: m.single(stepDatabase, m.def.Database),
		Linking:  m.single(stepLinking, m.def.Linking),
		BaseURL:  strings.TrimSpace(string(m.url)),
	}
	if len(m.cat.Providers) == 0 {
		a.Providers = slices.Clone(m.def.Providers)
	} else {
		for i, c := range m.cat.Providers {
			if m.picked[i] {
				a.Providers = append(a.Providers, c.Value)
			}
		}
	}
	return a
}

func (m Model) single(s step, def string) string {
	cs := m.choices(s)
	if len(cs) == 0 {
		return def
	}
	return cs[m.cursor[s]].Value
}

// Done reports whether the user has confirmed the answers.
func (m Model) Done() bool { return m.state == confirmed }

// Result returns the confirmed answers; ErrCancelled when the user
// cancelled; or an error while the wizard is still asking.
func (m Model) Result() (Answers, error) {
	switch m.state {
	case confirmed:
		return m.Answers(), nil
	case cancelled:
		return Answers{}, ErrCancelled
	case ended:
		return Answers{}, ErrInputEnded
	}
	return Answers{}, errUnfinished
}

// Init does nothing: the wizard waits for keys.
func (m Model) Init() tea.Cmd { return nil }

// Update applies a message: keys, or the end of Run's input.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.state != asking {
		return m, nil
	}
	switch msg := msg.(type) {
	case inputEndedMsg:
		m.state = ended
		return m, tea.Quit
	case tea.KeyMsg:
		if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 || msg.Paste {
			return m.key(msg)
		}
		// Keys typed quickly arrive as one message: outside the text
		// field, each rune is a key of its own.
		for i, r := range msg.Runes {
			if m.current() == stepBaseURL {
				return m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: msg.Runes[i:], Alt: msg.Alt})
			}
			var cmd tea.Cmd
			if m, cmd = m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}); cmd != nil {
				return m, cmd
			}
		}
	}
	return m, nil
}

func (m Model) key(k tea.KeyMsg) (Model, tea.Cmd) {
	s := m.current()
	switch k.String() {
	case "ctrl+c", "esc":
		m.state = cancelled
		return m, tea.Quit
	case "shift+tab":
		m.back()
		return m, nil
	}
	if s == stepBaseURL {
		return m.editURL(k)
	}
	switch k.String() {
	case "q":
		m.state = cancelled
		return m, tea.Quit
	case "b", "left", "h":
		m.back()
		return m, nil
	}
	if s == stepSummary {
		switch k.String() {
		case "enter", "y":
			m.state = confirmed
			return m, tea.Quit
		}
		return m, nil
	}

	n := len(m.choices(s))
	switch k.String() {
	case "up", "k":
		m.cursor[s] = max(m.cursor[s]-1, 0)
	case "down", "j":
		m.cursor[s] = min(m.cursor[s]+1, n-1)
	case "home", "g":
		m.cursor[s] = 0
	case "end", "G":
		m.cursor[s] = n - 1
	case " ", "x":
		if s == stepProviders {
			picked := slices.Clone(m.picked) // copies of the model share nothing
			picked[m.cursor[s]] = !picked[m.cursor[s]]
			m.picked = picked
			m.msg = ""
		}
	case "enter", "tab":
		if s == stepProviders && !slices.Contains(m.picked, true) {
			m.msg = "select at least one provider: move to it and press space"
			return m, nil
		}
		m.next()
	}
	return m, nil
}

// editURL handles a key on the base URL question: a small line editor.
func (m Model) editURL(k tea.KeyMsg) (Model, tea.Cmd) {
	edited := true
	switch k.Type {
	case tea.KeyEnter, tea.KeyTab:
		v := strings.TrimSpace(string(m.url))
		if m.check != nil {
			a := m.Answers()
			a.BaseURL = v
			if err := m.check(a); err != nil {
				m.msg = err.Error()
				return m, nil
			}
		}
		m.next()
		return m, nil
	case tea.KeyRunes, tea.KeySpace:
		if k.Alt {
			edited = false
			break
		}
		rs := k.Runes
		if k.Type == tea.KeySpace {
			rs = []rune{' '}
		}
		rs = slices.DeleteFunc(slices.Clone(rs), unicode.IsControl) // a pasted newline, say
		url := make([]rune, 0, len(m.url)+len(rs))
		url = append(append(append(url, m.url[:m.urlPos]...), rs...), m.url[m.urlPos:]...)
		m.url, m.urlPos = url, m.urlPos+len(rs)
	case tea.KeyBackspace, tea.KeyCtrlH:
		if m.urlPos > 0 {
			m.url = slices.Delete(slices.Clone(m.url), m.urlPos-1, m.urlPos)
			m.urlPos--
		}
	case tea.KeyDelete, tea.KeyCtrlD:
		if m.urlPos < len(m.url) {
			m.url = slices.Delete(slices.Clone(m.url), m.urlPos, m.urlPos+1)
		}
	case tea.KeyCtrlU:
		m.url, m.urlPos = slices.Clone(m.url[m.urlPos:]), 0
	case tea.KeyCtrlK:
		m.url = slices.Clone(m.url[:m.urlPos])
	case tea.KeyCtrlW:
		i := m.urlPos
		for i > 0 && m.url[i-1] == ' ' {
			i--
		}
		for i > 0 && m.url[i-1] != ' ' && m.url[i-1] != '/' {
			i--
		}
		if i == m.urlPos && i > 0 {
			i-- // a lone separator
		}
		m.url = slices.Delete(slices.Clone(m.url), i, m.urlPos)
		m.urlPos = i
	case tea.KeyLeft, tea.KeyCtrlB:
		m.urlPos, edited = max(m.urlPos-1, 0), false
	case tea.KeyRight, tea.KeyCtrlF:
		m.urlPos, edited = min(m.urlPos+1, len(m.url)), false
	case tea.KeyHome, tea.KeyCtrlA:
		m.urlPos, edited = 0, false
	case tea.KeyEnd, tea.KeyCtrlE:
		m.urlPos, edited = len(m.url), false
	default:
		edited = false
	}
	if edited {
		m.msg = ""
	}
	return m, nil
}

func (m *Model) next() {
	if m.current() == stepTemplate {
		m.presetSession()
	}
	if m.pos < len(m.steps())-1 {
		m.pos++
	}
	m.msg = ""
}

// presetSession moves the session cursor to the chosen template's default
// (Catalogue.SessionDefaults), when the template is not the one it was
// last preselected for.
func (m *Model) presetSession() {
	t := m.single(stepTemplate, m.def.Template)
	if t == m.sessionFor {
		return
	}
	if def, ok := m.cat.SessionDefaults[t]; ok {
		m.cursor[stepSession] = index(m.cat.Sessions, def)
		m.sessionFor = t
	}
}

func (m *Model) back() {
	if m.pos > 0 {
		m.pos--
	}
	m.msg = ""
}

// label returns what the user sees for the value v of step s.
func (m Model) label(s step, v string) string {
	for _, c := range m.choices(s) {
		if c.Value == v {
			if c.Label != "" {
				return c.Label
			}
			break
		}
	}
	return v
}

// answer returns the answer to step s as the user sees it.
func (m Model) answer(s step) string {
	a := m.Answers()
	switch s {
	case stepTemplate:
		return m.label(s, a.Template)
	case stepProviders:
		ls := make([]string, len(a.Providers))
		for i, p := range a.Providers {
			ls[i] = m.label(s, p)
		}
		return strings.Join(ls, ", ")
	case stepSession:
		return m.label(s, a.Session)
	case stepDatabase:
		return m.label(s, a.Database)
	case stepLinking:
		return m.label(s, a.Linking)
	case stepBaseURL:
		return a.BaseURL
	}
	return ""
}

// answered writes the answers to the steps before upTo, aligned.
func (m Model) answered(b *strings.Builder, upTo int) {
	width := 0
	steps := m.steps()
	for _, s := range steps[:upTo] {
		width = max(width, len(names[s]))
	}
	for _, s := range steps[:upTo] {
		fmt.Fprintf(b, "  %-*s  %s\n", width, names[s], m.answer(s))
	}
}

// View renders the wizard. It always ends with a newline, so that the
// last line survives the renderer clearing the cursor's line at the end.
func (m Model) View() string {
	var b strings.Builder
	switch m.state {
	case cancelled:
		return "authkit init: cancelled\n"
	case ended:
		return "authkit init: input ended\n"
	case confirmed:
		b.WriteString(m.st.title("authkit init") + "\n")
		m.answered(&b, len(m.steps())-1)
		return b.String()
	}

	s := m.current()
	if s == stepSummary {
		b.WriteString(m.st.title("authkit init: summary") + "\n\n")
		m.answered(&b, m.pos)
		b.WriteString("\n" + m.st.title("Create files?") + " (enter to confirm, b to go back)\n")
		b.WriteString(m.st.faint("esc to cancel") + "\n")
		return b.String()
	}

	fmt.Fprintf(&b, "%s %s\n", m.st.title("authkit init"), m.st.faint(fmt.Sprintf("(step %d of %d)", m.pos+1, len(m.steps())-1)))
	if m.pos > 0 {
		b.WriteString("\n")
		m.answered(&b, m.pos)
	}
	b.WriteString("\n" + m.st.title(questions[s]) + "\n")

	backHint := ""
	if m.pos > 0 {
		backHint = " · b back"
	}
	switch s {
	case stepBaseURL:
		b.WriteString("> " + m.urlView() + "\n")
		if m.msg != "" {
			b.WriteString(m.st.bad("  "+m.msg) + "\n")
		}
		hint := "enter continue"
		if m.pos > 0 {
			hint += " · shift+tab back"
		}
		b.WriteString("\n" + m.st.faint(hint+" · esc cancel") + "\n")
	default:
		m.list(&b, s)
		if m.msg != "" {
			b.WriteString(m.st.bad("  "+m.msg) + "\n")
		}
		hint := "↑/↓ move · enter select"
		if s == stepProviders {
			hint = "↑/↓ move · space toggle · enter continue"
		}
		b.WriteString("\n" + m.st.faint(hint+backHint+" · esc cancel") + "\n")
	}
	return b.String()
}

// list writes the choices of step s.
func (m Model) list(b *strings.Builder, s step) {
	cs := m.choices(s)
	labels := make([]string, len(cs))
	width := 0
	for i, c := range cs {
		labels[i] = c.Label
		if labels[i] == "" {
			labels[i] = c.Value
		}
		width = max(width, lipgloss.Width(labels[i]))
	}
	for i, c := range cs {
		line := labels[i]
		if s == stepProviders {
			box := "[ ] "
			if m.picked[i] {
				box = "[x] "
			}
			line = box + line
		}
		if i == m.cursor[s] {
			line = m.st.sel("> " + line)
		} else {
			line = "  " + line
		}
		if s == stepLinking {
			if h, ok := linkingHelp[c.Value]; ok {
				line += strings.Repeat(" ", width-lipgloss.Width(labels[i])) + "  " + m.st.faint(h)
			}
		}
		b.WriteString(line + "\n")
	}
}

// urlView draws the base URL being typed with its cursor: reversed when
// the terminal has attributes, otherwise as _ at the end or | before the
// character under it.
func (m Model) urlView() string {
	before, after := string(m.url[:m.urlPos]), string(m.url[m.urlPos:])
	if m.ascii {
		if after == "" {
			return before + "_"
		}
		return before + "|" + after
	}
	under := " "
	if after != "" {
		r := []rune(after)
		under, after = string(r[0]), string(r[1:])
	}
	return before + m.st.cur(under) + after
}
