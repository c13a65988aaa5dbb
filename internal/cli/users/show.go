package users

import (
	"context"
	"fmt"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/spf13/cobra"
)

// ShowOptions are the inputs of `authkit users show`.
type ShowOptions struct {
	Factory *cmdutil.Factory
	// User is the id or email of the user.
	User string
	// JSON prints a JSON object instead of text.
	JSON bool
}

// showJSON is the JSON shape of `users show`: the user of `users list`
// plus its sessions.
type showJSON struct {
	userJSON
	Sessions []sessionJSON `json:"sessions"`
}

// sessionJSON is a session in `users show --json`; the token is never part
// of it.
type sessionJSON struct {
	ID        string     `json:"id"`
	Expires   time.Time  `json:"expires"`
	Expired   bool       `json:"expired"`
	CreatedAt *time.Time `json:"createdAt"`
}

// NewCmdShow returns `authkit users show`.
func NewCmdShow(f *cmdutil.Factory) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show <user>",
		Short: "Show a user, its linked accounts and its sessions",
		Long: `Shows a user (by id or email), the accounts linked to it and its database
sessions. Provider tokens and session tokens are never shown.`,
		Example: `  authkit users show ada@example.com
  authkit users show 0190a5c2-7d1e-7c4b-9f3e-2b1d4c5e6f70 --json`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			return runShow(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runShow(ctx context.Context, opts *ShowOptions) error {
	f := opts.Factory
	action := "show user " + cmdutil.Quote(opts.User)
	st, u, err := openUser(ctx, f, action, opts.User)
	if err != nil {
		return err
	}
	defer st.Close()
	accounts, err := st.ListAccounts(ctx, u.ID)
	if err != nil {
		return cmdutil.FailStore(action, err, "")
	}
	sessions, err := st.ListSessions(ctx, store.SessionQuery{UserID: u.ID})
	if err != nil {
		return cmdutil.FailStore(action, err, "")
	}
	now := f.Now()
	if opts.JSON {
		out := showJSON{userJSON: toUserJSON(u, accounts), Sessions: make([]sessionJSON, 0, len(sessions))}
		for _, s := range sessions {
			j := sessionJSON{ID: s.ID, Expires: s.Expires.UTC(), Expired: !s.Expires.After(now)}
			if !s.CreatedAt.IsZero() {
				c := s.CreatedAt.UTC()
				j.CreatedAt = &c
			}
			out.Sessions = append(out.Sessions, j)
		}
		return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, out))
	}

	w := f.IO.Out
	t := cmdutil.NewTable(w, "FIELD", "VALUE")
	t.Row("id", u.ID)
	t.Row("email", u.Email)
	t.Row("name", u.Name)
	t.Row("verified", verified(u.EmailVerified))
	t.Row("image", u.Image)
	if err := t.Flush(); err != nil {
		return cmdutil.OutputError(err)
	}
	fmt.Fprintf(w, "\nACCOUNTS (%d)\n", len(accounts))
	if len(accounts) > 0 {
		t = cmdutil.NewTable(w, "PROVIDER", "TYPE", "ACCOUNT ID")
		for _, a := range accounts {
			t.Row(a.Provider, a.Type, a.ProviderAccountID)
		}
		if err := t.Flush(); err != nil {
			return cmdutil.OutputError(err)
		}
	}
	fmt.Fprintf(w, "\nSESSIONS (%d)\n", len(sessions))
	if len(sessions) > 0 {
		t = cmdutil.NewTable(w, "ID", "EXPIRES", "STATE")
		for _, s := range sessions {
			state := "active"
			if !s.Expires.After(now) {
				state = "expired"
			}
			t.Row(s.ID, s.Expires.UTC().Format(time.RFC3339), state)
		}
		if err := t.Flush(); err != nil {
			return cmdutil.OutputError(err)
		}
	}
	return nil
}
