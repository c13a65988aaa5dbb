package users

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/password"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// SetPasswordOptions are the inputs of `authkit users set-password`.
// There is deliberately no way to pass the password as an argument.
type SetPasswordOptions struct {
	Factory *cmdutil.Factory
	// User is the id or email of the user.
	User string
	// ReadSecret reads one password without echo from a terminal; nil
	// means term.ReadPassword on stdin when stdin is a terminal file.
	// Tests set it.
	ReadSecret func() ([]byte, error)
}

// NewCmdSetPassword returns `authkit users set-password`.
func NewCmdSetPassword(f *cmdutil.Factory) *cobra.Command {
	opts := &SetPasswordOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "set-password <user>",
		Short: "Set the password of a user",
		Long: fmt.Sprintf(`Sets (or replaces) the password a user signs in with, stored as an
argon2id hash in the authkit schema's credentials table.

On a terminal it asks twice without echo; otherwise it reads one line from
stdin (the trailing newline, and a carriage return before it, are dropped).
The password is never taken from the command line. It needs at least %d
characters and at most %d bytes; it is compared after Unicode NFKC
normalisation, with no case folding and no trimming.

Auth.js schemas keep no passwords (authkit never alters their tables).`, password.MinLength, password.MaxLength),
		Example: `  authkit users set-password ada@example.com
  printf '%s\n' "$NEW_PASSWORD" | authkit users set-password ada@example.com`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			return runSetPassword(cmd.Context(), opts)
		},
	}
	return cmd
}

func runSetPassword(ctx context.Context, opts *SetPasswordOptions) error {
	f := opts.Factory
	action := "set the password of user " + cmdutil.Quote(opts.User)
	if err := checkUserArg(action, opts.User); err != nil {
		return err
	}
	st, err := f.OpenStore(ctx, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if st.Profile() != sqlstore.ProfileAuthkit {
		return cmdutil.Fail(action, fmt.Errorf("%w: the %s schema has no credentials table and authkit never alters Auth.js tables",
			store.ErrUnsupported, st.Profile()), "use a database with the authkit schema (`authkit db migrate`)")
	}
	u, err := cmdutil.ResolveUser(ctx, st, opts.User)
	if err != nil {
		return cmdutil.FailStore(action, err, fixFindUser)
	}
	pw, err := readNewPassword(f, opts)
	if err != nil {
		return cmdutil.Fail(action, err, "")
	}
	if err := password.Check(pw); err != nil {
		return cmdutil.Fail(action, err, fmt.Sprintf("choose a password of at least %d characters and at most %d bytes", password.MinLength, password.MaxLength))
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return cmdutil.Fail(action, err, "")
	}
	err = st.WithTx(ctx, func(tx store.Store) error {
		if err := tx.SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		return tx.RecordEvent(ctx, store.Event{Type: store.EventSetPassword, UserID: u.ID, Actor: f.Actor(),
			Detail: map[string]string{"scheme": "argon2id"}})
	})
	if err != nil {
		return cmdutil.FailStore(action, err, notFoundFix(err))
	}
	fmt.Fprintf(f.IO.Out, "set the password of user %s\n", describe(u))
	return nil
}

// readNewPassword asks twice without echo on a terminal, or reads one line
// from stdin.
func readNewPassword(f *cmdutil.Factory, opts *SetPasswordOptions) (string, error) {
	read := opts.ReadSecret
	if read == nil && f.IO.InTTY {
		if file, ok := f.IO.In.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
			read = func() ([]byte, error) { return term.ReadPassword(int(file.Fd())) }
		}
	}
	if read == nil {
		return readLine(f.IO.In)
	}
	fmt.Fprint(f.IO.ErrOut, "New password: ")
	first, err := read()
	fmt.Fprintln(f.IO.ErrOut)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if len(first) == 0 {
		return "", password.ErrEmpty
	}
	fmt.Fprint(f.IO.ErrOut, "Repeat it: ")
	second, err := read()
	fmt.Fprintln(f.IO.ErrOut)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if subtle.ConstantTimeCompare(first, second) != 1 {
		return "", errors.New("the two passwords differ")
	}
	return string(first), nil
}

// readLine reads one line of at most password.MaxLength bytes from r,
// dropping the trailing "\n" (and a "\r" before it). More than one line is
// refused, so a file with several lines is not half-used.
func readLine(r io.Reader) (string, error) {
	// Read a little past the limit to tell a too-long password from one
	// that fits, without reading an unbounded stream.
	buf, err := io.ReadAll(io.LimitReader(r, password.MaxLength+3))
	if err != nil {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	line, rest, found := bytes.Cut(buf, []byte("\n"))
	if found && len(rest) > 0 {
		if len(line) > password.MaxLength {
			return "", password.ErrTooLong
		}
		return "", errors.New("stdin has more than one line; pass only the password")
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) > password.MaxLength {
		return "", password.ErrTooLong
	}
	if len(line) == 0 {
		return "", password.ErrEmpty
	}
	return string(line), nil
}
