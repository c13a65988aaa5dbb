package sqlstore

import (
	"fmt"
	"net/url"
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
// max_page_count=N caps the size of the file.
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
		if u.Host == "" {
			return t, fmt.Errorf("the Postgres URL %s names no host", RedactURL(s))
		}
		t.Engine, t.DSN = EnginePostgres, s
		return t, nil
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

// RedactURL returns the URL with any password replaced by "xxxxx", safe to
// print in errors and logs.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if i := strings.Index(raw, "@"); i > 0 && strings.Contains(raw[:i], "://") {
			return raw[:strings.Index(raw, "://")+3] + "xxxxx" + raw[i:]
		}
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

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
