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
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Read the audit log of auth events",
	}
	cmd.AddCommand(newCmdList(f))
	return cmd
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
in the authkit schema only; Auth.js databases have no event table.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runList(cmd, f, opts) },
	}
	cmd.Flags().StringVar(&opts.User, "user", "", "only events about this user id (a deleted user's id works too)")
	cmd.Flags().StringVar(&opts.Type, "type", "", "only events of this type, e.g. user.merge")
	cmd.Flags().IntVar(&opts.Limit, "limit", 100, "at most this many events")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runList(cmd *cobra.Command, f *cmdutil.Factory, opts *ListOptions) error {
	if opts.Limit <= 0 {
		return cmdutil.UsageError("list events", "--limit must be a positive number")
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
		return cmdutil.Fail("list events", err, cmdutil.StoreFix(err))
	}
	if opts.JSON {
		return cmdutil.PrintJSON(f.IO.Out, list)
	}
	t := cmdutil.NewTable(f.IO.Out, "TIME", "TYPE", "USER", "ACTOR", "DETAIL")
	for _, e := range list {
		t.Row(e.CreatedAt.UTC().Format(time.RFC3339), e.Type, e.UserID, e.Actor, formatDetail(e.Detail))
	}
	return t.Flush()
}

func formatDetail(d map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(d)) {
		parts = append(parts, fmt.Sprintf("%s=%s", k, d[k]))
	}
	return strings.Join(parts, " ")
}
