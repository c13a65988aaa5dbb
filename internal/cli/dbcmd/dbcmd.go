// Package dbcmd implements `authkit db`: migrate, status and inspect.
package dbcmd

import (
	"errors"
	"fmt"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/spf13/cobra"
)

// NewCmdDB returns the `authkit db` command group.
func NewCmdDB(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.Group(&cobra.Command{
		Use:   "db",
		Short: "Migrate and inspect the database",
	})
	cmd.AddCommand(newCmdMigrate(f), newCmdStatus(f), newCmdInspect(f))
	return cmd
}

// MigrateOptions are the inputs of `authkit db migrate`.
type MigrateOptions struct {
	JSON bool
}

func newCmdMigrate(f *cmdutil.Factory) *cobra.Command {
	opts := &MigrateOptions{}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the authkit schema",
		Long: `Applies the pending migrations of the authkit schema, each in its own
transaction. A missing SQLite file is created. Databases written by Auth.js
adapters are never altered: authkit uses them as they are. With an Auth.js
schema set (--schema or database.schema in authkit.yaml) it refuses at once
and creates nothing: the app's own migrations (npx prisma migrate dev, ...)
make those tables.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runMigrate(cmd, f, opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the applied migrations as JSON")
	return cmd
}

func runMigrate(cmd *cobra.Command, f *cmdutil.Factory, opts *MigrateOptions) error {
	ctx := cmd.Context()
	// An Auth.js schema, set by --schema or database.schema, is the app's
	// to create: refuse before opening, which would create a SQLite file.
	if schema, source := f.SchemaSource(); schema != sqlstore.ProfileAuthkit && cmdutil.AuthjsSchemaFix(schema) != "" {
		return cmdutil.Fail("migrate the database",
			fmt.Errorf("%s sets the %s schema, whose tables authkit never creates nor alters; nothing was changed", source, schema),
			cmdutil.AuthjsSchemaFix(schema))
	}
	st, err := f.OpenStore(ctx, sqlstore.Options{Create: true, AllowUnmigrated: true})
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		fix := cmdutil.StoreFix(err)
		if errors.Is(err, store.ErrUnsupported) {
			fix = "nothing was changed; to use an Auth.js database, run the other commands without `db migrate` (see `authkit db inspect`)"
		}
		return cmdutil.Fail("migrate the database", err, fix)
	}
	if opts.JSON {
		if applied == nil {
			applied = []sqlstore.Migration{}
		}
		return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, map[string]any{"applied": applied}))
	}
	if len(applied) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "The database is up to date; nothing to apply.")
		return nil
	}
	w := &cmdutil.ErrWriter{W: f.IO.Out}
	for _, m := range applied {
		fmt.Fprintf(w, "applied %04d_%s\n", m.Version, m.Name)
	}
	return cmdutil.OutputError(w.Err)
}

// StatusOptions are the inputs of `authkit db status`.
type StatusOptions struct {
	JSON bool
}

func newCmdStatus(f *cmdutil.Factory) *cobra.Command {
	opts := &StatusOptions{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show applied and pending migrations",
		Long:  "Shows which migrations are applied and which are pending. Exits 1 when any is pending.",
		Args:  cmdutil.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runStatus(cmd, f, opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runStatus(cmd *cobra.Command, f *cmdutil.Factory, opts *StatusOptions) error {
	ctx := cmd.Context()
	st, err := f.OpenStore(ctx, sqlstore.Options{AllowUnmigrated: true})
	if err != nil {
		return err
	}
	defer st.Close()
	status, err := st.Status(ctx)
	if err != nil {
		return cmdutil.Fail("read the migration status", err, cmdutil.StoreFix(err))
	}
	if opts.JSON {
		if status.Migrations == nil {
			status.Migrations = []sqlstore.Migration{}
		}
		if status.Pending == nil {
			status.Pending = []sqlstore.Migration{}
		}
		if err := cmdutil.PrintJSON(f.IO.Out, status); err != nil {
			return cmdutil.OutputError(err)
		}
	} else {
		w := &cmdutil.ErrWriter{W: f.IO.Out}
		fmt.Fprintf(w, "engine:   %s\nprofile:  %s\n", status.Engine, status.Profile)
		if status.Profile != sqlstore.ProfileAuthkit {
			fmt.Fprintln(w, "schema:   managed by Auth.js; authkit never migrates it")
			return cmdutil.OutputError(w.Err)
		}
		fmt.Fprintf(w, "version:  %d of %d\n", status.Current, status.Latest)
		for _, m := range status.Migrations {
			fmt.Fprintf(w, "applied   %04d_%s  %s\n", m.Version, m.Name, m.Applied.Format("2006-01-02 15:04:05Z07:00"))
		}
		for _, m := range status.Pending {
			fmt.Fprintf(w, "pending   %04d_%s\n", m.Version, m.Name)
		}
		if w.Err != nil {
			return cmdutil.OutputError(w.Err)
		}
	}
	if status.Profile == sqlstore.ProfileAuthkit && !status.UpToDate() {
		return &cmdutil.Error{Action: "confirm the schema is current", Err: fmt.Errorf("%d migration(s) pending", len(status.Pending)),
			Fix: "run `authkit db migrate`", Code: cmdutil.ExitError}
	}
	return nil
}

// InspectOptions are the inputs of `authkit db inspect`.
type InspectOptions struct {
	JSON bool
}

func newCmdInspect(f *cmdutil.Factory) *cobra.Command {
	opts := &InspectOptions{}
	cmd := &cobra.Command{
		Use:   "inspect",
		Short: "Show the engine, the detected schema profile, tables and row counts",
		Args:  cmdutil.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runInspect(cmd, f, opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runInspect(cmd *cobra.Command, f *cmdutil.Factory, opts *InspectOptions) error {
	ctx := cmd.Context()
	st, err := f.OpenStore(ctx, sqlstore.Options{AllowUnmigrated: true})
	if err != nil {
		return err
	}
	defer st.Close()
	info, err := st.Info(ctx)
	if err != nil {
		return cmdutil.Fail("inspect the database", err, cmdutil.StoreFix(err))
	}
	raw, _ := f.DatabaseSource()
	if opts.JSON {
		if info.Notes == nil {
			info.Notes = []string{}
		}
		return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, map[string]any{"url": sqlstore.RedactURL(raw), "engine": info.Engine,
			"profile": info.Profile, "tables": info.Tables, "notes": info.Notes}))
	}
	w := &cmdutil.ErrWriter{W: f.IO.Out}
	fmt.Fprintf(w, "database: %s\nengine:   %s\nprofile:  %s\n\n", cmdutil.Safe(sqlstore.RedactURL(raw)), info.Engine, info.Profile)
	t := cmdutil.NewTable(w, "TABLE", "ROWS")
	for _, tc := range info.Tables {
		t.Row(tc.Name, fmt.Sprint(tc.Rows))
	}
	_ = t.Flush() // a failure stays in w.Err
	for _, note := range info.Notes {
		fmt.Fprintf(w, "\nnote: %s\n", cmdutil.Safe(note))
	}
	return cmdutil.OutputError(w.Err)
}
