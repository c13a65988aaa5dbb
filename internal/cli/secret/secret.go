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
	"syscall"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/cli/secret/dotenv"
	"github.com/spf13/cobra"
)

// Name is the variable `authkit secret --write` sets.
const Name = "AUTH_SECRET"

// The number of random bytes in a secret: DefaultBytes as `npx auth
// secret` makes, at least MinBytes (the shortest HMAC secret authkit
// accepts), at most MaxBytes.
const (
	DefaultBytes = 32
	MinBytes     = 32
	MaxBytes     = 512
)

// maxDotenvSize bounds the dotenv file --write reads and rewrites.
const maxDotenvSize = 1 << 20

// Options are the inputs of `authkit secret`.
type Options struct {
	// Bytes is how many random bytes the secret holds (--bytes).
	Bytes  int
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

--bytes N makes it N random bytes instead (32 to 512): a JWS signed with the
secret as an HS384 or HS512 key needs a secret of at least 48 or 64 bytes,
which --bytes 48 or --bytes 64 gives (base64 is longer than its bytes).

With --write FILE, the secret is not printed: AUTH_SECRET is set in the dotenv
file FILE instead, and stderr says what was written where. The file is created
with mode 0600 when missing (its directory must exist). Otherwise the line
that assigns AUTH_SECRET is rewritten in place (every line that does, when
there are several: only the value changes, in the same quotes, and the line's
export, spacing and trailing # comment stay) or, when none does, the
assignment is added at the end; every other line, comment and byte stays as
it was. The new file replaces the old one in one rename, with
the same mode. Replacing an existing AUTH_SECRET signs everybody out (their
session tokens were made with the old one): it asks first on a terminal and
needs --yes otherwise. To rotate without signing people out, keep the old
value as AUTH_SECRET_1 by hand first.

--dry-run says what --write would do and changes nothing.

With --json it prints {"secret"} alone, or with --write
{"file", "name", "created", "replaced", "dryRun"} (never the secret).`,
		Example: `  authkit secret
  authkit secret --bytes 64
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
			if opts.Bytes < MinBytes || opts.Bytes > MaxBytes {
				return cmdutil.Usage("make a secret", fmt.Sprintf("pass --bytes from %d (the default) to %d", MinBytes, MaxBytes),
					"--bytes %d is out of range: a secret has %d to %d random bytes", opts.Bytes, MinBytes, MaxBytes)
			}
			return runSecret(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().IntVar(&opts.Bytes, "bytes", DefaultBytes, fmt.Sprintf("how many random `bytes` the secret holds (%d to %d)", MinBytes, MaxBytes))
	cmd.Flags().StringVar(&opts.Write, "write", "", "set AUTH_SECRET in this dotenv `file` instead of printing it")
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "replace an existing AUTH_SECRET without asking")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "with --write, say what would be written and change nothing")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

// New returns a new secret: DefaultBytes (32) random bytes in standard
// base64.
func New() (string, error) { return NewBytes(DefaultBytes) }

// NewBytes returns a new secret of n random bytes in standard base64 (a
// string of 4*ceil(n/3) characters). n must be from MinBytes to MaxBytes.
func NewBytes(n int) (string, error) {
	if n < MinBytes || n > MaxBytes {
		return "", fmt.Errorf("%d bytes is out of range: a secret has %d to %d", n, MinBytes, MaxBytes)
	}
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

func runSecret(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	value, err := NewBytes(opts.Bytes)
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
	var noDir *noDirError
	switch {
	case errors.As(err, &noDir) && noDir.notDir:
		return cmdutil.Fail(action, err, "give --write a path in an existing directory, such as .env.local")
	case errors.As(err, &noDir):
		return cmdutil.Fail(action, err, "create the directory first (mkdir -p "+cmdutil.Quote(noDir.dir)+"), or give --write a path in an existing one")
	case err != nil:
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
	if err := WriteAtomic(path, out, mode); err != nil {
		fix := "check that the file's directory is writable and the disk has space (the file is unchanged)"
		if errors.As(err, &noDir) {
			fix = "create the directory first (mkdir -p " + cmdutil.Quote(noDir.dir) + ")"
		}
		return cmdutil.Fail(action, err, fix)
	}
	return reportWrite(f, opts, mode, created, replaced)
}

// noDirError is readTarget's error for a file whose directory does not
// exist, or is not a directory.
type noDirError struct {
	dir    string
	notDir bool
}

func (e *noDirError) Error() string {
	if e.notDir {
		return "the directory " + cmdutil.Quote(e.dir) + " is not a directory"
	}
	return "the directory " + cmdutil.Quote(e.dir) + " does not exist"
}

// checkDir returns a *noDirError when dir does not exist or is no
// directory.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &noDirError{dir: dir}
	case errors.Is(err, syscall.ENOTDIR), err == nil && !st.IsDir():
		return &noDirError{dir: dir, notDir: true}
	}
	return nil
}

// readTarget reads the dotenv file at name, through symbolic links, and
// returns the path to write, its content and mode (0600 for a new file).
// A new file's directory must exist (a *noDirError otherwise).
func readTarget(name string) (path string, data []byte, mode fs.FileMode, created bool, err error) {
	path = name
	if resolved, err := filepath.EvalSymlinks(name); err == nil {
		path = resolved
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		if err := checkDir(filepath.Dir(path)); err != nil {
			return "", nil, 0, false, err
		}
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

// WriteAtomic replaces path with data in one rename: a temporary file in
// the same directory, given mode, synced, then renamed over path. On
// failure path is untouched and the temporary file removed; the error
// names the directory, never the temporary file.
func WriteAtomic(path string, data []byte, mode fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	defer func() {
		var pe *fs.PathError
		var le *os.LinkError
		switch {
		case errors.As(err, &pe):
			err = fmt.Errorf("write a new file in the directory %s: %w", cmdutil.Quote(dir), pe.Err)
		case errors.As(err, &le):
			err = fmt.Errorf("rename the new file over %s: %w", cmdutil.Quote(path), le.Err)
		}
	}()
	if err := checkDir(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
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
