package sqlstore

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		raw    string
		engine string
		path   string
		params string // encoded
		dsn    string
		err    string // substring of the error; "" for success
	}{
		{raw: "sqlite:authkit.db", engine: EngineSQLite, path: "authkit.db"},
		{raw: "sqlite:./data/a.db", engine: EngineSQLite, path: "./data/a.db"},
		{raw: "sqlite:///abs/a.db", engine: EngineSQLite, path: "/abs/a.db"},
		{raw: "sqlite://rel.db", engine: EngineSQLite, path: "rel.db"},
		{raw: "SQLITE:Upper.db", engine: EngineSQLite, path: "Upper.db"},
		{raw: "file:a.db", engine: EngineSQLite, path: "a.db"},
		{raw: "file:///abs/a.db", engine: EngineSQLite, path: "/abs/a.db"},
		{raw: "plain.db", engine: EngineSQLite, path: "plain.db"},
		{raw: "/abs/plain.db", engine: EngineSQLite, path: "/abs/plain.db"},
		{raw: "  sqlite:space.db  ", engine: EngineSQLite, path: "space.db"},
		{raw: "sqlite:a.db?mode=ro", engine: EngineSQLite, path: "a.db", params: "mode=ro"},
		{raw: "sqlite:a.db?max_page_count=100", engine: EngineSQLite, path: "a.db", params: "max_page_count=100"},
		{raw: "sqlite:with space.db", engine: EngineSQLite, path: "with space.db"},
		{raw: "sqlite:a.db?max_page_count=x", err: "max_page_count"},
		{raw: "sqlite:a.db?max_page_count=-1", err: "max_page_count"},
		{raw: "sqlite:a.db?_pragma=foreign_keys(0)", err: "_pragma"},
		{raw: "sqlite:a.db?_txlock=deferred", err: "_txlock"},
		{raw: "sqlite:a.db?%zz", err: "malformed"},
		{raw: "sqlite:", err: "names no file"},
		{raw: "sqlite:?mode=ro", err: "names no file"},
		{raw: "", err: "empty"},
		{raw: "   ", err: "empty"},
		{raw: "postgres://u:p@localhost:5432/db?sslmode=disable", engine: EnginePostgres, dsn: "postgres://u:p@localhost:5432/db?sslmode=disable"},
		{raw: "postgresql://localhost/db", engine: EnginePostgres, dsn: "postgresql://localhost/db"},
		{raw: "POSTGRES://localhost/db", engine: EnginePostgres, dsn: "POSTGRES://localhost/db"},
		{raw: "postgres:///db?host=/var/run/postgresql", engine: EnginePostgres, dsn: "postgres:///db?host=/var/run/postgresql"},
		{raw: "postgres:///db", err: "names no host"},
		{raw: "postgres://u:p@host:notaport/db", err: "malformed"},
		{raw: "postgres:/u:p@host/db", err: "malformed"},
		{raw: "mysql://u:p@host/db", err: "unsupported database scheme \"mysql\""},
		{raw: "http://example.com/db", err: "unsupported"},
		{raw: "host=localhost dbname=x", err: "key=value"},
		{raw: "password=x host=localhost", err: "key=value"},
	}
	for _, tc := range cases {
		got, err := ParseURL(tc.raw)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseURL(%q) error = %v, want one mentioning %q", tc.raw, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.raw, err)
			continue
		}
		params := ""
		if got.Params != nil {
			params = got.Params.Encode()
		}
		if got.Engine != tc.engine || got.Path != tc.path || params != tc.params || got.DSN != tc.dsn || got.Raw != tc.raw {
			t.Errorf("ParseURL(%q) = %+v, want engine %s path %q params %q dsn %q", tc.raw, got, tc.engine, tc.path, tc.params, tc.dsn)
		}
	}
}

func TestSQLiteDSN(t *testing.T) {
	target, err := ParseURL("sqlite:/d/a#b%c.db?mode=ro&max_page_count=50&cache=shared")
	if err != nil {
		t.Fatal(err)
	}
	dsn := target.sqliteDSN(true)
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if unescaped, _ := url.PathUnescape(path); unescaped != "/d/a#b%c.db" {
		t.Errorf("DSN path %q unescapes to %q", path, unescaped)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	if q.Get("mode") != "ro" || q.Get("cache") != "shared" || q.Get("_txlock") != "immediate" || q.Has("max_page_count") {
		t.Errorf("DSN query %v", q)
	}
	for _, want := range []string{"busy_timeout(10000)", "foreign_keys(1)", "max_page_count(50)"} {
		found := false
		for _, p := range q["_pragma"] {
			found = found || p == want
		}
		if !found {
			t.Errorf("DSN %s lacks _pragma=%s", dsn, want)
		}
	}
	plain, _ := ParseURL("sqlite:a.db")
	if q, _ := url.ParseQuery(strings.SplitN(plain.sqliteDSN(false), "?", 2)[1]); q.Get("mode") != "rw" {
		t.Errorf("without Create the mode is %q, want rw", q.Get("mode"))
	}
	if q, _ := url.ParseQuery(strings.SplitN(plain.sqliteDSN(true), "?", 2)[1]); q.Get("mode") != "rwc" {
		t.Errorf("with Create the mode is %q, want rwc", q.Get("mode"))
	}
}

func TestRedactURL(t *testing.T) {
	cases := []struct{ raw, want string }{
		{"postgres://u:secret@host:5432/db", "postgres://u:xxxxx@host:5432/db"},
		{"postgres://u:secret@host/db?sslmode=disable", "postgres://u:xxxxx@host/db?sslmode=disable"},
		{"postgres://u@host/db", "postgres://u@host/db"},
		{"postgres://host/db", "postgres://host/db"},
		{"postgres://u:p%40ss@host/db", "postgres://u:xxxxx@host/db"},
		{"postgres://u:p@ss@host/db", "postgres://u:xxxxx@host/db"},
		{"postgres://u@host/db?password=secret&sslmode=disable", "postgres://u@host/db?password=xxxxx&sslmode=disable"},
		{"postgres://u@host/db?sslmode=disable&PASSWORD=secret", "postgres://u@host/db?sslmode=disable&PASSWORD=xxxxx"},
		{"postgres://u@host/db?sslpassword=secret", "postgres://u@host/db?sslpassword=xxxxx"},
		{"postgres://u:secret@host:badport/db", "postgres://xxxxx@host:badport/db"},
		{"postgres://u:se/cret@host/db", "postgres://xxxxx@host/db"},
		{"postgres://u:se#cret@host/db", "postgres://xxxxx@host/db"},
		{"postgres:/u:secret@host/db", "postgres:xxxxx@host/db"},
		{"postgres:u:secret@host/db", "postgres:xxxxx@host/db"},
		{"host=h user=u password=secret dbname=d", "host=h user=u password=xxxxx dbname=d"},
		{"sqlite:authkit.db", "sqlite:authkit.db"},
		{"sqlite:/data/ada@example.db", "sqlite:/data/ada@example.db"},
		{"authkit.db", "authkit.db"},
		{"", ""},
	}
	for _, tc := range cases {
		if got := RedactURL(tc.raw); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.raw, got, tc.want)
		}
		if strings.Contains(tc.raw, "secret") && strings.Contains(RedactURL(tc.raw), "secret") {
			t.Errorf("RedactURL(%q) keeps the secret", tc.raw)
		}
	}
}

func TestDecodeTime(t *testing.T) {
	ref := time.Date(2024, 5, 6, 7, 8, 9, 123_000_000, time.UTC)
	sec := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	cases := []struct {
		in   any
		want *time.Time
		err  bool
	}{
		{in: nil, want: nil},
		{in: ref, want: &ref},
		{in: ref.In(time.FixedZone("X", 5*3600)), want: &ref},
		{in: ref.UnixMilli(), want: &ref},
		{in: float64(ref.UnixMilli()), want: &ref},
		{in: int64(0), want: ptr(time.UnixMilli(0).UTC())},
		{in: int64(-1000), want: ptr(time.UnixMilli(-1000).UTC())},
		{in: "1714979289123", want: &ref},
		{in: []byte("1714979289123"), want: &ref},
		{in: "2024-05-06T07:08:09.123Z", want: &ref},
		{in: "2024-05-06T09:08:09.123+02:00", want: &ref},
		{in: "2024-05-06 07:08:09.123+00:00", want: &ref},
		{in: "2024-05-06 07:08:09", want: &sec},
		{in: "2024-05-06T07:08:09", want: &sec},
		{in: "2024-05-06 07:08:09.123", want: &ref},
		{in: " 2024-05-06 07:08:09 ", want: &sec},
		{in: []byte("2024-05-06 07:08:09"), want: &sec},
		{in: "2024-05-06", want: ptr(time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC))},
		{in: "", err: true},
		{in: "yesterday", err: true},
		{in: "2024-13-45", err: true},
		{in: true, err: true},
		{in: struct{}{}, err: true},
	}
	for _, tc := range cases {
		got, err := decodeTime(tc.in)
		if tc.err {
			if err == nil {
				t.Errorf("decodeTime(%#v) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("decodeTime(%#v): %v", tc.in, err)
			continue
		}
		if (got == nil) != (tc.want == nil) || (got != nil && (!got.Equal(*tc.want) || got.Location() != time.UTC)) {
			t.Errorf("decodeTime(%#v) = %v, want %v in UTC", tc.in, got, tc.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestRebind(t *testing.T) {
	pg := dialects[EnginePostgres]
	cases := map[string]string{
		"SELECT ?":                       "SELECT $1",
		"a = ? AND b = ?":                "a = $1 AND b = $2",
		"x LIKE ? ESCAPE '\\' AND y = ?": "x LIKE $1 ESCAPE '\\' AND y = $2",
		"strpos(lower(e), lower(?)) > 0": "strpos(lower(e), lower($1)) > 0",
		"SELECT '?' , ?":                 "SELECT '?' , $1",
		"no args":                        "no args",
	}
	for in, want := range cases {
		if got := pg.rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
		if got := dialects[EngineSQLite].rebind(in); got != in {
			t.Errorf("SQLite rebind changed %q to %q", in, got)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	for _, seed := range []string{
		"sqlite:authkit.db", "sqlite:a.db?mode=ro&max_page_count=10", "file:///x.db", "postgres://u:p@h:5432/d?sslmode=disable",
		"postgres://u:p@ss@h/d", "postgres:/u:p@h", "host=h password=p", "mysql://x", "", "?", "sqlite:?", "postgres://[::1]:5432/d",
		"postgres://u:%zz@h/d", "sqlite:a.db?%", "\x00", "sqlite:a.db?_pragma=x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		target, err := ParseURL(raw)
		redacted := RedactURL(raw)
		if err != nil {
			return
		}
		switch target.Engine {
		case EngineSQLite:
			if target.Path == "" {
				t.Fatalf("ParseURL(%q) gives SQLite without a path", raw)
			}
			for k := range target.Params {
				if strings.HasPrefix(k, "_") {
					t.Fatalf("ParseURL(%q) lets %s through", raw, k)
				}
			}
			_ = target.sqliteDSN(false)
		case EnginePostgres:
			if target.DSN == "" {
				t.Fatalf("ParseURL(%q) gives Postgres without a DSN", raw)
			}
			u, perr := url.Parse(target.DSN)
			if perr != nil {
				t.Fatalf("ParseURL(%q) accepted a DSN url.Parse refuses: %v", raw, perr)
			}
			if u.User != nil {
				if p, ok := u.User.Password(); ok && len(p) >= 6 && utf8.ValidString(p) && !strings.Contains("xxxxx", p) &&
					strings.Contains(redacted, ":"+p+"@") {
					t.Fatalf("RedactURL(%q) = %q keeps the password %q", raw, redacted, p)
				}
			}
		default:
			t.Fatalf("ParseURL(%q) = engine %q", raw, target.Engine)
		}
	})
}

func FuzzDecodeTime(f *testing.F) {
	for _, seed := range []string{"1714979289123", "2024-05-06T07:08:09.123Z", "2024-05-06 07:08:09", "2024-05-06", "", "x", "-9223372036854775808", "9223372036854775807"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, v := range []any{s, []byte(s)} {
			got, err := decodeTime(v)
			if err == nil && got != nil && got.Location() != time.UTC {
				t.Fatalf("decodeTime(%q) = %v, not UTC", s, got)
			}
			if err == nil && got == nil {
				t.Fatalf("decodeTime(%q) = nil without an error", s)
			}
		}
	})
}
