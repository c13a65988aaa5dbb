package initcmd

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/templates"
)

// summary is the --json output.
type summary struct {
	Dir          string            `json:"dir"`
	Template     string            `json:"template"`
	Files        []fileSummary     `json:"files"`
	CallbackURLs map[string]string `json:"callbackUrls"`
	Next         []string          `json:"next"`
}

type fileSummary struct {
	Path   string `json:"path"`
	Status string `json:"status"`
}

// report prints the files on stdout and the next steps on stderr.
func report(f *cmdutil.Factory, opts *Options, p *plan) error {
	next := nextCommands(p)
	if opts.JSON {
		s := summary{Dir: p.dir, Template: p.opts.Template, CallbackURLs: map[string]string{}, Next: next}
		for _, fl := range p.files {
			s.Files = append(s.Files, fileSummary{Path: fl.path, Status: fl.status})
		}
		for _, sp := range p.opts.Providers {
			s.CallbackURLs[sp.ID] = sp.CallbackURL
		}
		if err := cmdutil.PrintJSON(f.IO.Out, s); err != nil {
			return cmdutil.OutputError(err)
		}
	} else {
		t := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
		for _, fl := range p.files {
			fmt.Fprintf(t, "%s\t%s\n", fl.status, cmdutil.Safe(p.show(fl.path)))
		}
		if err := t.Flush(); err != nil {
			return cmdutil.OutputError(err)
		}
	}
	printNextSteps(f.IO.ErrOut, p, next)
	return nil
}

// unchanged reports whether init leaves every file as it was.
func (p *plan) unchanged() bool {
	for _, fl := range p.files {
		if fl.status != statusUnchanged {
			return false
		}
	}
	return true
}

// nextCommands are the commands to run, in order.
func nextCommands(p *plan) []string {
	var out []string
	if p.dir != "." {
		out = append(out, "cd "+shellQuote(p.dir))
	}
	o := p.opts
	if o.Template == "go" {
		if o.AuthkitVersion == devVersion {
			out = append(out, "go mod edit -replace github.com/authkit-dev/authkit=/path/to/authkit")
		}
		out = append(out, "go mod tidy")
		if o.Database == "postgres" {
			out = append(out, "set -a; . ./.env; set +a", "authkit db migrate")
		}
		out = append(out, "go run .")
	} else {
		out = append(out, "npm install")
		if o.Schema == "authjs-prisma" {
			out = append(out, "npx prisma migrate dev --name init")
		}
		out = append(out, "npm run dev")
	}
	return append(out, "authkit doctor")
}

// printNextSteps tells what to do now: register the callback URLs, fill
// the environment file, run the commands.
func printNextSteps(w io.Writer, p *plan, next []string) {
	o := p.opts
	env := p.show(templates.EnvFileName(o.Template))
	what := "a Go app"
	if o.Template == "nextjs" {
		what = "a Next.js app (Auth.js v5)"
	}
	store := map[string]string{"sqlite": "SQLite", "postgres": "Postgres"}[o.Database]
	if o.Template == "nextjs" && o.Schema == "" {
		store = "no database"
	}
	verb := "Scaffolded"
	if p.unchanged() {
		verb = "Nothing to change: the files are those of"
	}
	fmt.Fprintf(w, "\n%s %s in %s: %s sessions, %s, linking %s.\n", verb, what, cmdutil.Quote(p.dir), o.Session, store, o.Linking)
	if p.malformed != nil {
		fmt.Fprintf(w, "authkit: warning: replaced %s, which did not load.\n", cmdutil.Quote(p.show("authkit.yaml")))
	}
	for _, fl := range p.files {
		if fl.tightened != 0 {
			fmt.Fprintf(w, "authkit: %s now has mode %04o (it was %04o): it holds the new AUTH_SECRET, which no other user may read.\n",
				cmdutil.Quote(env), fl.mode, fl.tightened)
		} else if fl.path == templates.EnvFileName(o.Template) && fl.mode&0o044 != 0 {
			fmt.Fprintf(w, "authkit: warning: %s is readable by other users (mode %04o); run chmod 600 %s\n", cmdutil.Quote(env), fl.mode, cmdutil.Safe(env))
		}
	}
	for _, warning := range warnings(o) {
		fmt.Fprintln(w, "authkit: warning: "+warning)
	}
	fmt.Fprintf(w, "\nNext steps:\n  1. Register the app at each provider with its callback URL, and set its\n     credentials in %s:\n", env)
	width := 0
	for _, sp := range o.Providers {
		width = max(width, len(sp.Name))
	}
	for _, sp := range o.Providers {
		pad := strings.Repeat(" ", width-len(sp.Name))
		fmt.Fprintf(w, "       %s%s  %s\n", sp.Name, pad, sp.CallbackURL)
		indent := strings.Repeat(" ", width+9)
		if sp.ConsoleURL != "" {
			fmt.Fprintf(w, "%sat %s\n", indent, sp.ConsoleURL)
		}
		vars := sp.EnvID + " and " + sp.EnvSecret
		if sp.EnvIssuer != "" {
			vars = sp.EnvID + ", " + sp.EnvSecret + " and " + sp.EnvIssuer + " (the issuer URL)"
		}
		fmt.Fprintf(w, "%sset %s\n", indent, vars)
	}
	fmt.Fprintf(w, "  2. Run it:\n")
	for _, c := range next[:len(next)-1] {
		fmt.Fprintf(w, "       %s\n", c)
	}
	fmt.Fprintf(w, "  3. Check the setup: %s (with the variables of %s exported)\n", next[len(next)-1], templates.EnvFileName(o.Template))
}

// warnings are the choices that work but deserve a word.
func warnings(o templates.ScaffoldOptions) []string {
	var out []string
	if o.Linking == "always" {
		out = append(out, "linking always lets whoever controls an account at any of the providers with a user's email sign in as that user")
	}
	u, err := url.Parse(o.BaseURL)
	if err == nil && u.Scheme == "http" && !loopback(u.Hostname()) {
		out = append(out, fmt.Sprintf("the base URL %s is plain http on a host that is not this machine: session cookies are then sent unencrypted; use https", o.BaseURL))
	}
	for _, sp := range o.Providers {
		if sp.ID == "apple" && (u == nil || u.Scheme != "https" || loopback(u.Hostname())) {
			out = append(out, "Sign in with Apple only accepts https callback URLs on a public host; use a tunnel or a deployed --base-url to try it")
		}
	}
	return out
}

func loopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// shellQuote quotes a path for a POSIX shell when it needs it.
func shellQuote(s string) string {
	s = filepath.ToSlash(s)
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/+=:,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
