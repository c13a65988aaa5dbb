// Package sessions implements `authkit sessions`: list and revoke database
// sessions.
package sessions

import (
	"fmt"
	"strconv"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/spf13/cobra"
)

// NewCmdSessions returns the `authkit sessions` command group.
func NewCmdSessions(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.Group(&cobra.Command{
		Use:   "sessions",
		Short: "List and revoke database sessions",
	})
	cmd.AddCommand(newCmdList(f), newCmdRevoke(f))
	return cmd
}

// ListOptions are the inputs of `authkit sessions list`.
type ListOptions struct {
	User    string
	Expired bool
	JSON    bool
}

// sessionJSON is the stable JSON shape of a session; the token is never shown.
type sessionJSON struct {
	ID        string     `json:"id"`
	UserID    string     `json:"userId"`
	Expires   time.Time  `json:"expires"`
	Expired   bool       `json:"expired"`
	CreatedAt *time.Time `json:"createdAt"`
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	opts := &ListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List sessions (ids and expiry; tokens are never shown)",
		Args:  cmdutil.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runList(cmd, f, opts) },
	}
	cmd.Flags().StringVar(&opts.User, "user", "", "only the sessions of this user (id or email)")
	cmd.Flags().BoolVar(&opts.Expired, "expired", false, "only expired sessions")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runList(cmd *cobra.Command, f *cmdutil.Factory, opts *ListOptions) error {
	const action = "list sessions"
	if err := cmdutil.CheckText(action, "--user", opts.User); err != nil {
		return err
	}
	ctx := cmd.Context()
	st, err := f.OpenStore(ctx, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	q := store.SessionQuery{}
	if opts.User != "" {
		u, err := cmdutil.ResolveUser(ctx, st, opts.User)
		if err != nil {
			return cmdutil.FailStore(action, err, fixFindUser)
		}
		q.UserID = u.ID
	}
	now := f.Now()
	if opts.Expired {
		q.ExpiredAt = now
	}
	list, err := st.ListSessions(ctx, q)
	if err != nil {
		return cmdutil.FailStore(action, err, "")
	}
	if opts.JSON {
		out := make([]sessionJSON, 0, len(list))
		for _, s := range list {
			j := sessionJSON{ID: s.ID, UserID: s.UserID, Expires: s.Expires.UTC(), Expired: !s.Expires.After(now)}
			if !s.CreatedAt.IsZero() {
				created := s.CreatedAt.UTC()
				j.CreatedAt = &created
			}
			out = append(out, j)
		}
		return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, out))
	}
	t := cmdutil.NewTable(f.IO.Out, "ID", "USER", "EXPIRES", "STATE")
	for _, s := range list {
		state := "active"
		if !s.Expires.After(now) {
			state = "expired"
		}
		t.Row(s.ID, s.UserID, s.Expires.UTC().Format(time.RFC3339), state)
	}
	return cmdutil.OutputError(t.Flush())
}

// fixFindUser is the hint for an unknown --user.
const fixFindUser = "check the id or email with `authkit users list`"

// RevokeOptions are the inputs of `authkit sessions revoke`.
type RevokeOptions struct {
	SessionID string
	User      string
	Expired   bool
	Yes       bool
	DryRun    bool
	JSON      bool
}

func newCmdRevoke(f *cmdutil.Factory) *cobra.Command {
	opts := &RevokeOptions{}
	cmd := &cobra.Command{
		Use:   "revoke [<session-id> | --user U | --expired]",
		Short: "Revoke database sessions: one, all of a user's, or all expired ones",
		Long: `Deletes database sessions at once: the user must sign in again.
Name exactly one of a session id (from ` + "`authkit sessions list`" + `), --user or --expired.`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.SessionID = args[0]
			}
			return runRevoke(cmd, f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.User, "user", "", "revoke every session of this user (id or email)")
	cmd.Flags().BoolVar(&opts.Expired, "expired", false, "revoke every expired session")
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show what would be revoked and change nothing")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	return cmd
}

func runRevoke(cmd *cobra.Command, f *cmdutil.Factory, opts *RevokeOptions) error {
	const action = "revoke sessions"
	chosen := 0
	for _, set := range []bool{opts.SessionID != "", opts.User != "", opts.Expired} {
		if set {
			chosen++
		}
	}
	if chosen != 1 {
		return cmdutil.UsageError(action, "name exactly one of a session id, --user or --expired")
	}
	if err := cmdutil.CheckText(action, "the session id", opts.SessionID, "--user", opts.User); err != nil {
		return err
	}
	ctx := sqlstore.WithActor(cmd.Context(), f.Actor())
	st, err := f.OpenStore(ctx, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	q := store.SessionQuery{ID: opts.SessionID}
	what := "session " + cmdutil.Quote(opts.SessionID)
	if opts.User != "" {
		u, err := cmdutil.ResolveUser(ctx, st, opts.User)
		if err != nil {
			return cmdutil.FailStore(action, err, fixFindUser)
		}
		q.UserID = u.ID
		what = "every session of user " + cmdutil.Quote(u.ID)
	}
	if opts.Expired {
		q.ExpiredAt = f.Now()
		what = "every expired session"
	}
	matching, err := st.ListSessions(ctx, q)
	if err != nil {
		return cmdutil.FailStore(action, err, "")
	}
	if opts.SessionID != "" && len(matching) == 0 {
		return cmdutil.Fail(action, &store.NotFoundError{What: what}, "list the session ids with `authkit sessions list`")
	}
	if opts.DryRun || len(matching) == 0 {
		return report(f, opts, matching, 0)
	}
	if err := f.Confirm(ctx, opts.Yes, action, fmt.Sprintf("Revoke %s (%d session(s))?", what, len(matching))); err != nil {
		return err
	}
	// The event names the user whose sessions go: the --user one, or the
	// owner of the one session named by id. Revoking the expired sessions
	// of everybody names no user.
	eventUser := q.UserID
	if opts.SessionID != "" {
		eventUser = matching[0].UserID
	}
	var revoked int
	err = st.WithTx(ctx, func(tx store.Store) error {
		var err error
		if revoked, err = tx.RevokeSessions(ctx, q); err != nil {
			return err
		}
		detail := map[string]string{"count": strconv.Itoa(revoked)}
		switch {
		case opts.SessionID != "":
			detail["session"] = opts.SessionID
		case opts.Expired:
			detail["expired"] = "true"
		}
		return tx.RecordEvent(ctx, store.Event{Type: store.EventRevokeSession, UserID: eventUser, Detail: detail})
	})
	if err != nil {
		return cmdutil.FailStore(action, err, "")
	}
	return report(f, opts, matching, revoked)
}

func report(f *cmdutil.Factory, opts *RevokeOptions, matching []store.Session, revoked int) error {
	if opts.JSON {
		ids := make([]string, 0, len(matching))
		for _, s := range matching {
			ids = append(ids, s.ID)
		}
		return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, map[string]any{"dryRun": opts.DryRun, "matched": ids, "revoked": revoked}))
	}
	w := &cmdutil.ErrWriter{W: f.IO.Out}
	if opts.DryRun {
		for _, s := range matching {
			fmt.Fprintf(w, "would revoke %s (user %s)\n", cmdutil.Safe(s.ID), cmdutil.Safe(s.UserID))
		}
		if w.Err == nil {
			fmt.Fprintf(f.IO.ErrOut, "Dry run: %d session(s) would be revoked; nothing was changed.\n", len(matching))
		}
		return cmdutil.OutputError(w.Err)
	}
	fmt.Fprintf(w, "revoked %d session(s)\n", revoked)
	return cmdutil.OutputError(w.Err)
}
