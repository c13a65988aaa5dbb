package users

import (
	"bufio"
	"context"
	"encoding/json"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/spf13/cobra"
)

// flushEvery is how many users `users list` writes between flushes. The
// store streams the users (store.EachUser), so memory stays flat however
// many there are.
const flushEvery = 1000

// ListOptions are the inputs of `authkit users list`.
type ListOptions struct {
	Factory *cmdutil.Factory
	// Email keeps users whose email contains it (case-insensitive, literal).
	Email string
	// Provider keeps users with an account at this provider.
	Provider string
	// Limit is the most users to print; 0 means all.
	Limit int
	// JSON prints one JSON array instead of a table.
	JSON bool
}

// NewCmdList returns `authkit users list`.
func NewCmdList(f *cmdutil.Factory) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List users with their linked accounts",
		Long: `Lists users, ordered by id, with the providers of their linked accounts.

--email keeps users whose email contains the text, ignoring case; the text is
taken literally (% and _ are not wildcards). The output is streamed, so it
uses little memory on any number of users; it starts at once where the
accounts' user id is indexed (an Auth.js schema may lack that index:
` + "`authkit db inspect`" + ` says so and how to add it).
With --json it is one JSON array of
  {id, name, email, emailVerified, image, accounts: [{provider, type, providerAccountId}]}
where absent values are null.`,
		Example: `  authkit users list --email example.com
  authkit users list --provider github --limit 20
  authkit users list --json > users.json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runList(cmd.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.Email, "email", "", "only users whose email contains this text (case-insensitive, literal)")
	cmd.Flags().StringVar(&opts.Provider, "provider", "", "only users with an account at this provider")
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "print at most this many users (0: all)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	const action = "list users"
	if opts.Limit < 0 {
		return cmdutil.Usage(action, "pass --limit 0 for all users, or a positive number", "--limit is negative (%d)", opts.Limit)
	}
	if err := cmdutil.CheckText(action, "--email", opts.Email, "--provider", opts.Provider); err != nil {
		return err
	}
	f := opts.Factory
	st, err := f.OpenStore(ctx, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()

	w := bufio.NewWriterSize(f.IO.Out, 64<<10)
	var out listWriter
	if opts.JSON {
		out = &jsonList{w: w}
	} else {
		out = &tableList{w: w}
	}
	q := store.UserQuery{EmailContains: opts.Email, Provider: opts.Provider, Limit: opts.Limit}
	written := 0
	// writeErr tells a failed write (stdout) from a failed read (the
	// store): they have different fixes.
	var writeErr error
	err = st.EachUser(ctx, q, func(u store.UserWithAccounts) error {
		err := out.user(u)
		written++
		if err == nil && written%flushEvery == 0 {
			err = out.flush()
		}
		writeErr = err
		return err
	})
	if writeErr != nil {
		return cmdutil.OutputError(writeErr)
	}
	if err != nil {
		// What is written stays written; an unterminated JSON array
		// tells a reader that the list is incomplete.
		_ = w.Flush()
		return cmdutil.FailStore(action, err, "check the database with `authkit db status`")
	}
	return cmdutil.OutputError(out.end())
}

// listWriter writes users as they come, one page at a time.
type listWriter interface {
	user(u store.UserWithAccounts) error
	// flush writes out the page so far.
	flush() error
	// end finishes the output.
	end() error
}

// jsonList writes one JSON array incrementally: "[", the elements
// separated by commas, "]".
type jsonList struct {
	w *bufio.Writer
	n int
}

func (j *jsonList) user(u store.UserWithAccounts) error {
	b, err := json.MarshalIndent(toUserJSON(u.User, u.Accounts), "  ", "  ")
	if err != nil {
		return err
	}
	sep := ",\n  "
	if j.n == 0 {
		sep = "[\n  "
	}
	j.n++
	j.w.WriteString(sep)
	_, err = j.w.Write(b)
	return err
}

func (j *jsonList) flush() error { return j.w.Flush() }

func (j *jsonList) end() error {
	if j.n == 0 {
		j.w.WriteString("[]\n")
	} else {
		j.w.WriteString("\n]\n")
	}
	return j.w.Flush()
}

// tableList writes an aligned table. Columns are aligned within each page
// (the table is flushed per page to keep memory flat).
type tableList struct {
	w *bufio.Writer
	t *cmdutil.Table
}

func (t *tableList) table() *cmdutil.Table {
	if t.t == nil {
		t.t = cmdutil.NewTable(t.w, userHeader...)
	}
	return t.t
}

func (t *tableList) user(u store.UserWithAccounts) error {
	t.table().Row(userRow(u.User, u.Accounts)...)
	return nil
}

func (t *tableList) flush() error {
	if err := t.table().Flush(); err != nil {
		return err
	}
	return t.w.Flush()
}

func (t *tableList) end() error { return t.flush() }
