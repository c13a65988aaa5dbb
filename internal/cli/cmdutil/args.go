package cmdutil

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// Argument validation. cobra reports a wrong number of arguments, a missing
// required flag and an unknown subcommand of a group as plain errors (and
// the last one not at all: it prints the group's help and succeeds).
// authkit reports each of them as a usage error (exit 2) in its own style,
// so every command sets Args to one of the validators below, and every
// command group is made with Group. Any other plain error that reaches the
// root is a runtime failure (exit 1), never a usage error.

// Args makes validate, a cobra argument validator, return usage errors. It
// also checks the command's required flags and flag groups, which cobra
// checks after Args and reports as plain errors. A nil validate accepts
// any arguments.
func Args(validate cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if validate != nil {
			if err := validate(cmd, args); err != nil {
				return UsageOf(cmd, err)
			}
		}
		if err := cmd.ValidateRequiredFlags(); err != nil {
			return UsageOf(cmd, err)
		}
		if err := cmd.ValidateFlagGroups(); err != nil {
			return UsageOf(cmd, err)
		}
		return nil
	}
}

// NoArgs accepts no arguments.
var NoArgs = Args(cobra.NoArgs)

// ExactArgs accepts exactly n arguments.
func ExactArgs(n int) cobra.PositionalArgs { return Args(cobra.ExactArgs(n)) }

// MinimumNArgs accepts n arguments or more.
func MinimumNArgs(n int) cobra.PositionalArgs { return Args(cobra.MinimumNArgs(n)) }

// MaximumNArgs accepts at most n arguments.
func MaximumNArgs(n int) cobra.PositionalArgs { return Args(cobra.MaximumNArgs(n)) }

// UsageOf makes err, a misuse of cmd's flags or arguments, a usage error
// (exit 2) that points at cmd's help. An *Error passes through unchanged.
func UsageOf(cmd *cobra.Command, err error) error {
	if e, ok := err.(*Error); ok {
		return e
	}
	path := cmd.CommandPath()
	return &Error{Action: "run " + path, Err: err, Fix: "see `" + path + " --help`", Code: ExitUsage}
}

// FlagError is the root's FlagErrorFunc: a flag that cmd does not know, or
// a bad flag value, is a usage error. On a group, a mistyped subcommand
// before the flag (`authkit users lsit --json`) is the real mistake, and
// that is what it reports.
func FlagError(cmd *cobra.Command, err error) error {
	if cmd.HasSubCommands() {
		if e := unknownSubcommand(cmd, cmd.Flags().Args()); e != nil {
			return e
		}
	}
	return UsageOf(cmd, err)
}

// Group makes cmd a command group (a command whose work is done by its
// subcommands) and returns it.
//
// Run bare (`authkit users`), a group prints its help on stdout and exits
// 0: asking a group what it holds is not a mistake, and git and gh do the
// same. Run with an argument that names none of its subcommands
// (`authkit db migrat`), it is a usage error (exit 2) that names the
// argument and suggests the closest subcommands. cobra alone would print
// the help and exit 0 for both, so a typo in a script would pass unnoticed.
func Group(cmd *cobra.Command) *cobra.Command {
	cmd.Args = Args(unknownSubcommand)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	// The usage line is then "authkit users", not "authkit users [flags]":
	// a group does nothing with flags.
	cmd.DisableFlagsInUseLine = true
	return cmd
}

// unknownSubcommand refuses any argument of a group: cobra has already
// taken every argument that names one of its subcommands.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	path := cmd.CommandPath()
	fix := "see `" + path + " --help` for its commands"
	if s := suggestions(cmd, args[0]); len(s) > 0 {
		for i, name := range s {
			s[i] = "`" + path + " " + name + "`"
		}
		alternatives := s[0]
		if len(s) > 1 {
			alternatives = strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
		}
		fix = fmt.Sprintf("did you mean %s? (see `%s --help`)", alternatives, path)
	}
	return &Error{Action: "run " + path, Err: fmt.Errorf("unknown command %s", Quote(args[0])), Fix: fix, Code: ExitUsage}
}

// suggestions are cobra's suggestions for a mistyped subcommand of cmd:
// the subcommands within an edit distance of 2, or that it is a prefix of.
func suggestions(cmd *cobra.Command, typed string) []string {
	if cmd.DisableSuggestions {
		return nil
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	return cmd.SuggestionsFor(typed)
}

// CheckText rejects string inputs that no database keeps as text: invalid
// UTF-8 and NUL bytes (Postgres refuses both; SQLite would compare raw
// bytes). pairs alternate a name ("the user", "--provider") and its value.
// Everything else is a literal: the store binds it as a query parameter
// and escapes LIKE wildcards. Run it on every user-supplied string before
// it reaches the store, so both engines answer alike (exit 2).
func CheckText(action string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		name, v := pairs[i], pairs[i+1]
		fix := "pass " + name + " as UTF-8 text without NUL bytes"
		switch {
		case !utf8.ValidString(v):
			return Usage(action, fix, "%s %s is not valid UTF-8 text", name, Quote(v))
		case strings.ContainsRune(v, 0):
			return Usage(action, fix, "%s %s holds a NUL byte", name, Quote(v))
		}
	}
	return nil
}
