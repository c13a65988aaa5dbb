package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/jackc/pgx/v5"
)

// `storebench plans` reads the statements an authkit command issued from
// the Postgres server log (bench/store.sh turns on log_statement = 'all',
// which logs a statement when it starts, and log_min_duration_statement = 0,
// which logs its duration when it ends, for the benchmark database while the
// command runs), and prints for each distinct statement how often it ran,
// the server time it took, EXPLAIN (ANALYZE, BUFFERS) on Postgres and, when
// --sqlite is given, EXPLAIN QUERY PLAN and a timing of the very same text
// on SQLite. sqlstore writes every query once with '?' placeholders and
// rewrites them to $1, $2, ... for Postgres; SQLite binds $N by position as
// well, so the captured text runs on SQLite as it is. Statements about the
// catalogue (information_schema) are Postgres-only; their SQLite
// counterparts read sqlite_master.

type statement struct {
	sql      string
	params   []*string // nil element: NULL
	count    int
	duration time.Duration
	// unfinished counts the runs whose end was not logged: a command cut
	// short (bench/store.sh stops `users list` after its first megabytes)
	// ends its statement without a duration.
	unfinished int
}

var (
	entryStart = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \S+ \[(\d+)\] `)
	// A statement with its duration (log_min_duration_statement alone), or
	// a statement as it starts (log_statement = 'all'): the duration group
	// is then empty and comes later on a line of its own (durationOnly).
	execLine     = regexp.MustCompile(`LOG:  (?:duration: ([0-9.]+) ms  )?(?:execute [^:]*|statement): `)
	durationOnly = regexp.MustCompile(`LOG:  duration: ([0-9.]+) ms$`)
	dollarArg    = regexp.MustCompile(`\$(\d+)`)
)

func cmdPlans(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("plans", flag.ExitOnError)
	pgURL := fs.String("pg", "", "Postgres URL of the benchmark database")
	sqliteURL := fs.String("sqlite", "", "SQLite database (sqlite:PATH) to explain the same statements on")
	logPath := fs.String("pglog", "", "the Postgres server log")
	db := fs.String("db", "", "the database name, as the log prefix shows it")
	since := fs.Int64("since", 0, "byte offset in the log where the command started")
	until := fs.Int64("until", -1, "byte offset in the log where the command ended (-1: end)")
	label := fs.String("label", "", "what ran, for the headings")
	skipPG := fs.Bool("no-pg-explain", false, "only list the statements and explain them on SQLite")
	fs.Parse(args)
	if *pgURL == "" || *logPath == "" || *db == "" {
		return fmt.Errorf("plans needs --pg, --pglog and --db")
	}
	stmts, err := readLog(*logPath, *db, *since, *until)
	if err != nil {
		return err
	}
	if len(stmts) == 0 {
		return fmt.Errorf("no statement of the database %s in %s between offsets %d and %d; is log_statement or log_min_duration_statement set?",
			*db, *logPath, *since, *until)
	}
	var pg *pgx.Conn
	if !*skipPG {
		cfg, err := pgx.ParseConfig(*pgURL)
		if err != nil {
			return err
		}
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
		if pg, err = pgx.ConnectConfig(ctx, cfg); err != nil {
			return err
		}
		defer pg.Close(ctx)
		// Keep what this tool runs out of the log it reads.
		if _, err := pg.Exec(ctx, "SET log_min_duration_statement = -1; SET log_statement = 'none'"); err != nil {
			return err
		}
	}
	var lite *sql.DB
	if *sqliteURL != "" {
		t, err := sqlstore.ParseURL(*sqliteURL)
		if err != nil {
			return err
		}
		if lite, err = sql.Open("sqlite", "file:"+t.Path+"?mode=ro"); err != nil {
			return err
		}
		defer lite.Close()
		lite.SetMaxOpenConns(1)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	var total time.Duration
	calls, unfinished := 0, 0
	for _, s := range stmts {
		total += s.duration
		calls += s.count
		unfinished += s.unfinished
	}
	cut := ""
	if unfinished > 0 {
		cut = fmt.Sprintf(", not counting %d statement(s) cut short", unfinished)
	}
	fmt.Fprintf(w, "## %s\n\n%d statements executed, %d distinct, %s of server time in all (as logged, execute phase%s)\n",
		*label, calls, len(stmts), fmtDur(total), cut)
	for n, s := range stmts {
		ran := fmt.Sprintf("ran %d×, %s server time", s.count, fmtDur(s.duration))
		switch {
		case s.unfinished == s.count:
			ran = fmt.Sprintf("ran %d×, cut short when the command's output was cut, so not timed by the log", s.count)
		case s.unfinished > 0:
			ran += fmt.Sprintf(", not counting %d run(s) cut short", s.unfinished)
		}
		fmt.Fprintf(w, "\n### %s: statement %d (%s)\n\n", *label, n+1, ran)
		fmt.Fprintf(w, "    %s\n", abbreviate(s.sql))
		if len(s.params) > 0 {
			fmt.Fprintf(w, "    -- %d parameters, first: $1 = %s\n", len(s.params), showParam(s.params[0]))
		}
		if catalogue(s.sql) {
			fmt.Fprintf(w, "\n    (catalogue query of sqlstore.Open: profile detection; not explained. SQLite reads sqlite_master and pragma_table_info instead)\n")
			continue
		}
		if pg != nil {
			if err := explainPG(ctx, w, pg, s); err != nil {
				fmt.Fprintf(w, "\n    Postgres EXPLAIN failed: %v\n", err)
			}
		}
		if lite != nil {
			if err := explainSQLite(ctx, w, lite, s); err != nil {
				fmt.Fprintf(w, "\n    SQLite EXPLAIN failed: %v\n", err)
			}
		}
	}
	return nil
}

// readLog returns the distinct statements the database ran, in the order
// they first ran, with the parameters of the first run.
func readLog(path, db string, since, until int64) ([]*statement, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(since, io.SeekStart); err != nil {
		return nil, err
	}
	var r io.Reader = f
	if until >= 0 {
		r = io.LimitReader(f, until-since)
	}
	// Group lines into entries (continuation lines start with a tab).
	type entry struct{ pid, text string }
	var entries []entry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := entryStart.FindStringSubmatch(line); m != nil {
			entries = append(entries, entry{pid: m[2], text: line})
		} else if len(entries) > 0 {
			entries[len(entries)-1].text += "\n" + strings.TrimPrefix(line, "\t")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	marker := "@" + db + " "
	byText := map[string]*statement{}
	var order []*statement
	last := map[string]*statement{}    // pid -> statement awaiting its DETAIL
	running := map[string]*statement{} // pid -> statement logged at its start, awaiting its duration
	for _, e := range entries {
		if !strings.Contains(e.text, marker) {
			continue
		}
		if i := strings.Index(e.text, "DETAIL:  parameters: "); i >= 0 {
			if s := last[e.pid]; s != nil && s.params == nil {
				s.params = parseParams(e.text[i+len("DETAIL:  parameters: "):])
			}
			delete(last, e.pid)
			continue
		}
		if m := durationOnly.FindStringSubmatch(strings.TrimSpace(e.text)); m != nil {
			if s := running[e.pid]; s != nil {
				ms, _ := strconv.ParseFloat(m[1], 64)
				s.duration += time.Duration(ms * float64(time.Millisecond))
				s.unfinished--
				delete(running, e.pid)
			}
			continue
		}
		m := execLine.FindStringSubmatchIndex(e.text)
		if m == nil {
			delete(last, e.pid)
			continue
		}
		text := strings.TrimSpace(e.text[m[1]:])
		if isComment(text) {
			continue
		}
		s := byText[text]
		if s == nil {
			s = &statement{sql: text}
			byText[text] = s
			order = append(order, s)
			if dollarArg.MatchString(text) {
				last[e.pid] = s
			} else {
				s.params = []*string{}
			}
		}
		s.count++
		if m[2] >= 0 { // logged at its end, with its duration
			ms, _ := strconv.ParseFloat(e.text[m[2]:m[3]], 64)
			s.duration += time.Duration(ms * float64(time.Millisecond))
		} else { // logged at its start: unfinished until its duration line
			s.unfinished++
			running[e.pid] = s
		}
	}
	return order, nil
}

func isComment(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") && l != ";" {
			return false
		}
	}
	return true
}

func catalogue(sql string) bool {
	return strings.Contains(sql, "information_schema") || strings.Contains(sql, "pg_catalog")
}

// parseParams reads `$1 = 'a', $2 = NULL, ...` (quotes doubled inside).
func parseParams(s string) []*string {
	out := []*string{}
	for len(s) > 0 {
		eq := strings.Index(s, " = ")
		if eq < 0 {
			break
		}
		s = s[eq+3:]
		if strings.HasPrefix(s, "NULL") {
			out = append(out, nil)
			s = s[4:]
		} else if strings.HasPrefix(s, "'") {
			var b strings.Builder
			i := 1
			for i < len(s) {
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					break
				}
				b.WriteByte(s[i])
				i++
			}
			v := b.String()
			out = append(out, &v)
			s = s[min(i+1, len(s)):]
		} else {
			break
		}
		s = strings.TrimPrefix(s, ", ")
	}
	return out
}

func (s *statement) args() []any {
	args := make([]any, len(s.params))
	for i, p := range s.params {
		if p != nil {
			args[i] = *p
		}
	}
	return args
}

func explainPG(ctx context.Context, w io.Writer, pg *pgx.Conn, s *statement) error {
	var plan []string
	var times []string
	start := time.Now()
	for run := 0; run < 3; run++ {
		// A statement that reads everything (users list is one query
		// now) runs once past 20 s rather than three times.
		if run > 0 && time.Since(start) > 20*time.Second {
			break
		}
		rows, err := pg.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+s.sql, s.args()...)
		if err != nil {
			return err
		}
		plan = plan[:0]
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				rows.Close()
				return err
			}
			plan = append(plan, line)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, l := range plan {
			if strings.HasPrefix(l, "Execution Time:") {
				times = append(times, strings.TrimSpace(strings.TrimPrefix(l, "Execution Time:")))
			}
		}
	}
	fmt.Fprintf(w, "\n    Postgres EXPLAIN (ANALYZE, BUFFERS), last of %d runs (execution times: %s):\n", len(times), strings.Join(times, ", "))
	for _, l := range plan {
		fmt.Fprintf(w, "      %s\n", abbreviate(l))
	}
	return nil
}

func explainSQLite(ctx context.Context, w io.Writer, db *sql.DB, s *statement) error {
	plan, err := sqlitePlan(ctx, db, s.sql, s.args()...)
	if err != nil {
		return err
	}
	var runs []time.Duration
	nrows := 0
	var spent time.Duration
	for range 5 {
		if spent > 20*time.Second { // a long statement: fewer runs
			break
		}
		start := time.Now()
		rs, err := db.QueryContext(ctx, s.sql, s.args()...)
		if err != nil {
			return err
		}
		cols, _ := rs.Columns()
		dest := make([]any, len(cols))
		for i := range dest {
			dest[i] = new(any)
		}
		nrows = 0
		for rs.Next() {
			if err := rs.Scan(dest...); err != nil {
				rs.Close()
				return err
			}
			nrows++
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		runs = append(runs, time.Since(start))
		spent += runs[len(runs)-1]
	}
	slices.Sort(runs)
	fmt.Fprintf(w, "\n    SQLite EXPLAIN QUERY PLAN (same text; median of %d runs %s, %d rows):\n", len(runs), fmtDur(runs[(len(runs)-1)/2]), nrows)
	for _, l := range plan {
		fmt.Fprintf(w, "      %s\n", l)
	}
	return nil
}

// abbreviate shortens long IN lists ($1, $2, ..., $1000) and long lines
// for display only; the statements run as captured.
func abbreviate(s string) string {
	s = collapseArgs(s)
	if len(s) > 400 {
		s = s[:300] + " … " + s[len(s)-80:]
	}
	return strings.ReplaceAll(s, "\n", "\n    ")
}

var argList = regexp.MustCompile(`\$(\d+)(, \$\d+){4,}, \$(\d+)`)

func collapseArgs(s string) string {
	return argList.ReplaceAllStringFunc(s, func(m string) string {
		parts := strings.Split(m, ", ")
		return fmt.Sprintf("%s, %s, … %s (%d placeholders)", parts[0], parts[1], parts[len(parts)-1], len(parts))
	})
}

func showParam(p *string) string {
	if p == nil {
		return "NULL"
	}
	var b bytes.Buffer
	b.WriteString(strconv.Quote(*p))
	return b.String()
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	}
}

// `storebench explain --sqlite sqlite:PATH SQL...` prints EXPLAIN QUERY PLAN
// of each statement on a SQLite database, through the SQLite library
// authkit itself uses (modernc.org/sqlite, not the sqlite3 shell, whose
// version and so whose plans may differ). bench/store.sh uses it for the
// authjs-drizzle statements, which no log captures. Placeholders are
// bound to NULL: the plan does not depend on the values.
func cmdExplain(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("explain", flag.ExitOnError)
	sqliteURL := fs.String("sqlite", "", "SQLite database (sqlite:PATH)")
	fs.Parse(args)
	if *sqliteURL == "" || fs.NArg() == 0 {
		return fmt.Errorf("explain needs --sqlite and at least one statement")
	}
	t, err := sqlstore.ParseURL(*sqliteURL)
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+t.Path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range fs.Args() {
		// NULL for each '?' (the statements have no '?' in literals).
		plan, err := sqlitePlan(ctx, db, q, make([]any, strings.Count(q, "?"))...)
		if err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		for _, l := range plan {
			fmt.Println(l)
		}
	}
	return nil
}

// sqlitePlan returns EXPLAIN QUERY PLAN of query, one line a node,
// indented two spaces a level.
func sqlitePlan(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	depth := map[int]int{0: 0}
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		d := depth[parent] + 1
		depth[id] = d
		plan = append(plan, strings.Repeat("  ", d-1)+detail)
	}
	return plan, rows.Err()
}
