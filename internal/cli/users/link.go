package users

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/spf13/cobra"
)

// LinkOptions are the inputs of `authkit users link`.
type LinkOptions struct {
	Factory *cmdutil.Factory
	// User is the id or email of the user.
	User string
	// Provider is the provider id, e.g. "github".
	Provider string
	// AccountID is the user's id at the provider.
	AccountID string
	// Type is one of LinkTypes.
	Type string
}

// NewCmdLink returns `authkit users link`.
func NewCmdLink(f *cmdutil.Factory) *cobra.Command {
	opts := &LinkOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "link <user> --provider P --account-id ID [--type T]",
		Short: "Link an account at a provider to a user",
		Long: `Links the account ID at provider P to a user (by id or email), so that
signing in with it signs in as that user. An account that another user holds
is refused, naming that user; unlink it or merge the users first.`,
		Example: `  authkit users link ada@example.com --provider github --account-id 1234567`,
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			return runLink(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Provider, "provider", "", "provider id, e.g. github (required)")
	cmd.Flags().StringVar(&opts.AccountID, "account-id", "", "the user's account id at the provider (required)")
	cmd.Flags().StringVar(&opts.Type, "type", "oauth", "account type: "+strings.Join(LinkTypes, ", "))
	_ = cmd.MarkFlagRequired("provider")
	_ = cmd.MarkFlagRequired("account-id")
	return cmd
}

// heldError is the ErrConflict of an account another user holds.
type heldError struct {
	provider, accountID string
	owner               store.User
}

func (e *heldError) Error() string {
	return fmt.Sprintf("the account %s is already linked to user %s", accountName(e.provider, e.accountID), describe(e.owner))
}

// Is makes errors.Is(err, store.ErrConflict) true.
func (e *heldError) Is(target error) bool { return target == store.ErrConflict }

func runLink(ctx context.Context, opts *LinkOptions) error {
	f := opts.Factory
	action := fmt.Sprintf("link %s to user %s", accountName(opts.Provider, opts.AccountID), cmdutil.Quote(opts.User))
	if err := checkUserArg(action, opts.User); err != nil {
		return err
	}
	if err := cmdutil.CheckText(action, "--provider", opts.Provider, "--account-id", opts.AccountID); err != nil {
		return err
	}
	if strings.TrimSpace(opts.Provider) == "" {
		return cmdutil.Usage(action, "pass --provider, e.g. --provider github", "--provider is empty")
	}
	if strings.TrimSpace(opts.AccountID) == "" {
		return cmdutil.Usage(action, "pass --account-id with the user's id at the provider", "--account-id is empty")
	}
	if !slices.Contains(LinkTypes, opts.Type) {
		return cmdutil.Usage(action, "pass --type with one of "+strings.Join(LinkTypes, ", "),
			"unknown account type %s; valid types are %s", cmdutil.Quote(opts.Type), strings.Join(LinkTypes, ", "))
	}
	st, u, err := openUser(ctx, f, action, opts.User)
	if err != nil {
		return err
	}
	defer st.Close()
	account := store.Account{UserID: u.ID, Type: opts.Type, Provider: opts.Provider, ProviderAccountID: opts.AccountID}
	// LinkAccount checks, under a lock on the account, that nobody holds
	// it, and names the holder in a *store.ConflictError when somebody does.
	err = st.WithTx(ctx, func(tx store.Store) error {
		if _, err := tx.LinkAccount(ctx, account); err != nil {
			return err
		}
		return tx.RecordEvent(ctx, store.Event{Type: store.EventLinkAccount, UserID: u.ID, Actor: f.Actor(),
			Detail: map[string]string{"provider": opts.Provider, "providerAccountId": opts.AccountID, "type": opts.Type}})
	})
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ce) && ce.OwnerID == u.ID:
		fmt.Fprintf(f.IO.ErrOut, "The account %s is already linked to user %s; nothing changed.\n",
			accountName(opts.Provider, opts.AccountID), describe(u))
		return nil
	case errors.As(err, &ce) && ce.OwnerID != "":
		owner, gerr := st.GetUser(ctx, ce.OwnerID)
		if gerr != nil {
			owner = store.User{ID: ce.OwnerID}
		}
		held := &heldError{provider: opts.Provider, accountID: opts.AccountID, owner: owner}
		q := func(s string) string { return cmdutil.Safe(shellQuote(s)) }
		return cmdutil.Fail(action, held, fmt.Sprintf("unlink it from that user first (`authkit users unlink %s --provider %s --account-id %s`), or merge the two users (`authkit users merge %s %s --dry-run`)",
			q(owner.ID), q(opts.Provider), q(opts.AccountID), q(u.ID), q(owner.ID)))
	case err != nil:
		return cmdutil.FailStore(action, err, notFoundFix(err))
	}
	fmt.Fprintf(f.IO.Out, "linked %s (%s) to user %s\n", accountName(opts.Provider, opts.AccountID), opts.Type, describe(u))
	return nil
}
