// Package dotenv reads and edits the assignments of a dotenv file
// (.env, .env.local) line by line, leaving every other line, comment and
// byte where it was.
//
// It understands what the common loaders (Node's dotenv, Next.js) agree
// on for one-line values: `KEY=value`, with optional white space, an
// optional `export ` prefix, and a value that is bare (a ` #` starts a
// comment), "double quoted" (with \n, \" and \\ escapes) or 'single
// quoted' (literal). A quote left open on its line starts a multi-line
// value, which Set refuses to rewrite and Lookup does not read.
package dotenv

import (
	"errors"
	"strings"
)

// assignment is one `KEY=value` line, split into its parts.
type assignment struct {
	prefix string // leading white space and "export "
	key    string
	value  string // the raw text after '=', line ending excluded
}

// parseLine splits line (without its line ending) as an assignment.
func parseLine(line string) (assignment, bool) {
	rest := strings.TrimLeft(line, " \t")
	if after, ok := strings.CutPrefix(rest, "export"); ok && after != "" && (after[0] == ' ' || after[0] == '\t') {
		rest = strings.TrimLeft(after, " \t")
	}
	prefix := line[:len(line)-len(rest)]
	n := 0
	for n < len(rest) && isKeyByte(rest[n], n == 0) {
		n++
	}
	if n == 0 {
		return assignment{}, false
	}
	key := rest[:n]
	after := strings.TrimLeft(rest[n:], " \t")
	value, ok := strings.CutPrefix(after, "=")
	if !ok {
		return assignment{}, false
	}
	return assignment{prefix: prefix, key: key, value: value}, true
}

func isKeyByte(c byte, first bool) bool {
	switch {
	case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return true
	case c == '.' || c == '-':
		return !first
	}
	return !first && c >= '0' && c <= '9'
}

// ErrMultiline is the error of Lookup and Set for a value that opens a
// quote its line does not close.
var ErrMultiline = errors.New("its value spans several lines (a quote is left open)")

// unquote returns the value that raw (the text after '=') stands for.
func unquote(raw string) (string, error) {
	v, _, err := splitValue(raw)
	return v.value, err
}

// value is the value part of an assignment, as written.
type value struct {
	lead  string // white space between '=' and the value
	quote byte   // '"', '\'', '`', or 0 for a bare value
	text  string // the value as written, quotes excluded
	value string // what it stands for (escapes of "..." resolved)
}

// splitValue splits raw (the text after '=', line ending excluded) into
// the value and the rest of the line after it: white space and a comment,
// or whatever follows a closing quote.
func splitValue(raw string) (value, string, error) {
	v := strings.TrimLeft(raw, " \t")
	out := value{lead: raw[:len(raw)-len(v)]}
	cr := ""
	if strings.HasSuffix(v, "\r") {
		v, cr = v[:len(v)-1], "\r"
	}
	if v == "" {
		return out, cr, nil
	}
	switch q := v[0]; q {
	case '\'', '`':
		end := strings.IndexByte(v[1:], q)
		if end < 0 {
			return value{}, "", ErrMultiline
		}
		out.quote, out.text, out.value = q, v[1:1+end], v[1:1+end]
		return out, v[2+end:] + cr, nil
	case '"':
		var b strings.Builder
		for i := 1; i < len(v); i++ {
			switch c := v[i]; {
			case c == '"':
				out.quote, out.text, out.value = '"', v[1:i], b.String()
				return out, v[i+1:] + cr, nil
			case c == '\\' && i+1 < len(v):
				i++
				switch v[i] {
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(v[i])
				}
			default:
				b.WriteByte(c)
			}
		}
		return value{}, "", ErrMultiline
	}
	end := len(v)
	if out.lead != "" && v[0] == '#' {
		end = 0 // "KEY= # comment": white space and '#' start a comment
	}
	if i := strings.Index(v, " #"); i >= 0 {
		end = i
	}
	if i := strings.Index(v[:end], "\t#"); i >= 0 {
		end = i
	}
	text := strings.TrimRight(v[:end], " \t")
	out.text, out.value = text, text
	return out, v[len(text):] + cr, nil
}

// write returns value written in the style of old: the same quotes, or
// bare when old was bare and the value needs none. A value a style cannot
// hold, or an empty old value, is written "double quoted".
func (old value) write(v string) string {
	switch {
	case old.quote == '\'' && !strings.Contains(v, "'"), old.quote == '`' && !strings.Contains(v, "`"):
		return string(old.quote) + v + string(old.quote)
	case old.quote == 0 && old.text != "" && v != "" && !strings.ContainsAny(v, " \t#'`\""):
		return v
	}
	return `"` + v + `"`
}

// Lookup returns the value of key in data, and whether one of its lines
// assigns it. When several lines do, the last one wins, as in Node's
// dotenv. A value that spans lines is an error.
func Lookup(data []byte, key string) (string, bool, error) {
	var value string
	found := false
	for line := range strings.Lines(string(data)) {
		a, ok := parseLine(strings.TrimSuffix(line, "\n"))
		if !ok || a.key != key {
			continue
		}
		v, err := unquote(a.value)
		if err != nil {
			return "", true, err
		}
		value, found = v, true
	}
	return value, found, nil
}

// Assigns reports whether a line of data assigns one of keys.
func Assigns(data []byte, keys ...string) bool {
	for line := range strings.Lines(string(data)) {
		if a, ok := parseLine(strings.TrimSuffix(line, "\n")); ok {
			for _, k := range keys {
				if a.key == k {
					return true
				}
			}
		}
	}
	return false
}

// Set returns data with key set to value (which must need no escaping: no
// double quote, backslash or line break). Every line that assigns key is
// rewritten in place: only its value changes, written in the same style
// ('single', `back` or "double" quotes, or bare when it was bare and the
// new value needs no quotes), and its indentation, `export `, spacing and
// trailing comment are kept. When no line assigns key, `KEY="value"` is
// added at the end. Every other byte is kept, line endings included (an
// added line ends as the file's first line does). It returns how many
// lines it replaced.
func Set(data []byte, key, value string) ([]byte, int, error) {
	if strings.ContainsAny(value, "\"\\\r\n") {
		return nil, 0, errors.New("the value needs escaping")
	}
	var out strings.Builder
	out.Grow(len(data) + len(key) + len(value) + 4)
	replaced := 0
	eol := "\n"
	first := true
	for line := range strings.Lines(string(data)) {
		body := strings.TrimSuffix(line, "\n")
		ending := line[len(body):]
		if strings.HasSuffix(body, "\r") {
			body, ending = body[:len(body)-1], "\r"+ending
		}
		if first && ending != "" {
			eol, first = ending, false
		}
		a, ok := parseLine(body)
		if !ok || a.key != key {
			out.WriteString(line)
			continue
		}
		old, rest, err := splitValue(a.value)
		if err != nil {
			return nil, 0, err
		}
		if old.quote == 0 && old.text == "" && strings.HasPrefix(rest, "#") {
			rest = " " + rest // "KEY= # comment": the comment keeps its space
		}
		out.WriteString(body[:len(body)-len(a.value)] + old.lead + old.write(value) + rest + ending)
		replaced++
	}
	if replaced == 0 {
		if s := out.String(); s != "" && !strings.HasSuffix(s, "\n") {
			out.WriteString(eol)
		}
		out.WriteString(key + `="` + value + `"` + eol)
	}
	return []byte(out.String()), replaced, nil
}
