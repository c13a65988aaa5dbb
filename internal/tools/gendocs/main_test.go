package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"github.com/authkit-dev/authkit/internal/testenv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/cli"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// The test binary doubles as authkit (for the completion scripts to call)
// when this variable is set.
const runAsAuthkit = "GENDOCS_TEST_RUN_AS_AUTHKIT"

func TestMain(m *testing.M) {
	if os.Getenv(runAsAuthkit) == "1" {
		os.Exit(cli.Main())
	}
	os.Exit(m.Run())
}

var testDate = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// available lists the commands that get a man page: all of them but help
// topics, hidden and deprecated ones (cobra's rule).
func available(c *cobra.Command) []*cobra.Command {
	cmds := []*cobra.Command{c}
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
			cmds = append(cmds, available(sub)...)
		}
	}
	return cmds
}

func gunzip(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return string(b)
}

func TestManPages(t *testing.T) {
	out := t.TempDir()
	if err := generate(options{Out: out, Date: &testDate, Version: "1.2.3"}); err != nil {
		t.Fatal(err)
	}
	cmds := available(rootCmd())
	var want []string
	var nested int
	for _, c := range cmds {
		path := c.CommandPath()
		if strings.Count(path, " ") >= 2 {
			nested++
		}
		name := strings.ReplaceAll(path, " ", "-") + ".1.gz"
		want = append(want, name)
		page := strings.ReplaceAll(gunzip(t, filepath.Join(out, "man", name)), `\&`, "") // roff's zero-width escape
		title := strings.ToUpper(strings.ReplaceAll(path, " ", "-"))
		c.InitDefaultHelpFlag() // as the generator does: [flags] in the usage line
		for _, s := range []string{
			`.TH "` + title + `" "1" "Nov 2026" "authkit 1.2.3" "authkit manual"`,
			".SH NAME\n" + strings.ReplaceAll(path, " ", "-") + " - " + c.Short,
			// the usage line whole: <user> and [flags] survive the
			// Markdown step
			".SH SYNOPSIS\n\\fB" + c.UseLine() + "\\fP",
		} {
			if !strings.Contains(page, s) {
				t.Errorf("%s lacks %q:\n%s", name, s, page)
			}
		}
		if strings.Contains(page, `\[la]`) {
			t.Errorf("%s has a link made of plain text:\n%s", name, page)
		}
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && !strings.Contains(page, strings.ReplaceAll(sub.CommandPath(), " ", "-")+"(1)") {
				t.Errorf("%s does not refer to %s(1)", name, sub.CommandPath())
			}
		}
	}
	if len(cmds) < 30 || nested < 20 {
		t.Errorf("only %d commands, %d of them subcommands: the tree is not the whole CLI", len(cmds), nested)
	}
	entries, err := os.ReadDir(filepath.Join(out, "man"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("man pages:\n got %v\nwant %v", got, want)
	}
	for _, name := range []string{"authkit-users-list.1.gz", "authkit-sessions-revoke.1.gz", "authkit-completion-bash.1.gz"} {
		if !slices.Contains(got, name) {
			t.Errorf("no %s", name)
		}
	}

	// A page that has tables of values keeps their columns.
	idp := gunzip(t, filepath.Join(out, "man", "authkit-dev-idp.1.gz"))
	if !strings.Contains(idp, ".EX\n  oidc     a generic OpenID provider") {
		t.Errorf("authkit-dev-idp.1 lost the --shape table:\n%s", idp)
	}
	if !strings.Contains(idp, "--user EMAIL[:NAME] (repeatable)") {
		t.Errorf("authkit-dev-idp.1 mangled EMAIL[:NAME] (repeatable):\n%s", idp)
	}
}

func TestManPagesRender(t *testing.T) {
	groff := testenv.Command(t, "groff")
	out := t.TempDir()
	if err := generate(options{Out: out, Date: &testDate}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"authkit.1.gz", "authkit-users-show.1.gz", "authkit-dev-idp.1.gz"} {
		cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z")
		cmd.Stdin = strings.NewReader(gunzip(t, filepath.Join(out, "man", name)))
		msg, err := cmd.CombinedOutput()
		if err != nil || len(msg) > 0 {
			t.Errorf("groff on %s: %v\n%s", name, err, msg)
		}
	}
}

func TestReproducible(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if err := generate(options{Out: dir, Date: &testDate, Version: "1.2.3"}); err != nil {
			t.Fatal(err)
		}
	}
	err := filepath.WalkDir(a, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, path)
		x, _ := os.ReadFile(path)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs (%v)", rel, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCompletionScripts(t *testing.T) {
	out := t.TempDir()
	if err := generate(options{Out: out, Date: &testDate}); err != nil {
		t.Fatal(err)
	}
	// cobra's scripts are dynamic: they ask `authkit __complete` for the
	// candidates, so what must be in them is the hook into that, under
	// authkit's name.
	for file, marks := range map[string][]string{
		"authkit.bash": {"complete -o default -F __start_authkit authkit", "__complete"},
		"authkit.zsh":  {"#compdef authkit", "__complete"},
		"authkit.fish": {"complete -c authkit", "__complete"},
		"authkit.ps1":  {"Register-ArgumentCompleter", "-CommandName 'authkit'", "__complete"},
	} {
		b, err := os.ReadFile(filepath.Join(out, "completions", file))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 1000 {
			t.Errorf("%s is %d bytes", file, len(b))
		}
		for _, m := range marks {
			if !bytes.Contains(b, []byte(m)) {
				t.Errorf("%s lacks %q", file, m)
			}
		}
	}
}

// complete runs authkit's completion endpoint in-process, as the scripts
// do, and returns the candidate names.
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	f := &cmdutil.Factory{IO: cmdutil.IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr},
		Getenv: func(string) string { return "" }, Now: time.Now}
	if code := cli.Run(context.Background(), f, append([]string{"__complete"}, args...)); code != 0 {
		t.Fatalf("authkit __complete %q: exit %d\n%s", args, code, stderr.String())
	}
	var names []string
	for _, line := range strings.Split(stdout.String(), "\n") {
		if line == "" || strings.HasPrefix(line, ":") {
			continue
		}
		name, _, _ := strings.Cut(line, "\t")
		names = append(names, name)
	}
	return names
}

func TestCompletionCandidates(t *testing.T) {
	root := rootCmd()
	var top []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			top = append(top, c.Name())
		}
	}
	got := complete(t, "")
	for _, name := range top {
		if !slices.Contains(got, name) {
			t.Errorf("authkit <TAB> lacks %s: %v", name, got)
		}
	}
	for _, c := range root.Commands() {
		if !c.IsAvailableCommand() || !c.HasAvailableSubCommands() {
			continue
		}
		got := complete(t, c.Name(), "")
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && !slices.Contains(got, sub.Name()) {
				t.Errorf("authkit %s <TAB> lacks %s: %v", c.Name(), sub.Name(), got)
			}
		}
	}
}

// TestBashCompletion sources the generated bash script in a real bash and
// completes against the test binary standing in for authkit.
func TestBashCompletion(t *testing.T) {
	bash := testenv.Command(t, "bash")
	out := t.TempDir()
	if err := generate(options{Out: out, Date: &testDate}); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	binDir := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(binDir, "authkit")); err != nil {
		t.Fatal(err)
	}
	// _get_comp_words_by_ref comes from the bash-completion package; a
	// minimal one stands in for it.
	const script = `
_get_comp_words_by_ref() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMP_TYPE=9
__start_authkit authkit "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"
`
	run := func(words ...string) []string {
		t.Helper()
		cmd := exec.Command(bash, append([]string{"--norc", "--noprofile", "-c", script, "bash", filepath.Join(out, "completions", "authkit.bash")}, words...)...)
		cmd.Env = append(os.Environ(), runAsAuthkit+"=1", "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"), "COLUMNS=200")
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("bash completion of %q: %v", words, err)
		}
		var names []string
		for _, f := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if fields := strings.Fields(f); len(fields) > 0 {
				names = append(names, fields[0])
			}
		}
		return names
	}
	if got := run("authkit", "use"); !slices.Equal(got, []string{"users"}) {
		t.Errorf("authkit use<TAB> = %q, want users", got)
	}
	got := run("authkit", "users", "")
	for _, want := range []string{"list", "show", "create", "link", "unlink", "merge", "delete", "duplicates"} {
		if !slices.Contains(got, want) {
			t.Errorf("authkit users <TAB> lacks %s: %q", want, got)
		}
	}
	if got := run("authkit", "sessions", "rev"); !slices.Equal(got, []string{"revoke"}) {
		t.Errorf("authkit sessions rev<TAB> = %q, want revoke", got)
	}
}
