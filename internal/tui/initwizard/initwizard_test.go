package initwizard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

var testCatalogue = Catalogue{
	Templates: []Choice{{Value: "go", Label: "Go (net/http)"}, {Value: "nextjs", Label: "Next.js (Auth.js v5)"}},
	Providers: []Choice{{Value: "github", Label: "GitHub"}, {Value: "google", Label: "Google"}, {Value: "discord", Label: "Discord"}},
	Sessions:  []Choice{{Value: "jwt", Label: "JWT"}, {Value: "database", Label: "Database"}},
	Databases: []Choice{{Value: "sqlite", Label: "SQLite"}, {Value: "postgres", Label: "Postgres"}},
	Linking:   []Choice{{Value: "never", Label: "never"}, {Value: "verified", Label: "verified"}, {Value: "always", Label: "always"}},
}

var testDefaults = Answers{
	Template:  "go",
	Providers: []string{"github"},
	Session:   "jwt",
	Database:  "sqlite",
	Linking:   "never",
	BaseURL:   "http://localhost:3000",
}

// checkURL stands in for the command's check of the base URL: absolute,
// and without a path for the nextjs template.
func checkURL(a Answers) error {
	s := a.BaseURL
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL, such as https://app.example.com", s)
	}
	if a.Template == "nextjs" && strings.Trim(u.Path, "/") != "" {
		return fmt.Errorf("%q has a path, which a Next.js app cannot have", s)
	}
	return nil
}

func newTest(t *testing.T, defaults Answers) Model {
	t.Helper()
	m := New(testCatalogue, defaults, checkURL).WithRenderer(nil) // plain text
	if m.Init() != nil {
		t.Error("Init should not start anything")
	}
	return m
}

// key turns a key name into the message bubbletea sends for it: named
// keys, or else the runes typed.
func key(name string) tea.KeyMsg {
	named := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "space": tea.KeySpace, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "esc": tea.KeyEsc, "ctrl+c": tea.KeyCtrlC,
		"tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab, "backspace": tea.KeyBackspace,
		"ctrl+u": tea.KeyCtrlU, "home": tea.KeyHome, "end": tea.KeyEnd,
	}
	if k, ok := named[name]; ok {
		return tea.KeyMsg{Type: k}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)}
}

// press sends the keys one by one and returns the model and the last
// command.
func press(t *testing.T, m Model, keys ...string) (Model, tea.Cmd) {
	t.Helper()
	var cmd tea.Cmd
	for _, k := range keys {
		var next tea.Model
		next, cmd = m.Update(key(k))
		m = next.(Model)
	}
	return m, cmd
}

func view(t *testing.T, m Model) string {
	t.Helper()
	v := m.View()
	if ansi.Strip(v) != v {
		t.Errorf("a plain view has escape sequences: %q", v)
	}
	if !strings.HasSuffix(v, "\n") {
		t.Error("the view must end with a newline")
	}
	return v
}

func mustContain(t *testing.T, v string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(v, p) {
			t.Errorf("the view lacks %q:\n%s", p, v)
		}
	}
}

func mustNotContain(t *testing.T, v string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(v, p) {
			t.Errorf("the view has %q:\n%s", p, v)
		}
	}
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestHappyPath(t *testing.T) {
	m := newTest(t, testDefaults)
	v := view(t, m)
	mustContain(t, v, "step 1 of 6", "Which template?", "> Go (net/http)", "  Next.js (Auth.js v5)", "esc cancel")
	mustNotContain(t, v, "b back") // nothing to go back to

	m, _ = press(t, m, "down")
	mustContain(t, view(t, m), "> Next.js (Auth.js v5)", "  Go (net/http)")
	m, _ = press(t, m, "enter")

	v = view(t, m)
	mustContain(t, v, "step 2 of 6", "Template  Next.js (Auth.js v5)", "Which providers?",
		"> [x] GitHub", "  [ ] Google", "  [ ] Discord", "space toggle", "b back")
	m, _ = press(t, m, "down", "space")
	mustContain(t, view(t, m), "  [x] GitHub", "> [x] Google", "  [ ] Discord")
	m, _ = press(t, m, "enter")

	mustContain(t, view(t, m), "Providers  GitHub, Google", "Which session strategy?", "> JWT")
	m, _ = press(t, m, "j", "enter")

	mustContain(t, view(t, m), "Which database?", "> SQLite", "  Postgres")
	m, _ = press(t, m, "down", "enter")

	v = view(t, m)
	mustContain(t, v, "When may a sign-in link",
		"> never     the Auth.js default",
		"  verified  link when a trusted provider has verified the email",
		"  always    link on any matching email (dangerous")
	m, _ = press(t, m, "down", "enter")

	v = view(t, m)
	mustContain(t, v, "step 6 of 6", "Linking policy    verified", "What is the app's base URL?",
		"> http://localhost:3000_", "shift+tab back")
	m, _ = press(t, m, "ctrl+u", "https://auth.example.com", "enter")

	v = view(t, m)
	mustContain(t, v,
		"Template          Next.js (Auth.js v5)",
		"Providers         GitHub, Google",
		"Session strategy  Database",
		"Database          Postgres",
		"Linking policy    verified",
		"Base URL          https://auth.example.com",
		"Create files? (enter to confirm, b to go back)")
	if m.Done() {
		t.Fatal("done before confirming")
	}
	if _, err := m.Result(); err == nil {
		t.Fatal("Result before confirming: no error")
	}

	m, cmd := press(t, m, "enter")
	if !m.Done() || !isQuit(cmd) {
		t.Fatalf("enter on the summary: done %v, quit %v", m.Done(), isQuit(cmd))
	}
	got, err := m.Result()
	if err != nil {
		t.Fatal(err)
	}
	want := Answers{
		Template:  "nextjs",
		Providers: []string{"github", "google"},
		Session:   "database",
		Database:  "postgres",
		Linking:   "verified",
		BaseURL:   "https://auth.example.com",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("answers:\n got %+v\nwant %+v", got, want)
	}
	v = view(t, m)
	mustContain(t, v, "Providers         GitHub, Google")
	mustNotContain(t, v, "Create files?")

	// Keys after the end change nothing.
	m, cmd = press(t, m, "esc")
	if !m.Done() || cmd != nil {
		t.Error("a key after confirming changed the wizard")
	}
}

func TestDefaultsOnly(t *testing.T) {
	m := newTest(t, testDefaults)
	m, _ = press(t, m, "enter", "enter", "enter", "enter", "enter", "enter")
	mustContain(t, view(t, m), "Create files?", "Base URL          http://localhost:3000")
	m, cmd := press(t, m, "enter")
	got, err := m.Result()
	if err != nil || !isQuit(cmd) {
		t.Fatalf("result %v, quit %v", err, isQuit(cmd))
	}
	if !reflect.DeepEqual(got, testDefaults) {
		t.Errorf("answers:\n got %+v\nwant %+v", got, testDefaults)
	}
}

func TestDefaultsPreselected(t *testing.T) {
	d := Answers{Template: "nextjs", Providers: []string{"google", "discord", "unknown"}, Session: "database",
		Database: "postgres", Linking: "always", BaseURL: "https://x.example"}
	m := newTest(t, d)
	mustContain(t, view(t, m), "> Next.js")
	m, _ = press(t, m, "enter")
	mustContain(t, view(t, m), "  [ ] GitHub", "> [x] Google", "  [x] Discord")
	m, _ = press(t, m, "enter", "enter", "enter", "enter", "enter", "enter")
	got, err := m.Result()
	if err != nil {
		t.Fatal(err)
	}
	want := d
	want.Providers = []string{"google", "discord"} // not in the catalogue: dropped
	if !reflect.DeepEqual(got, want) {
		t.Errorf("answers:\n got %+v\nwant %+v", got, want)
	}
}

func TestInvalidBaseURL(t *testing.T) {
	m := newTest(t, testDefaults)
	m, _ = press(t, m, "enter", "enter", "enter", "enter", "enter")
	m, _ = press(t, m, "ctrl+u", "not a url", "enter")
	v := view(t, m)
	mustContain(t, v, "What is the app's base URL?", "> not a url_",
		`"not a url" is not an absolute http(s) URL, such as https://app.example.com`)
	mustNotContain(t, v, "Create files?")

	// Typing clears the error; a valid URL goes on.
	m, _ = press(t, m, "ctrl+u")
	mustNotContain(t, view(t, m), "not an absolute")
	m, _ = press(t, m, "https://app.example.com", "enter")
	mustContain(t, view(t, m), "Create files?", "Base URL          https://app.example.com")

	// An empty URL goes to the check too.
	m = newTest(t, Answers{})
	m, _ = press(t, m, "enter", "space", "enter", "enter", "enter", "enter", "enter")
	mustContain(t, view(t, m), `"" is not an absolute`)
}

func TestBaseURLEditing(t *testing.T) {
	m := newTest(t, Answers{Providers: []string{"github"}, BaseURL: "http://localhost:300"})
	m, _ = press(t, m, "enter", "enter", "enter", "enter", "enter")
	// q, b and arrows edit the text here; they do not cancel or go back.
	m, _ = press(t, m, "0", "left", "left", "backspace", "q", "home", "b")
	mustContain(t, view(t, m), "> b|http://localhost:3q00")
	if m.state != asking || m.current() != stepBaseURL {
		t.Fatal("a key meant for the text left the question")
	}
	m, _ = press(t, m, "end", "ctrl+u", " https://pasted.example \n")
	m, _ = press(t, m, "enter", "enter")
	got, err := m.Result()
	if err != nil {
		t.Fatal(err)
	}
	if got.BaseURL != "https://pasted.example" {
		t.Errorf("base URL %q", got.BaseURL)
	}
}

func TestBackNavigation(t *testing.T) {
	m := newTest(t, testDefaults)
	m, _ = press(t, m, "enter", "enter", "enter", "enter", "enter", "enter")
	mustContain(t, view(t, m), "Create files?", "Session strategy  JWT")

	m, _ = press(t, m, "b")
	mustContain(t, view(t, m), "What is the app's base URL?")
	m, _ = press(t, m, "shift+tab")
	mustContain(t, view(t, m), "When may a sign-in link")
	m, _ = press(t, m, "left")
	mustContain(t, view(t, m), "Which database?")
	m, _ = press(t, m, "b")
	v := view(t, m)
	mustContain(t, v, "Which session strategy?", "> JWT", "step 3 of 6")
	mustNotContain(t, v, "Session strategy  JWT") // not answered yet again

	m, _ = press(t, m, "down", "enter")
	mustContain(t, view(t, m), "Session strategy  Database", "Which database?", "> SQLite")
	m, _ = press(t, m, "enter", "enter", "enter")
	mustContain(t, view(t, m), "Create files?", "Session strategy  Database", "Database          SQLite")

	// Back to the first question and forward again: every other answer stays.
	m, _ = press(t, m, "b", "shift+tab", "b", "b", "b", "b", "b", "b")
	mustContain(t, view(t, m), "Which template?", "step 1 of 6")
	m, _ = press(t, m, "down", "tab", "tab", "tab", "tab", "tab", "tab")
	m, _ = press(t, m, "enter")
	got, err := m.Result()
	if err != nil {
		t.Fatal(err)
	}
	want := testDefaults
	want.Template, want.Session = "nextjs", "database"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("answers:\n got %+v\nwant %+v", got, want)
	}
}

func TestNoProviderSelected(t *testing.T) {
	m := newTest(t, testDefaults)
	m, _ = press(t, m, "enter", "space") // deselect the default
	mustContain(t, view(t, m), "> [ ] GitHub")
	m, _ = press(t, m, "enter")
	v := view(t, m)
	mustContain(t, v, "Which providers?", "select at least one provider")
	mustNotContain(t, v, "Which session strategy?")
	m, _ = press(t, m, "tab")
	mustContain(t, view(t, m), "Which providers?", "select at least one provider")

	m, _ = press(t, m, "down", "down", "space")
	mustNotContain(t, view(t, m), "select at least one provider")
	m, _ = press(t, m, "enter")
	mustContain(t, view(t, m), "Providers  Discord", "Which session strategy?")

	// The model is a value: an earlier copy keeps its own selection.
	first := newTest(t, testDefaults)
	first, _ = press(t, first, "enter")
	second, _ := press(t, first, "space")
	mustContain(t, view(t, first), "> [x] GitHub")
	mustContain(t, view(t, second), "> [ ] GitHub")
}

func TestCancel(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys []string
	}{
		{"esc on the first question", []string{"esc"}},
		{"ctrl+c on the providers", []string{"enter", "ctrl+c"}},
		{"q on the linking policy", []string{"enter", "enter", "enter", "enter", "q"}},
		{"esc on the base URL", []string{"enter", "enter", "enter", "enter", "enter", "esc"}},
		{"q on the summary", []string{"enter", "enter", "enter", "enter", "enter", "enter", "q"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, cmd := press(t, newTest(t, testDefaults), tc.keys...)
			if !isQuit(cmd) {
				t.Error("no quit")
			}
			if _, err := m.Result(); !errors.Is(err, ErrCancelled) {
				t.Errorf("err = %v, want ErrCancelled", err)
			}
			if m.Done() {
				t.Error("done after cancelling")
			}
			mustContain(t, view(t, m), "cancelled")
		})
	}
}

func TestRunesTypedTogether(t *testing.T) {
	// A fast typist's keys can come as one message: outside the text
	// field each is a key.
	m := newTest(t, testDefaults)
	m, _ = press(t, m, "jk", "enter", "j", " ", "enter", "jj", "enter", "enter", "enter")
	a := m.Answers()
	if a.Template != "go" || !reflect.DeepEqual(a.Providers, []string{"github", "google"}) || a.Session != "database" {
		t.Errorf("answers %+v", a)
	}
	m, _ = press(t, m, "enter", "bxq") // back from the summary: the rest is typed
	if m.state != asking || !strings.HasSuffix(m.Answers().BaseURL, "xq") {
		t.Errorf("state %v, base URL %q", m.state, m.Answers().BaseURL)
	}
}

func TestEmptyListsAreSkipped(t *testing.T) {
	cat := testCatalogue
	cat.Templates, cat.Linking = nil, nil
	m := New(cat, testDefaults, nil).WithRenderer(nil)
	v := view(t, m)
	mustContain(t, v, "step 1 of 4", "Which providers?")
	m, _ = press(t, m, "enter", "enter", "enter", "ctrl+u", "anything", "enter") // nil check: accepted
	mustContain(t, view(t, m), "Create files?")
	m, _ = press(t, m, "enter")
	got, err := m.Result()
	if err != nil {
		t.Fatal(err)
	}
	want := testDefaults
	want.BaseURL = "anything"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("answers:\n got %+v\nwant %+v", got, want)
	}
}

func TestRun(t *testing.T) {
	script := strings.Join([]string{
		"\x1b[B\r",                       // template: down to nextjs
		"\x1b[B \r",                      // providers: down to google, select, keep github
		"\x1b[B\r",                       // session: database
		"j\r",                            // database: postgres
		"\x1b[Bk\x1b[B\r",                // linking: verified
		"\x15https://auth.example.com\r", // base URL: ctrl+u, type
		"\r",                             // confirm
	}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	got, err := Run(ctx, strings.NewReader(script), &out, testCatalogue, testDefaults, checkURL)
	if err != nil {
		t.Fatalf("Run: %v\noutput:\n%s", err, out.String())
	}
	want := Answers{
		Template:  "nextjs",
		Providers: []string{"github", "google"},
		Session:   "database",
		Database:  "postgres",
		Linking:   "verified",
		BaseURL:   "https://auth.example.com",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("answers:\n got %+v\nwant %+v", got, want)
	}
	// The final view stays on the terminal, without colour (not a TTY).
	o := out.String()
	mustContain(t, o, "Base URL", "https://auth.example.com")
	if strings.Contains(o, "\x1b[3") || strings.Contains(o, "\x1b[1m") {
		t.Errorf("colour on an output that is not a terminal: %q", o)
	}
}

func TestRunPipe(t *testing.T) {
	// Keys arrive one small write at a time, as from a terminal.
	r, w := io.Pipe()
	go func() {
		for _, k := range []string{"\r", "\x1b[B", " ", "\r", "\r", "\r", "\r", "\r", "\r"} {
			time.Sleep(5 * time.Millisecond)
			if _, err := w.Write([]byte(k)); err != nil {
				return
			}
		}
		// The writer stays open, like a terminal: the wizard ends on its own.
	}()
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := Run(ctx, r, io.Discard, testCatalogue, testDefaults, checkURL)
	if err != nil {
		t.Fatal(err)
	}
	want := testDefaults
	want.Providers = []string{"github", "google"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("answers:\n got %+v\nwant %+v", got, want)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, script := range []string{"\x03", "\r\x1b[B q"} { // ctrl+c; q on a list
		_, err := Run(ctx, strings.NewReader(script), io.Discard, testCatalogue, testDefaults, checkURL)
		if !errors.Is(err, ErrCancelled) {
			t.Errorf("%q: err = %v, want ErrCancelled", script, err)
		}
	}
}

func TestRunInputEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Run(ctx, strings.NewReader("\r\r"), io.Discard, testCatalogue, testDefaults, checkURL)
	if !errors.Is(err, ErrInputEnded) {
		t.Errorf("err = %v, want ErrInputEnded", err)
	}
}

func TestRunContext(t *testing.T) {
	r, w := io.Pipe() // never written: the wizard waits
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Run(ctx, r, io.Discard, testCatalogue, testDefaults, checkURL)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's error", err)
	}
}

// The base URL check sees the answers: a path that the go template takes
// is refused for nextjs, on the field, and accepted once the template is
// go again.
func TestBaseURLCheckSeesTemplate(t *testing.T) {
	d := testDefaults
	d.BaseURL = "https://app.example.com/portal"
	m := newTest(t, d)
	m, _ = press(t, m, "enter", "enter", "enter", "enter", "enter", "enter")
	mustContain(t, view(t, m), "Create files?", "Base URL          https://app.example.com/portal")

	m = newTest(t, d)
	m, _ = press(t, m, "down", "enter", "enter", "enter", "enter", "enter", "enter")
	v := view(t, m)
	mustContain(t, v, "What is the app's base URL?", "has a path, which a Next.js app cannot have")
	mustNotContain(t, v, "Create files?")
	// Back to the template: go takes the path.
	m, _ = press(t, m, "shift+tab", "b", "b", "b", "b", "up", "enter", "enter", "enter", "enter", "enter", "enter")
	mustContain(t, view(t, m), "Create files?", "Template          Go (net/http)", "Base URL          https://app.example.com/portal")
}

// flagCatalogue is testCatalogue with the command's per-template session
// defaults and its rule that a Next.js app with JWT sessions has no
// database.
func flagCatalogue() Catalogue {
	cat := testCatalogue
	cat.SessionDefaults = map[string]string{"go": "database", "nextjs": "jwt"}
	cat.SkipDatabase = func(a Answers) bool { return a.Template == "nextjs" && a.Session == "jwt" }
	return cat
}

// Choosing Next.js preselects JWT sessions, as the flags default to, and
// then skips the database question: it is not asked, not shown, and not
// answered.
func TestTemplateSessionDefaults(t *testing.T) {
	d := testDefaults
	d.Session = "database" // the go default
	m := New(flagCatalogue(), d, checkURL).WithRenderer(nil)
	mustContain(t, view(t, m), "step 1 of 6")
	m, _ = press(t, m, "down", "enter")
	mustContain(t, view(t, m), "step 2 of 5")
	m, _ = press(t, m, "enter")
	mustContain(t, view(t, m), "Which session strategy?", "> JWT", "step 3 of 5")
	m, _ = press(t, m, "enter")
	v := view(t, m)
	mustContain(t, v, "When may a sign-in link", "step 4 of 5")
	mustNotContain(t, v, "Which database?", "Database ")
	m, _ = press(t, m, "enter", "enter")
	v = view(t, m)
	mustContain(t, v, "Create files?", "Session strategy  JWT")
	mustNotContain(t, v, "Database ")
	// Back from the linking policy goes to the session, not the database.
	m, _ = press(t, m, "b", "shift+tab", "b")
	mustContain(t, view(t, m), "Which session strategy?")
	m, _ = press(t, m, "enter", "enter", "enter", "enter")
	got, err := m.Result()
	if err != nil {
		t.Fatal(err)
	}
	want := Answers{Template: "nextjs", Providers: []string{"github"}, Session: "jwt", Linking: "never", BaseURL: "http://localhost:3000"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("answers:\n got %+v\nwant %+v", got, want)
	}

	// Database sessions with Next.js ask for the database again.
	m = New(flagCatalogue(), d, checkURL).WithRenderer(nil)
	m, _ = press(t, m, "down", "enter", "enter", "down", "enter")
	mustContain(t, view(t, m), "Which database?", "step 4 of 6")

	// Back to go: the session follows the template again (database);
	// staying on the same template keeps what the user chose.
	m = New(flagCatalogue(), d, checkURL).WithRenderer(nil)
	m, _ = press(t, m, "down", "enter", "enter", "b", "b", "up", "enter", "enter")
	mustContain(t, view(t, m), "Which session strategy?", "> Database")
	m, _ = press(t, m, "up", "enter", "b", "b", "b", "enter", "enter")
	mustContain(t, view(t, m), "Which session strategy?", "> JWT")

	// Without SessionDefaults (the command was given --session), the
	// session answer is left alone.
	cat := flagCatalogue()
	cat.SessionDefaults = nil
	m = New(cat, d, checkURL).WithRenderer(nil)
	m, _ = press(t, m, "down", "enter", "enter")
	mustContain(t, view(t, m), "Which session strategy?", "> Database")
}
