package users

import (
	"context"
	"fmt"
	"strconv"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/spf13/cobra"
)

// DeleteOptions are the inputs of `authkit users delete`.
type DeleteOptions struct {
	Factory *cmdutil.Factory
	// User is the id or email of the user.
	User string
	// Yes skips the confirmation.
	Yes bool
	// DryRun shows what would be deleted and changes nothing.
	DryRun bool
}

// NewCmdDelete returns `authkit users delete`.
func NewCmdDelete(f *cmdutil.Factory) *cobra.Command {
	opts := &DeleteOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "delete <user>",
		Short: "Delete a user with its accounts and sessions",
		Long: `Deletes a user (by id or email) together with its linked accounts, its
sessions and its password, in one transaction. Asks for confirmation on a
terminal; pass --yes otherwise.`,
		Example: `  authkit users delete ada@example.com --dry-run
  authkit users delete ada@example.com --yes`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			return runDelete(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show what would be deleted and change nothing")
	return cmd
}

func runDelete(ctx context.Context, opts *DeleteOptions) error {
	f := opts.Factory
	action := "delete user " + cmdutil.Quote(opts.User)
	st, u, err := openUser(ctx, f, action, opts.User)
	if err != nil {
		return err
	}
	defer st.Close()
	accounts, sessions, err := holdings(ctx, st, u.ID)
	if err != nil {
		return cmdutil.FailStore(action, err, "")
	}
	what := fmt.Sprintf("user %s with %s and %s", describe(u), plural(accounts, "account"), plural(sessions, "session"))
	if opts.DryRun {
		fmt.Fprintf(f.IO.Out, "would delete %s\n", what)
		fmt.Fprintln(f.IO.ErrOut, "Dry run: nothing was changed.")
		return nil
	}
	if err := f.Confirm(ctx, opts.Yes, action, fmt.Sprintf("Delete %s?", what)); err != nil {
		return err
	}
	err = st.WithTx(ctx, func(tx store.Store) error {
		// Count again inside the transaction: what is reported is what
		// was deleted.
		var err error
		if accounts, sessions, err = holdings(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, u.ID); err != nil {
			return err
		}
		return tx.RecordEvent(ctx, store.Event{Type: store.EventDeleteUser, UserID: u.ID, Actor: f.Actor(),
			Detail: map[string]string{"email": u.Email, "accounts": strconv.Itoa(accounts), "sessions": strconv.Itoa(sessions)}})
	})
	if err != nil {
		return cmdutil.FailStore(action, err, notFoundFix(err))
	}
	fmt.Fprintf(f.IO.Out, "deleted user %s with %s and %s\n", describe(u), plural(accounts, "account"), plural(sessions, "session"))
	return nil
}

// holdings counts the accounts and sessions of a user.
func holdings(ctx context.Context, st store.Store, userID string) (accounts, sessions int, err error) {
	a, err := st.ListAccounts(ctx, userID)
	if err != nil {
		return 0, 0, err
	}
	s, err := st.ListSessions(ctx, store.SessionQuery{UserID: userID})
	if err != nil {
		return 0, 0, err
	}
	return len(a), len(s), nil
}
