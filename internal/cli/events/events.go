// Package events implements `authkit events`: the audit log.
package events

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/spf13/cobra"
)

// NewCmdEvents returns the `authkit events` command group.
func NewCmdEvents(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.Group(&cobra.Command{
		Use:   "events",
		Short: "Read the audit log of auth events",
	})
	cmd.AddCommand(newCmdList(f))
	return cmd
}

// eventJSON is the stable JSON shape of an event, documented in the help of
// `events list`: every field is always present, and userId, actor and
// detail are null when the event has none. (store.Event omits them.)
type eventJSON struct {
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	UserID    *string           `json:"userId"`
	Actor     *string           `json:"actor"`
	Detail    map[string]string `json:"detail"`
	CreatedAt time.Time         `json:"createdAt"`
}

func toEventJSON(e store.Event) eventJSON {
	j := eventJSON{ID: e.ID, Type: e.Type, CreatedAt: e.CreatedAt.UTC()}
	if e.UserID != "" {
		j.UserID = &e.UserID
	}
	if e.Actor != "" {
		j.Actor = &e.Actor
	}
	if len(e.Detail) > 0 {
		j.Detail = e.Detail
	}
	return j
}

// ListOptions are the inputs of `authkit events list`.
type ListOptions struct {
	User  string
	Type  string
	Limit int
	JSON  bool
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	opts := &ListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List audit events, newest first",
		Long: `Lists the audit events (sign-ins, sign-outs, users created, deleted and merged,
accounts linked and unlinked, sessions revoked), newest first. Events are kept
in the authkit schema only; Auth.js databases have no event table.

--user takes a user id or email; an id that matches no user is used as it is,
so the events of a deleted user can be listed by its id.

With --json it is one JSON array of
  {id, type, userId, actor, detail, createdAt}
where every field is always present: userId (the user the event is about),
actor (who did it, e.g. "cli:ada") and detail (an object of strings, e.g.
{"provider": "github"}) are null when the event has none, and createdAt is
an RFC 3339 time in UTC.`,
		Example: `  authkit events list --user ada@example.com
  authkit events list --type session.revoke --limit 20 --json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runList(cmd, f, opts) },
	}
	cmd.Flags().StringVar(&opts.User, "user", "", "only events about this user: an id or email (a deleted user's id works too)")
	cmd.Flags().StringVar(&opts.Type, "type", "", "only events of this type, e.g. user.merge")
	cmd.Flags().IntVar(&opts.Limit, "limit", 100, "at most this many events")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runList(cmd *cobra.Command, f *cmdutil.Factory, opts *ListOptions) error {
	const action = "list events"
	if opts.Limit <= 0 {
		return cmdutil.UsageError(action, "--limit must be a positive number")
	}
	if err := cmdutil.CheckText(action, "--user", opts.User, "--type", opts.Type); err != nil {
		return err
	}
	ctx := cmd.Context()
	st, err := f.OpenStore(ctx, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	q := store.EventQuery{UserID: opts.User, Type: opts.Type, Limit: opts.Limit}
	if opts.User != "" {
		if u, err := cmdutil.ResolveUser(ctx, st, opts.User); err == nil {
			q.UserID = u.ID
		}
	}
	list, err := st.ListEvents(ctx, q)
	if err != nil {
		return cmdutil.FailStore(action, err, "")
	}
	if opts.JSON {
		out := make([]eventJSON, 0, len(list))
		for _, e := range list {
			out = append(out, toEventJSON(e))
		}
		return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, out))
	}
	t := cmdutil.NewTable(f.IO.Out, "TIME", "TYPE", "USER", "ACTOR", "DETAIL")
	for _, e := range list {
		t.Row(e.CreatedAt.UTC().Format(time.RFC3339), e.Type, e.UserID, e.Actor, formatDetail(e.Detail))
	}
	return cmdutil.OutputError(t.Flush())
}

func formatDetail(d map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(d)) {
		parts = append(parts, fmt.Sprintf("%s=%s", k, d[k]))
	}
	return strings.Join(parts, " ")
}
