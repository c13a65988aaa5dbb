// Package secret implements `authkit secret`: make a new AUTH_SECRET, and
// write it into a dotenv file.
package secret

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/cli/secret/dotenv"
	"github.com/spf13/cobra"
)

// Name is the variable `authkit secret --write` sets.
const Name = "AUTH_SECRET"

// maxDotenvSize bounds the dotenv file --write reads and rewrites.
const maxDotenvSize = 1 << 20

// Options are the inputs of `authkit secret`.
type Options struct {
	Write  string
	Yes    bool
	DryRun bool
	JSON   bool
}

// NewCmdSecret returns the `authkit secret` command.
func NewCmdSecret(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "secret",
		Short: "Make a new AUTH_SECRET (32 random bytes, base64), or write one into a dotenv file",
		Long: `Prints a new secret: 32 bytes from the system's secure random source in
standard base64 (44 characters), like ` + "`npx auth secret`" + `. Auth.js uses the
string as it is (it never decodes it), and so does authkit.

With --write FILE, the secret is not printed: AUTH_SECRET is set in the dotenv
file FILE instead, and stderr says what was written where. The file is created
with mode 0600 when missing. Otherwise the line that assigns AUTH_SECRET is
rewritten in place (every line that does, when there are several) or, when
none does, the assignment is added at the end; every other line, comment and
byte stays as it was. The new file replaces the old one in one rename, with
the same mode. Replacing an existing AUTH_SECRET signs everybody out (their
session tokens were made with the old one): it asks first on a terminal and
needs --yes otherwise. To rotate without signing people out, keep the old
value as AUTH_SECRET_1 by hand first.

--dry-run says what --write would do and changes nothing.

With --json it prints {"secret"} alone, or with --write
{"file", "name", "created", "replaced", "dryRun"} (never the secret).`,
		Example: `  authkit secret
  authkit secret --write .env.local
  authkit secret --write .env --yes --json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("write") && opts.Write == "" {
				return cmdutil.UsageError("write "+Name, "--write needs a file name")
			}
			if opts.DryRun && opts.Write == "" {
				return cmdutil.UsageError("make a secret", "--dry-run goes with --write")
			}
			return runSecret(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Write, "write", "", "set AUTH_SECRET in this dotenv `file` instead of printing it")
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "replace an existing AUTH_SECRET without asking")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "with --write, say what would be written and change nothing")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

// New returns a new secret: 32 random bytes in standard base64.
func New() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

func runSecret(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	value, err := New()
	if err != nil {
		return cmdutil.Fail("make a secret", err, "check the system's random source")
	}
	if opts.Write == "" {
		if opts.JSON {
			return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, map[string]string{"secret": value}))
		}
		_, err := fmt.Fprintln(f.IO.Out, value)
		return cmdutil.OutputError(err)
	}
	return writeSecret(ctx, f, opts, value)
}

func writeSecret(ctx context.Context, f *cmdutil.Factory, opts *Options, value string) error {
	action := "write " + Name + " to " + cmdutil.Quote(opts.Write)
	if err := cmdutil.CheckText(action, "--write", opts.Write); err != nil {
		return err
	}
	path, data, mode, created, err := readTarget(opts.Write)
	if err != nil {
		return cmdutil.Fail(action, err, "give --write the path of a dotenv file, such as .env.local")
	}
	out, replaced, err := dotenv.Set(data, Name, value)
	if err != nil {
		return cmdutil.Fail(action, fmt.Errorf("the %s line: %w", Name, err), "edit the file by hand")
	}
	if opts.DryRun {
		return reportDryRun(f, opts, created, replaced)
	}
	if replaced > 0 {
		q := fmt.Sprintf("Replace %s in %s? Every session made with the old secret ends (keep it as AUTH_SECRET_1 to rotate instead).", Name, cmdutil.Quote(opts.Write))
		if err := f.Confirm(ctx, opts.Yes, action, q); err != nil {
			return err
		}
	}
	if err := writeAtomic(path, out, mode); err != nil {
		return cmdutil.Fail(action, err, "check that the file's directory is writable and the disk has space (the file is unchanged)")
	}
	return reportWrite(f, opts, mode, created, replaced)
}

// readTarget reads the dotenv file at name, through symbolic links, and
// returns the path to write, its content and mode (0600 for a new file).
func readTarget(name string) (path string, data []byte, mode fs.FileMode, created bool, err error) {
	path = name
	if resolved, err := filepath.EvalSymlinks(name); err == nil {
		path = resolved
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return path, nil, 0o600, true, nil
	case err != nil:
		return "", nil, 0, false, err
	case !st.Mode().IsRegular():
		return "", nil, 0, false, errors.New("it is not a regular file")
	}
	file, err := os.Open(path)
	if err != nil {
		return "", nil, 0, false, err
	}
	defer file.Close()
	data, err = io.ReadAll(io.LimitReader(file, maxDotenvSize+1))
	if err != nil {
		return "", nil, 0, false, err
	}
	if len(data) > maxDotenvSize {
		return "", nil, 0, false, fmt.Errorf("it is larger than %d bytes, which is no dotenv file", maxDotenvSize)
	}
	return path, data, st.Mode().Perm(), false, nil
}

// writeAtomic replaces path with data in one rename: a temporary file in
// the same directory, given mode, synced, then renamed over path. On
// failure path is untouched and the temporary file removed.
func writeAtomic(path string, data []byte, mode fs.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func reportDryRun(f *cmdutil.Factory, opts *Options, created bool, replaced int) error {
	what := fmt.Sprintf("would add %s to %s", Name, cmdutil.Quote(opts.Write))
	switch {
	case created:
		what = fmt.Sprintf("would create %s (mode 0600) with %s", cmdutil.Quote(opts.Write), Name)
	case replaced > 0:
		what = fmt.Sprintf("would replace %s in %s (%d line(s))", Name, cmdutil.Quote(opts.Write), replaced)
	}
	if opts.JSON {
		err := cmdutil.PrintJSON(f.IO.Out, map[string]any{"file": opts.Write, "name": Name, "created": created, "replaced": replaced > 0, "dryRun": true})
		if err != nil {
			return cmdutil.OutputError(err)
		}
	}
	fmt.Fprintln(f.IO.ErrOut, "Dry run: "+what+"; nothing was changed.")
	return nil
}

func reportWrite(f *cmdutil.Factory, opts *Options, mode fs.FileMode, created bool, replaced int) error {
	if opts.JSON {
		err := cmdutil.PrintJSON(f.IO.Out, map[string]any{"file": opts.Write, "name": Name, "created": created, "replaced": replaced > 0, "dryRun": false})
		if err != nil {
			return cmdutil.OutputError(err)
		}
	}
	what := fmt.Sprintf("Added %s to %s", Name, cmdutil.Quote(opts.Write))
	switch {
	case created:
		what = fmt.Sprintf("Wrote %s to the new file %s (mode 0600)", Name, cmdutil.Quote(opts.Write))
	case replaced > 0:
		what = fmt.Sprintf("Replaced %s in %s", Name, cmdutil.Quote(opts.Write))
	}
	fmt.Fprintln(f.IO.ErrOut, what+"; the secret was not printed.")
	if mode&0o044 != 0 {
		fmt.Fprintf(f.IO.ErrOut, "authkit: warning: %s is readable by other users (mode %04o); run chmod 600 %s\n",
			cmdutil.Quote(opts.Write), mode, cmdutil.Safe(opts.Write))
	}
	return nil
}
