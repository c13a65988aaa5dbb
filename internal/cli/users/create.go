package users

import (
	"context"
	"errors"
	"fmt"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/spf13/cobra"
)

// CreateOptions are the inputs of `authkit users create`.
type CreateOptions struct {
	Factory *cmdutil.Factory
	// Email is the new user's address (required).
	Email string
	// Name is the display name; may be empty.
	Name string
	// JSON prints the new user as JSON.
	JSON bool
}

// NewCmdCreate returns `authkit users create`.
func NewCmdCreate(f *cmdutil.Factory) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "create --email E [--name N]",
		Short: "Create a user",
		Long: `Creates a user with no linked account; link one with ` + "`authkit users link`" + `.
The email must be free: a taken address is refused and nothing is written.`,
		Example: `  authkit users create --email ada@example.com --name "Ada Lovelace"`,
		Args:    cmdutil.NoArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return runCreate(cmd.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.Email, "email", "", "email address of the user (required)")
	cmd.Flags().StringVar(&opts.Name, "name", "", "display name")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the new user as JSON")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

// emailTakenError is the ErrConflict of an email another user has.
type emailTakenError struct {
	email string
	owner store.User
}

func (e *emailTakenError) Error() string {
	return fmt.Sprintf("the email %s is already taken by user %s", cmdutil.Quote(e.email), describe(e.owner))
}

// Is makes errors.Is(err, store.ErrConflict) true.
func (e *emailTakenError) Is(target error) bool { return target == store.ErrConflict }

func runCreate(ctx context.Context, opts *CreateOptions) error {
	f := opts.Factory
	action := "create user " + cmdutil.Quote(opts.Email)
	if err := ValidateEmail(opts.Email); err != nil {
		return cmdutil.Usage(action, "pass --email with an address such as ada@example.com", "%v", err)
	}
	if err := cmdutil.CheckText(action, "--name", opts.Name); err != nil {
		return err
	}
	st, err := f.OpenStore(ctx, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	var created store.User
	err = st.WithTx(ctx, func(tx store.Store) error {
		owner, err := tx.GetUserByEmail(ctx, opts.Email)
		if err == nil {
			return &emailTakenError{email: opts.Email, owner: owner}
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if created, err = tx.CreateUser(ctx, store.User{Email: opts.Email, Name: opts.Name}); err != nil {
			return err
		}
		return tx.RecordEvent(ctx, store.Event{Type: store.EventCreateUser, UserID: created.ID, Actor: f.Actor(),
			Detail: map[string]string{"email": created.Email}})
	})
	if err != nil {
		fix := ""
		if errors.Is(err, store.ErrConflict) {
			fix = "pick another email, or see the existing user with `authkit users show " + shellQuote(opts.Email) + "`"
		}
		return cmdutil.FailStore(action, err, fix)
	}
	if opts.JSON {
		return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, toUserJSON(created, nil)))
	}
	t := cmdutil.NewTable(f.IO.Out, userHeader...)
	t.Row(userRow(created, nil)...)
	if err := t.Flush(); err != nil {
		return cmdutil.OutputError(err)
	}
	fmt.Fprintf(f.IO.ErrOut, "Created user %s.\n", describe(created))
	return nil
}
