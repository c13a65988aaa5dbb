package users

import (
	"context"
	"fmt"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/spf13/cobra"
)

// DuplicatesOptions are the inputs of `authkit users duplicates`.
type DuplicatesOptions struct {
	Factory *cmdutil.Factory
	// JSON prints a JSON array of groups.
	JSON bool
}

// duplicateJSON is a group of `users duplicates --json`.
type duplicateJSON struct {
	// Key is the normalised email the users share.
	Key string `json:"key"`
	// SuggestedTarget is the id of the user to keep.
	SuggestedTarget string `json:"suggestedTarget"`
	// MergeCommand merges the others into SuggestedTarget.
	MergeCommand string     `json:"mergeCommand"`
	Users        []userJSON `json:"users"`
}

// NewCmdDuplicates returns `authkit users duplicates`.
func NewCmdDuplicates(f *cmdutil.Factory) *cobra.Command {
	opts := &DuplicatesOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "duplicates",
		Short: "Find users whose emails collide, and how to merge them",
		Long: `Finds groups of users whose emails are the same once trimmed, NFKC-normalised
and lower-cased, shows the accounts each holds, and suggests the merge that
keeps one of them: the one with a verified email, then the most accounts,
then the oldest. Nothing is changed; run the suggested command to merge.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runDuplicates(cmd.Context(), opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array of groups")
	return cmd
}

func runDuplicates(ctx context.Context, opts *DuplicatesOptions) error {
	const action = "find duplicate users"
	f := opts.Factory
	st, err := f.OpenStore(ctx, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	groups, err := st.FindDuplicates(ctx)
	if err != nil {
		return cmdutil.FailStore(action, err, "check the database with `authkit db status`")
	}
	if opts.JSON {
		out := make([]duplicateJSON, 0, len(groups))
		for _, g := range groups {
			j := duplicateJSON{Key: g.Key, SuggestedTarget: g.SuggestedTarget, MergeCommand: suggestedMerge(g),
				Users: make([]userJSON, 0, len(g.Users))}
			for _, u := range g.Users {
				j.Users = append(j.Users, toUserJSON(u.User, u.Accounts))
			}
			out = append(out, j)
		}
		return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, out))
	}
	if len(groups) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "No duplicate users.")
		return nil
	}
	w := f.IO.Out
	for i, g := range groups {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s: %s\n", cmdutil.Quote(g.Key), plural(len(g.Users), "user"))
		t := cmdutil.NewTable(w, append([]string{"KEEP"}, userHeader...)...)
		for _, u := range g.Users {
			keep := ""
			if u.ID == g.SuggestedTarget {
				keep = "*"
			}
			t.Row(append([]string{keep}, userRow(u.User, u.Accounts)...)...)
		}
		if err := t.Flush(); err != nil {
			return cmdutil.OutputError(err)
		}
		fmt.Fprintf(w, "merge: %s\n", cmdutil.Safe(suggestedMerge(g)))
	}
	fmt.Fprintf(f.IO.ErrOut, "%s of duplicate users; add --dry-run to a merge command to see its plan.\n", plural(len(groups), "group"))
	return nil
}

// suggestedMerge is the command that merges the group into its suggested
// target.
func suggestedMerge(g store.DuplicateGroup) string {
	var sources []string
	for _, u := range g.Users {
		if u.ID != g.SuggestedTarget {
			sources = append(sources, u.ID)
		}
	}
	return mergeCommand(g.SuggestedTarget, sources)
}
