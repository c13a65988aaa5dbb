package users

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/spf13/cobra"
)

// UnlinkOptions are the inputs of `authkit users unlink`.
type UnlinkOptions struct {
	Factory *cmdutil.Factory
	// User is the id or email of the user.
	User string
	// Provider is the provider whose accounts are removed.
	Provider string
	// AccountID, when set, removes only this account at Provider.
	AccountID string
	// Force allows removing the user's last sign-in method.
	Force bool
	// Yes skips the confirmation.
	Yes bool
	// DryRun shows what would be unlinked and changes nothing.
	DryRun bool
}

// NewCmdUnlink returns `authkit users unlink`.
func NewCmdUnlink(f *cmdutil.Factory) *cobra.Command {
	opts := &UnlinkOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "unlink <user> --provider P [--account-id ID]",
		Short: "Unlink a user's accounts at a provider",
		Long: `Removes the accounts a user (by id or email) holds at a provider, or only the
one with --account-id, in one transaction. It refuses to remove the user's
last linked account, which would leave it no way to sign in, unless --force.`,
		Example: `  authkit users unlink ada@example.com --provider github --yes
  authkit users unlink ada@example.com --provider google --account-id 1089 --dry-run`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			return runUnlink(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Provider, "provider", "", "provider id, e.g. github (required)")
	cmd.Flags().StringVar(&opts.AccountID, "account-id", "", "only the account with this id at the provider")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "remove the user's last sign-in method too")
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show what would be unlinked and change nothing")
	_ = cmd.MarkFlagRequired("provider")
	return cmd
}

func runUnlink(ctx context.Context, opts *UnlinkOptions) error {
	f := opts.Factory
	what := cmdutil.Safe(opts.Provider)
	if opts.AccountID != "" {
		what = accountName(opts.Provider, opts.AccountID)
	}
	action := fmt.Sprintf("unlink %s from user %s", what, cmdutil.Quote(opts.User))
	if err := checkUserArg(action, opts.User); err != nil {
		return err
	}
	if err := cmdutil.CheckText(action, "--provider", opts.Provider, "--account-id", opts.AccountID); err != nil {
		return err
	}
	if strings.TrimSpace(opts.Provider) == "" {
		return cmdutil.Usage(action, "pass --provider, e.g. --provider github", "--provider is empty")
	}
	st, u, err := openUser(ctx, f, action, opts.User)
	if err != nil {
		return err
	}
	defer st.Close()
	fixShow := "see the user's accounts with `authkit users show " + cmdutil.Safe(shellQuote(u.ID)) + "`"
	// Check before asking; store.Unlink runs the same checks again,
	// atomically.
	matching, err := store.PlanUnlink(ctx, st, u.ID, opts.Provider, opts.AccountID, opts.Force)
	switch {
	case errors.Is(err, store.ErrLastSignInMethod):
		return lastMethod(action, u)
	case errors.Is(err, store.ErrNotFound):
		return cmdutil.FailStore(action, &store.NotFoundError{What: fmt.Sprintf("an account %s of user %s", what, describe(u))}, fixShow)
	case err != nil:
		return cmdutil.FailStore(action, err, "")
	}
	accounts, err := st.ListAccounts(ctx, u.ID)
	if err != nil {
		return cmdutil.FailStore(action, err, "")
	}
	if opts.DryRun {
		for _, a := range matching {
			fmt.Fprintf(f.IO.Out, "would unlink %s (%s) from user %s\n", accountName(a.Provider, a.ProviderAccountID), cmdutil.Safe(a.Type), describe(u))
		}
		fmt.Fprintln(f.IO.ErrOut, "Dry run: nothing was changed.")
		return nil
	}
	question := fmt.Sprintf("Unlink %s from user %s?", plural(len(matching), "account"), describe(u))
	if len(matching) == len(accounts) {
		question = fmt.Sprintf("Unlink %s from user %s? It is the user's last sign-in method.", plural(len(matching), "account"), describe(u))
	}
	if err := f.Confirm(ctx, opts.Yes, action, question); err != nil {
		return err
	}
	removed, err := store.Unlink(ctx, st, u.ID, opts.Provider, opts.AccountID, f.Actor(), opts.Force)
	if errors.Is(err, store.ErrLastSignInMethod) {
		return lastMethod(action, u)
	}
	if err != nil {
		return cmdutil.FailStore(action, err, fixShow)
	}
	for _, a := range removed {
		fmt.Fprintf(f.IO.Out, "unlinked %s (%s) from user %s\n", accountName(a.Provider, a.ProviderAccountID), cmdutil.Safe(a.Type), describe(u))
	}
	return nil
}

func lastMethod(action string, u store.User) error {
	return cmdutil.Fail(action,
		fmt.Errorf("%w: the user %s would be left with no way to sign in", store.ErrLastSignInMethod, describe(u)),
		"link another account first (`authkit users link`), or pass --force to remove it anyway")
}
