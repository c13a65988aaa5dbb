package cmdutil

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/authkit-dev/authkit/pkg/config"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"golang.org/x/term"
)

// IOStreams are the command's standard streams and what they are attached to.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// InTTY reports whether In is a terminal (prompts are allowed).
	InTTY bool
	// OutTTY reports whether Out is a terminal.
	OutTTY bool
	// ErrTTY reports whether ErrOut is a terminal and colour is allowed
	// (progress displays).
	ErrTTY bool
}

// SystemIO returns the process's streams.
func SystemIO() IOStreams {
	return IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())) && os.Getenv("NO_COLOR") == "",
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())) && os.Getenv("NO_COLOR") == ""}
}

// Factory gives commands lazy access to what they share. Global flags fill
// its fields before a command runs.
type Factory struct {
	IO IOStreams
	// DatabaseURL is the --database-url flag value ("" when not given).
	DatabaseURL string
	// Schema is the --schema flag value ("" to detect).
	Schema string
	// ConfigPath is the --config flag value ("" to look for one).
	ConfigPath string
	// OpenBrowser, when set, replaces the system browser (end-to-end
	// tests drive a headless one through it).
	OpenBrowser func(url string) error
	// Getenv reads the environment (tests replace it).
	Getenv func(string) string
	// Now is the clock.
	Now func() time.Time

	config, lenient loadedConfig
}

// loadedConfig is a load of authkit.yaml, kept for the command's life.
type loadedConfig struct {
	loaded bool
	cfg    *config.Config
	found  bool
	err    error
}

// NewFactory returns a Factory over the process's streams and environment.
func NewFactory() *Factory {
	return &Factory{IO: SystemIO(), Getenv: os.Getenv, Now: time.Now}
}

// DatabaseSource returns the database URL in force and where it came from:
// --database-url, AUTHKIT_DATABASE_URL, authkit.yaml's database.url,
// DATABASE_URL, or the default.
func (f *Factory) DatabaseSource() (url, source string) {
	if f.DatabaseURL != "" {
		return f.DatabaseURL, "--database-url"
	}
	if v := f.Getenv("AUTHKIT_DATABASE_URL"); v != "" {
		return v, "AUTHKIT_DATABASE_URL"
	}
	if cfg, found, err := f.LoadConfigLenient(); found && err == nil && cfg.Database.URL.Value() != "" {
		return cfg.Database.URL.Value(), cfg.Path + " (database.url)"
	}
	if v := f.Getenv("DATABASE_URL"); v != "" {
		return v, "DATABASE_URL"
	}
	return sqlstore.DefaultURL, "the default (./authkit.db)"
}

// OpenStore opens the database in force. Errors name the URL (without its
// password), where it came from, and what fixes it.
func (f *Factory) OpenStore(ctx context.Context, opts sqlstore.Options) (*sqlstore.Store, error) {
	raw, source := f.DatabaseSource()
	if source == "--database-url" && sqlstore.RedactURL(raw) != raw {
		fmt.Fprintln(f.IO.ErrOut, "authkit: warning: --database-url carries a password, which other users of this machine can read in the process list; set AUTHKIT_DATABASE_URL or use a .pgpass file instead")
	}
	schemaFrom := ""
	if opts.Schema == "" {
		opts.Schema, schemaFrom = f.SchemaSource()
	}
	st, err := sqlstore.Open(ctx, raw, opts)
	if err == nil {
		return st, nil
	}
	action := fmt.Sprintf("open the database %s (from %s)", sqlstore.RedactURL(raw), source)
	fix := StoreFix(err)
	switch {
	case errors.Is(err, store.ErrUnavailable):
		fix = unavailableFix(raw)
	case AuthjsSchemaFix(opts.Schema) != "" && (errors.Is(err, store.ErrNotMigrated) || errors.Is(err, store.ErrUnknownSchema)):
		// The tables of a configured Auth.js schema are missing: the
		// app's own migrations make them, never authkit db migrate.
		fix = AuthjsSchemaFix(opts.Schema)
		if schemaFrom != "" {
			fix += " (the schema " + opts.Schema + " is set by " + schemaFrom + ")"
		}
	case fix == "":
		fix = "set the database with --database-url, AUTHKIT_DATABASE_URL or DATABASE_URL (postgres://... or sqlite:PATH)"
	}
	return nil, &Error{Action: action, Err: err, Fix: fix}
}

// SchemaSource returns the schema profile in force and where it came
// from: --schema, else authkit.yaml's database.schema; "" (and "") to
// detect it from the tables.
func (f *Factory) SchemaSource() (schema, source string) {
	if f.Schema != "" {
		return f.Schema, "--schema"
	}
	if cfg, found, err := f.LoadConfigLenient(); found && err == nil && cfg.Database.Schema != "" {
		return cfg.Database.Schema, cfg.Path + " (database.schema)"
	}
	return "", ""
}

// AuthjsSchemaFix says who makes the tables of an Auth.js schema profile
// (authkit never creates nor alters them); "" for any other profile.
func AuthjsSchemaFix(profile string) string {
	const reads = "; authkit reads those tables as they are"
	switch profile {
	case sqlstore.ProfileAuthjsPrisma:
		return "this database belongs to the Next.js app: run npx prisma migrate dev (Prisma) there" + reads
	case sqlstore.ProfileAuthjsDrizzle:
		return "this database belongs to the Auth.js app: run npx drizzle-kit migrate (Drizzle) there" + reads
	case sqlstore.ProfileAuthjsPg:
		return "this database belongs to the Auth.js app: create the tables of @auth/pg-adapter's schema there" + reads
	}
	return ""
}

// unavailableFix is the hint for a database that cannot be opened: what
// to check depends on whether the URL is malformed, a SQLite file or a
// Postgres server.
func unavailableFix(raw string) string {
	const set = "set it with --database-url, AUTHKIT_DATABASE_URL or DATABASE_URL"
	target, err := sqlstore.ParseURL(raw)
	switch {
	case err != nil:
		return "use postgres://... or sqlite:PATH; " + set
	case target.Engine == sqlstore.EngineSQLite:
		return fmt.Sprintf("check the SQLite path %s: its directory must exist, it must be a file (not a directory), and you need read and write permission on both; %s",
			Quote(target.Path), set)
	}
	return "check that the server is up and the URL is right; " + set
}

// Actor names who runs the command, for audit events.
func (f *Factory) Actor() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return "cli:" + name
}

// Confirm asks a yes/no question on a terminal. With yes it returns at once;
// without a terminal it refuses, naming --yes. Only "y" or "yes" goes ahead;
// any other answer, the end of input, or ctx ending while it waits (Ctrl-C)
// is a cancellation (exit 130).
//
// The answer is read in a goroutine so that Ctrl-C is not stuck behind a
// read that cannot be interrupted. When ctx ends first, that goroutine stays
// blocked on the read until input comes or the process exits; a cancelled
// command exits, so nothing waits for it.
func (f *Factory) Confirm(ctx context.Context, yes bool, action, question string) error {
	if yes {
		return nil
	}
	if !f.IO.InTTY {
		return &Error{Action: action, Err: errors.New("it needs confirmation and stdin is not a terminal"),
			Fix: "pass --yes to confirm, or --dry-run where the command has it to see what it would do", Code: ExitError}
	}
	cancelled := &Error{Action: action, Err: ErrCancelled, Code: ExitCancelled}
	if ctx.Err() != nil {
		return cancelled
	}
	fmt.Fprintf(f.IO.ErrOut, "%s [y/N] ", question)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(f.IO.In).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		// End the prompt's line, so that the error starts on its own.
		fmt.Fprintln(f.IO.ErrOut)
		return cancelled
	case line := <-answer:
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return nil
		}
		return cancelled
	}
}

// ResolveUser finds a user by id or email: an argument with '@' is looked
// up as an email first, anything else as an id first, then the other way.
func ResolveUser(ctx context.Context, st store.Store, ref string) (store.User, error) {
	first, second := st.GetUser, st.GetUserByEmail
	if strings.Contains(ref, "@") {
		first, second = st.GetUserByEmail, st.GetUser
	}
	u, err := first(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		u, err = second(ctx, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return u, &store.NotFoundError{What: fmt.Sprintf("user %s (looked up as an id and as an email)", Quote(ref))}
	}
	return u, err
}

// LoadConfig loads authkit.yaml once per command: the --config file, else
// AUTHKIT_CONFIG, else ./authkit.yaml. found is false (and the error nil)
// when no file was named and ./authkit.yaml does not exist.
func (f *Factory) LoadConfig() (cfg *config.Config, found bool, err error) {
	c := &f.config
	if l := &f.lenient; !c.loaded && l.loaded && l.err == nil && (l.cfg == nil || len(l.cfg.UnsetEnv()) == 0) {
		// The lenient load succeeded waiting for nothing: the strict one
		// would give the same, so the file is not read twice.
		*c = *l
	}
	if !c.loaded {
		c.cfg, c.found, c.err = f.loadConfig(config.LoadOptions{})
		c.loaded = true
	}
	return c.cfg, c.found, c.err
}

// LoadConfigLenient is LoadConfig tolerating providers that wait for the
// environment (config.LoadOptions.AllowUnsetProviderEnv): what reads
// other sections (the database) or reports on the setup (doctor) uses it,
// so that an unset AUTH_<ID>_ISSUER hides nothing else. What signs users
// in uses LoadConfig.
func (f *Factory) LoadConfigLenient() (cfg *config.Config, found bool, err error) {
	if s := &f.config; s.loaded && s.err == nil {
		return s.cfg, s.found, s.err
	}
	c := &f.lenient
	if !c.loaded {
		c.cfg, c.found, c.err = f.loadConfig(config.LoadOptions{AllowUnsetProviderEnv: true})
		c.loaded = true
	}
	return c.cfg, c.found, c.err
}

func (f *Factory) loadConfig(opts config.LoadOptions) (*config.Config, bool, error) {
	path := f.ConfigPath
	if path == "" {
		var ok bool
		if path, ok = config.Find(".", f.Getenv); !ok {
			return nil, false, nil
		}
	}
	cfg, err := config.LoadWith(path, f.Getenv, opts)
	if err != nil {
		return nil, true, err
	}
	return cfg, true, nil
}
