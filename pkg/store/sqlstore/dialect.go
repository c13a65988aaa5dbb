package sqlstore

import (
	"database/sql/driver"
	"strconv"
	"strings"

	"modernc.org/sqlite"
)

// dialect holds every SQL difference between the engines, as strings.
// Queries are written once with '?' placeholders and these fragments.
type dialect struct {
	driver      string
	dollarArgs  bool   // rewrite '?' to $1, $2, ...
	contains    string // "column %s, lower-cased, contains the (lower-cased) argument", literally (no wildcards)
	containsAll string // the same for a non-ASCII argument: every letter folded (SQLite's lower() folds ASCII only)
	forUpdate   string // row lock in a transaction ("" where the whole database is locked)
	advisory    string // statement taking a transaction-scoped lock on a key ("" where not needed)
	listTables  string
	listColumns string // one '?' for the table name
	leadIndex   string // counts indexes whose first column is the column: '?' table, '?' column
	columnType  string // the declared type of a column: '?' table, '?' column
	timeType    string // column type of native times
	bigint      string
}

var dialects = map[string]dialect{
	EngineSQLite: {
		driver:      "sqlite",
		contains:    "instr(lower(%s), ?) > 0",
		containsAll: "instr(authkit_lower(%s), ?) > 0",
		listTables:  "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
		listColumns: "SELECT name FROM pragma_table_info(?)",
		leadIndex:   "SELECT count(*) FROM pragma_index_list(?) il JOIN pragma_index_info(il.name) ii WHERE ii.seqno = 0 AND ii.name = ?",
		columnType:  "SELECT type FROM pragma_table_info(?) WHERE name = ?",
		timeType:    "INTEGER",
		bigint:      "INTEGER",
	},
	EnginePostgres: {
		driver:      "pgx",
		dollarArgs:  true,
		contains:    "strpos(lower(%s), ?) > 0",
		containsAll: "strpos(lower(%s), ?) > 0",
		forUpdate:   " FOR UPDATE",
		advisory:    "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
		listTables:  "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
		listColumns: "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?",
		columnType:  "SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?",
		leadIndex: `SELECT count(*) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
			JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
			WHERE n.nspname = current_schema() AND t.relname = ? AND a.attname = ?`,
		timeType: "TIMESTAMPTZ",
		bigint:   "BIGINT",
	},
}

// rebind turns '?' placeholders into the engine's form.
func (d dialect) rebind(query string) string {
	if !d.dollarArgs {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	inQuote := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c == '\'' {
			inQuote = !inQuote
		}
		if c == '?' && !inQuote {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// quote quotes an identifier; both engines accept double quotes.
func quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// SQLite's lower() folds ASCII only; authkit_lower folds every letter the
// way Postgres' lower() does, so "ZOË" finds "zoë" on both engines. It sees
// a text only up to a NUL, so ASCII searches keep lower(), which does not.
func init() {
	err := sqlite.RegisterDeterministicScalarFunction("authkit_lower", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		}
		return args[0], nil
	})
	if err != nil {
		panic("authkit: cannot register authkit_lower: " + err.Error())
	}
}
