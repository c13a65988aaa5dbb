package sqlstore

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Engine names.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// DefaultURL is the database authkit uses when none is configured.
const DefaultURL = "sqlite:authkit.db"

// Target is a parsed database URL: which engine, and what to hand its driver.
type Target struct {
	// Engine is EngineSQLite or EnginePostgres.
	Engine string
	// Path is the SQLite file (empty for Postgres).
	Path string
	// Params are the SQLite URI parameters given after '?' (mode=ro, ...).
	Params url.Values
	// DSN is the Postgres connection URL.
	DSN string
	// Raw is the URL as given.
	Raw string
}

// ParseURL reads a database URL: postgres:// or postgresql:// select
// Postgres; sqlite:PATH, sqlite://PATH, file:PATH or a plain path select
// SQLite. Query parameters on a SQLite URL are passed to SQLite (mode=ro);
// max_page_count=N caps the size of the file; the first '?' starts them.
// A libpq key=value string ("host=... dbname=...") is refused rather than
// taken for a file name. Errors show the URL through RedactURL only.
func ParseURL(raw string) (Target, error) {
	t := Target{Raw: raw}
	s := strings.TrimSpace(raw)
	if s == "" {
		return t, fmt.Errorf("the database URL is empty")
	}
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		u, err := url.Parse(s)
		if err != nil {
			return t, fmt.Errorf("malformed Postgres URL %s", RedactURL(s))
		}
		if u.Host == "" && u.Query().Get("host") == "" {
			return t, fmt.Errorf("the Postgres URL %s names no host", RedactURL(s))
		}
		t.Engine, t.DSN = EnginePostgres, prismaToLibpq(s, u)
		return t, nil
	case strings.HasPrefix(lower, "postgres:"), strings.HasPrefix(lower, "postgresql:"):
		return t, fmt.Errorf("malformed Postgres URL %s (it starts postgres://)", RedactURL(s))
	case looksLikeSchemelessURL(lower):
		at := strings.Index(s, "@")
		shown := s[:strings.LastIndex(s[:at], ":")+1] + "xxxxx" + s[at:]
		return t, fmt.Errorf("%s looks like a database URL without its scheme; write postgres://user:password@host:5432/dbname", shown)
	case libpqKeyValue.MatchString(s):
		return t, fmt.Errorf("%s looks like a key=value connection string; use a URL: postgres://user:password@host:5432/dbname", RedactURL(s))
	case strings.Contains(lower, "://") && !strings.HasPrefix(lower, "sqlite://") && !strings.HasPrefix(lower, "file://"):
		scheme := s[:strings.Index(s, "://")]
		return t, fmt.Errorf("unsupported database scheme %q in %s (use sqlite:PATH or postgres://...)", scheme, RedactURL(s))
	}
	for _, prefix := range []string{"sqlite://", "sqlite:", "file://", "file:"} {
		if strings.HasPrefix(lower, prefix) {
			s = s[len(prefix):]
			break
		}
	}
	path, query, _ := strings.Cut(s, "?")
	if path == "" {
		return t, fmt.Errorf("the SQLite URL %q names no file", raw)
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return t, fmt.Errorf("malformed parameters in the SQLite URL %q: %v", raw, err)
	}
	for k := range params {
		if strings.HasPrefix(k, "_") {
			return t, fmt.Errorf("the SQLite URL %q sets %s, which authkit manages itself", raw, k)
		}
	}
	if n := params.Get("max_page_count"); n != "" {
		if _, err := strconv.ParseUint(n, 10, 32); err != nil {
			return t, fmt.Errorf("max_page_count in the SQLite URL %q is not a number", raw)
		}
	}
	t.Engine, t.Path, t.Params = EngineSQLite, path, params
	return t, nil
}

// looksLikeSchemelessURL reports a "user:password@host/db" that lost its
// "postgres://": taken for a file name, it would print the password.
func looksLikeSchemelessURL(lower string) bool {
	if strings.HasPrefix(lower, "sqlite:") || strings.HasPrefix(lower, "file:") || strings.Contains(lower, "://") {
		return false
	}
	at := strings.Index(lower, "@")
	return at > 0 && strings.Contains(lower[:at], ":")
}

// prismaOnlyParams are the query parameters of Prisma's Postgres URLs that
// Postgres itself does not know; they tune Prisma's own pool.
var prismaOnlyParams = []string{"connection_limit", "pool_timeout", "pgbouncer", "socket_timeout",
	"statement_cache_size", "sslaccept", "sslidentity", "sslpassword", "schema"}

// prismaToLibpq turns a Prisma DATABASE_URL into one pgx accepts:
// schema=S becomes search_path=S (where Prisma keeps the Auth.js tables),
// and Prisma's pool settings are dropped.
func prismaToLibpq(raw string, u *url.URL) string {
	q := u.Query()
	changed := false
	if schema := q.Get("schema"); schema != "" && q.Get("search_path") == "" {
		q.Set("search_path", schema)
		changed = true
	}
	for _, k := range prismaOnlyParams {
		if q.Has(k) {
			q.Del(k)
			changed = true
		}
	}
	if !changed {
		return raw
	}
	out := *u
	out.RawQuery = q.Encode()
	return out.String()
}

// RedactURL returns the URL with any password (in the user info or a
// password query parameter) replaced by "xxxxx", safe to print in errors
// and logs. A string that does not parse as a URL is redacted from the
// scheme to its last '@'.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil, u.Opaque != "":
		return redactUnparsed(raw)
	case u.Scheme == "":
		// A path, or a key=value connection string.
		return passwordParam.ReplaceAllString(raw, "${1}xxxxx")
	case u.User == nil && strings.Contains(raw, "@") && !strings.EqualFold(u.Scheme, "sqlite") && !strings.EqualFold(u.Scheme, "file"):
		// "postgres:/user:password@host": no authority, the password in the path.
		return redactUnparsed(raw)
	}
	changed := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			changed = true
		}
	}
	if u.RawQuery != "" && passwordParam.MatchString(u.RawQuery) {
		u.RawQuery = passwordParam.ReplaceAllString(u.RawQuery, "${1}xxxxx")
		changed = true
	}
	if !changed {
		return raw
	}
	return u.String()
}

// passwordParam matches a password in a query string or a key=value
// connection string (password=..., sslpassword=...).
var passwordParam = regexp.MustCompile(`(?i)((?:^|[&?\s])[a-z_]*pass(?:word)?=)[^&\s]*`)

func redactUnparsed(raw string) string {
	out := raw
	if at := strings.LastIndex(out, "@"); at > 0 {
		start := 0
		if i := strings.Index(out, "://"); i >= 0 && i < at {
			start = i + 3
		} else if i := strings.Index(out, ":"); i >= 0 && i < at {
			start = i + 1
		}
		out = out[:start] + "xxxxx" + out[at:]
	}
	return passwordParam.ReplaceAllString(out, "${1}xxxxx")
}

// secrets returns the password of a Postgres URL in the forms an error
// message might quote it, so that cleanDriverError can remove them.
func (t Target) secrets() []string {
	var out []string
	add := func(p string) {
		if len(p) >= 3 && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if u, err := url.Parse(t.DSN); err == nil {
		if u.User != nil {
			if p, ok := u.User.Password(); ok {
				add(p)
				add(url.PathEscape(p))
				add(url.QueryEscape(p))
			}
		}
		for k, vs := range u.Query() {
			if strings.Contains(strings.ToLower(k), "pass") {
				for _, v := range vs {
					add(v)
					add(url.QueryEscape(v))
				}
			}
		}
	}
	// Longest first, so that a password containing another is removed whole.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// libpqKeyValue matches a libpq key=value connection string ("host=...
// dbname=..."), which is not a SQLite path.
var libpqKeyValue = regexp.MustCompile(`(?i)^\s*(host|hostaddr|port|dbname|user|password|sslmode)\s*=`)

func (t Target) sqliteDSN(create bool) string {
	mode := "rw"
	if create {
		mode = "rwc"
	}
	q := url.Values{}
	for k, vs := range t.Params {
		if k == "max_page_count" {
			continue
		}
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	if q.Get("mode") == "" {
		q.Set("mode", mode)
	}
	pragmas := []string{"busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)"}
	if n := t.Params.Get("max_page_count"); n != "" {
		pragmas = append(pragmas, "max_page_count("+n+")")
	}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(t.Path)
	return "file:" + escaped + "?" + q.Encode()
}
