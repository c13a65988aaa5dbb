package users

import (
	"context"
	"fmt"
	"slices"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/spf13/cobra"
)

// MergeOptions are the inputs of `authkit users merge`.
type MergeOptions struct {
	Factory *cmdutil.Factory
	// Target is the id or email of the user that is kept.
	Target string
	// Sources are the ids or emails of the users merged into Target.
	Sources []string
	// DryRun prints the plan and changes nothing.
	DryRun bool
	// Yes skips the confirmation.
	Yes bool
	// JSON prints the plan as JSON.
	JSON bool
}

// mergeJSON is the JSON shape of a merge plan.
type mergeJSON struct {
	DryRun        bool               `json:"dryRun"`
	Target        string             `json:"target"`
	Sources       []string           `json:"sources"`
	MovedAccounts []movedAccountJSON `json:"movedAccounts"`
	MovedSessions int                `json:"movedSessions"`
	FilledFields  map[string]string  `json:"filledFields"`
}

// movedAccountJSON is an account that moves to the target, and the user it
// comes from.
type movedAccountJSON struct {
	accountJSON
	FromUserID string `json:"fromUserId"`
}

// NewCmdMerge returns `authkit users merge`.
func NewCmdMerge(f *cmdutil.Factory) *cobra.Command {
	opts := &MergeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "merge <target> <source>...",
		Short: "Merge users into one",
		Long: `Merges the source users into the target (each by id or email), in one
transaction: their accounts and sessions move to the target, the target's
empty fields (name, image, email) are filled from the sources, and the
sources are deleted. --dry-run prints the plan and changes nothing.
` + "`authkit users duplicates`" + ` suggests merges.`,
		Example: `  authkit users merge ada@example.com 0190a5c2-7d1e-7c4b-9f3e-2b1d4c5e6f70 --dry-run
  authkit users merge ada@example.com 0190a5c2-7d1e-7c4b-9f3e-2b1d4c5e6f70 --yes`,
		Args: cmdutil.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target, opts.Sources = args[0], args[1:]
			return runMerge(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the plan and change nothing")
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the plan as JSON")
	return cmd
}

func runMerge(ctx context.Context, opts *MergeOptions) error {
	f := opts.Factory
	action := "merge users into " + cmdutil.Quote(opts.Target)
	const fixArgs = "name the user to keep first, then each other user once"
	for _, ref := range append([]string{opts.Target}, opts.Sources...) {
		if err := checkUserArg(action, ref); err != nil {
			return err
		}
	}
	if slices.Contains(opts.Sources, opts.Target) {
		return cmdutil.Usage(action, fixArgs, "cannot merge user %s into itself", cmdutil.Quote(opts.Target))
	}
	ctx = sqlstore.WithActor(ctx, f.Actor())
	st, err := f.OpenStore(ctx, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	target, err := cmdutil.ResolveUser(ctx, st, opts.Target)
	if err != nil {
		return cmdutil.FailStore(action, err, fixFindUser)
	}
	var sourceIDs []string
	sources := map[string]store.User{}
	for _, ref := range opts.Sources {
		u, err := cmdutil.ResolveUser(ctx, st, ref)
		if err != nil {
			return cmdutil.FailStore(action, err, fixFindUser)
		}
		switch {
		case u.ID == target.ID:
			return cmdutil.Usage(action, fixArgs, "cannot merge user %s into itself (%s names the target)", describe(target), cmdutil.Quote(ref))
		case slices.Contains(sourceIDs, u.ID):
			return cmdutil.Usage(action, fixArgs, "user %s is named twice", describe(u))
		}
		sourceIDs = append(sourceIDs, u.ID)
		sources[u.ID] = u
	}
	plan, err := st.MergeUsers(ctx, target.ID, sourceIDs, true)
	if err != nil {
		return cmdutil.FailStore(action, err, fixFindUser)
	}
	if opts.DryRun {
		if err := printPlan(f, opts, plan, target, sources); err != nil {
			return cmdutil.OutputError(err)
		}
		fmt.Fprintln(f.IO.ErrOut, "Dry run: nothing was changed.")
		return nil
	}
	question := fmt.Sprintf("Merge %s into user %s, moving %s and %s, and delete %s?",
		plural(len(sourceIDs), "user"), describe(target), plural(len(plan.MovedAccounts), "account"),
		plural(plan.MovedSessions, "session"), map[bool]string{true: "it", false: "them"}[len(sourceIDs) == 1])
	if err := f.Confirm(ctx, opts.Yes, action, question); err != nil {
		return err
	}
	plan, err = st.MergeUsers(ctx, target.ID, sourceIDs, false)
	if err != nil {
		return cmdutil.FailStore(action, err, notFoundFix(err))
	}
	if err := printPlan(f, opts, plan, target, sources); err != nil {
		return cmdutil.OutputError(err)
	}
	fmt.Fprintf(f.IO.ErrOut, "Merged %s into user %s.\n", plural(len(sourceIDs), "user"), describe(target))
	return nil
}

func printPlan(f *cmdutil.Factory, opts *MergeOptions, plan store.MergePlan, target store.User, sources map[string]store.User) error {
	if opts.JSON {
		j := mergeJSON{DryRun: plan.DryRun, Target: plan.Target, Sources: plan.Sources, MovedAccounts: []movedAccountJSON{},
			MovedSessions: plan.MovedSessions, FilledFields: plan.FilledFields}
		if j.Sources == nil {
			j.Sources = []string{}
		}
		if j.FilledFields == nil {
			j.FilledFields = map[string]string{}
		}
		for _, a := range plan.MovedAccounts {
			j.MovedAccounts = append(j.MovedAccounts, movedAccountJSON{
				accountJSON: accountJSON{Provider: a.Provider, Type: a.Type, ProviderAccountID: a.ProviderAccountID},
				FromUserID:  a.UserID})
		}
		return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, j))
	}
	verb := func(done, would string) string {
		if plan.DryRun {
			return would
		}
		return done
	}
	w := f.IO.Out
	fmt.Fprintf(w, "target: user %s\n", describe(target))
	for _, id := range plan.Sources {
		fmt.Fprintf(w, "%s user %s\n", verb("deleted:", "would delete:"), describe(sources[id]))
	}
	for _, a := range plan.MovedAccounts {
		fmt.Fprintf(w, "%s account %s (%s) from user %s\n", verb("moved:", "would move:"),
			accountName(a.Provider, a.ProviderAccountID), cmdutil.Safe(a.Type), cmdutil.Quote(a.UserID))
	}
	fmt.Fprintf(w, "%s %s\n", verb("moved:", "would move:"), plural(plan.MovedSessions, "session"))
	fields := make([]string, 0, len(plan.FilledFields))
	for k := range plan.FilledFields {
		fields = append(fields, k)
	}
	slices.Sort(fields)
	for _, k := range fields {
		fmt.Fprintf(w, "%s %s = %s\n", verb("filled:", "would fill:"), k, cmdutil.Quote(plan.FilledFields[k]))
	}
	return nil
}
