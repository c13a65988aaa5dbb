package config

import (
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong in a configuration file, where it is and how
// to fix it.
type Problem struct {
	// Line and Column locate the problem in the file, both from 1; zero
	// when unknown (a problem with the file as a whole).
	Line, Column int
	// Path is the key path concerned, such as "providers[0].client_id";
	// empty for the file as a whole.
	Path string
	// Message says what is wrong and how to fix it. It never holds a
	// secret's value.
	Message string
}

// Location is "line 12, column 5", "line 12", or "" when unknown.
func (p Problem) Location() string {
	switch {
	case p.Line <= 0:
		return ""
	case p.Column <= 0:
		return "line " + strconv.Itoa(p.Line)
	}
	return "line " + strconv.Itoa(p.Line) + ", column " + strconv.Itoa(p.Column)
}

// Error is what Load returns when a file cannot be read or is not valid:
// every problem found, each on a line of its own in the authkit style,
// "authkit: cannot load authkit.yaml: line 12, column 5: unknown key
// "clientid" in providers[0]; did you mean client_id?".
type Error struct {
	// File is the path of the file, as given to Load (cleaned).
	File string
	// Problems are the problems found, at least one, in file order.
	Problems []Problem
	// Err is the underlying error when the file could not be read (it
	// wraps fs.ErrNotExist for a missing file), else nil.
	Err error
}

// Error renders every problem, one per line.
func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("authkit: cannot load ")
		b.WriteString(e.File)
		b.WriteString(": ")
		if loc := p.Location(); loc != "" {
			b.WriteString(loc)
			b.WriteString(": ")
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

// Unwrap returns the underlying read error, if any.
func (e *Error) Unwrap() error { return e.Err }

// maxProblems is how many problems an Error lists; the rest are counted.
const maxProblems = 50

// problems collects Problems while a file is decoded and resolved.
type problems struct {
	list   []Problem
	paths  map[string]bool
	failed bool // any problem at all, listed or not
	more   int  // problems past maxProblems
}

// add records a problem, unless one is already recorded at path: a value
// that could not be decoded is not reported again by the checks after.
func (ps *problems) add(at pos, path, msg string) {
	if path != "" && ps.has(path) {
		return
	}
	if ps.paths == nil {
		ps.paths = map[string]bool{}
	}
	ps.paths[path] = true
	ps.failed = true
	if ps.full() {
		ps.more++
		return
	}
	ps.list = append(ps.list, Problem{Line: at.line, Column: at.col, Path: path, Message: msg})
}

func (ps *problems) has(path string) bool { return ps.paths[path] }

// full reports whether further problems are only counted, not listed.
func (ps *problems) full() bool { return len(ps.list) >= maxProblems }

// sorted returns the problems in file order, with a last one counting
// those left out.
func (ps *problems) sorted() []Problem {
	out := append([]Problem(nil), ps.list...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Column < out[j].Column
	})
	if ps.more > 0 {
		out = append(out, Problem{Message: "and " + strconv.Itoa(ps.more) + " more problems; fix these first"})
	}
	return out
}

// quote quotes s for a message, cut to n runes and with control
// characters escaped, so that a hostile file cannot forge output lines.
func quote(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return strconv.Quote(string(r[:n])) + "…"
	}
	return strconv.Quote(s)
}

// joinOr is "a, b or c".
func joinOr(ss []string) string {
	switch len(ss) {
	case 0:
		return ""
	case 1:
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " or " + ss[len(ss)-1]
}
