// Command gendocs writes authkit's man pages and shell completion scripts
// from the cobra command tree, for the release archives and packages
// (goreleaser.yaml runs it as a before hook):
//
//	go run ./internal/tools/gendocs -out .release/docs
//
// It writes OUT/man/authkit.1.gz, one gzipped page for every command
// (authkit-users-list.1.gz, ...), and OUT/completions/authkit.bash,
// authkit.zsh, authkit.fish and authkit.ps1. The man pages' date is
// -date, else SOURCE_DATE_EPOCH, else today, so that a release built twice
// from one commit ships the same bytes.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/internal/build"
	"github.com/authkit-dev/authkit/internal/cli"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func main() {
	out := flag.String("out", "", "directory to write man/ and completions/ into (required)")
	date := flag.String("date", "", "date for the man pages, RFC 3339 or YYYY-MM-DD (default SOURCE_DATE_EPOCH, else today)")
	version := flag.String("version", "", "version named in the man pages' footer (default the build's)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gendocs -out DIR [-date DATE] [-version V]")
		os.Exit(2)
	}
	opts := options{Out: *out, Version: *version}
	if *date != "" {
		t, err := parseDate(*date)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gendocs: -date: %v\n", err)
			os.Exit(2)
		}
		opts.Date = &t
	}
	if err := generate(opts); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}

func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

type options struct {
	Out     string
	Date    *time.Time // nil: SOURCE_DATE_EPOCH, else now
	Version string     // "": build.Info's
}

// rootCmd builds the command tree over a Factory that touches nothing: the
// generators only read the tree.
func rootCmd() *cobra.Command {
	f := &cmdutil.Factory{
		IO:     cmdutil.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard},
		Getenv: func(string) string { return "" },
		Now:    time.Now,
	}
	root := cli.NewRootCmd(f)
	root.DisableAutoGenTag = true
	return root
}

// forMan rewrites the help texts of cmd and the commands under it for the
// Markdown that cobra hands to go-md2man: the texts are written for a
// terminal, where <user>, [--flag] and EMAIL[:NAME] (repeatable) are plain
// text, but Markdown would drop the first as HTML and turn the last into a
// link. Indented lines (tables of values) become preformatted blocks so
// that they keep their columns. The tree is only used for the docs.
func forMan(cmd *cobra.Command) {
	cmd.Use = escapeMarkdown(cmd.Use)
	cmd.Short = escapeMarkdown(cmd.Short)
	cmd.Long = manText(cmd.Long)
	for _, c := range cmd.Commands() {
		forMan(c)
	}
}

// manText escapes text and puts each run of indented lines in a fenced
// block.
func manText(text string) string {
	var b strings.Builder
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); {
		if !indented(lines[i]) {
			b.WriteString(escapeMarkdown(lines[i]))
			if i < len(lines)-1 {
				b.WriteByte('\n')
			}
			i++
			continue
		}
		b.WriteString("\n```\n")
		for ; i < len(lines) && indented(lines[i]); i++ {
			b.WriteString(lines[i] + "\n")
		}
		b.WriteString("```\n\n")
	}
	return b.String()
}

func indented(line string) bool {
	return strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")
}

// escapeMarkdown backslash-escapes the characters that Markdown would read
// as markup, outside `code spans` (which render as bold and keep their
// text as it is).
func escapeMarkdown(s string) string {
	var b strings.Builder
	inCode := false
	for _, r := range s {
		switch {
		case r == '`':
			inCode = !inCode
		case !inCode && strings.ContainsRune("\\*_[]<>#|", r):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func generate(o options) error {
	root := rootCmd()
	version := o.Version
	if version == "" {
		version, _, _ = build.Info()
	}
	manDir := filepath.Join(o.Out, "man")
	compDir := filepath.Join(o.Out, "completions")
	for _, d := range []string{manDir, compDir} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := writeCompletions(root, compDir); err != nil {
		return err
	}
	forMan(root) // after the completions, which read the Use lines
	header := doc.GenManHeader{Section: "1", Date: o.Date, Source: "authkit " + version, Manual: "authkit manual"}
	return writeMan(root, header, manDir)
}

// writeMan writes a gzipped page for cmd and each available command under
// it, named as cobra's GenManTree names them (spaces become dashes).
func writeMan(cmd *cobra.Command, header doc.GenManHeader, dir string) error {
	for _, c := range cmd.Commands() {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			continue
		}
		if err := writeMan(c, header, dir); err != nil {
			return err
		}
	}
	var page bytes.Buffer
	h := header // GenMan fills in the title from the command path
	if err := doc.GenMan(cmd, &h, &page); err != nil {
		return fmt.Errorf("cannot render the man page of %q: %w", cmd.CommandPath(), err)
	}
	name := strings.ReplaceAll(cmd.CommandPath(), " ", "-") + "." + header.Section + ".gz"
	return writeGzip(filepath.Join(dir, name), page.Bytes())
}

// writeGzip compresses data at the best level with no name or time in the
// gzip header, so the file depends on data alone.
func writeGzip(path string, data []byte) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// Completion scripts, by file name. The scripts ask the binary itself
// (`authkit __complete ...`) for commands, flags and values, so they stay
// right for whatever authkit is on the PATH.
var completions = []struct {
	file string
	gen  func(root *cobra.Command, w io.Writer) error
}{
	{"authkit.bash", func(r *cobra.Command, w io.Writer) error { return r.GenBashCompletionV2(w, true) }},
	{"authkit.zsh", func(r *cobra.Command, w io.Writer) error { return r.GenZshCompletion(w) }},
	{"authkit.fish", func(r *cobra.Command, w io.Writer) error { return r.GenFishCompletion(w, true) }},
	{"authkit.ps1", func(r *cobra.Command, w io.Writer) error { return r.GenPowerShellCompletionWithDesc(w) }},
}

func writeCompletions(root *cobra.Command, dir string) error {
	for _, c := range completions {
		var buf bytes.Buffer
		if err := c.gen(root, &buf); err != nil {
			return fmt.Errorf("cannot generate %s: %w", c.file, err)
		}
		if err := os.WriteFile(filepath.Join(dir, c.file), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
