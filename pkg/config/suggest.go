package config

import (
	"github.com/authkit-dev/authkit/pkg/internal/textdist"
	"reflect"
	"strings"
	"sync"
)

// unknownKey is the message for a key that fields do not have: a close
// key of the same section when there is one, else a key of the same name
// in another section, else the keys the section takes.
func unknownKey(key, path string, fields []field) string {
	msg := "unknown key " + quote(key, 60) + " " + in(path)
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	if s := closest(key, names); s != "" {
		return msg + "; did you mean " + s + "?"
	}
	if elsewhere := schemaPath(key, sectionOf(path)); elsewhere != "" {
		return msg + "; did you mean " + elsewhere + "?"
	}
	return msg + "; use one of " + joinOr(names)
}

// sectionOf turns a key path into its schema form: providers[2] becomes
// providers[].
func sectionOf(path string) string {
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		if path[i] == '[' {
			j := strings.IndexByte(path[i:], ']')
			if j > 0 {
				b.WriteString("[]")
				i += j
				continue
			}
		}
		b.WriteByte(path[i])
	}
	return b.String()
}

// schemaKeys lists every key path of File in schema form
// ("session.strategy", "providers[].client_id"). It is built on first use.
var schemaKeys = sync.OnceValue(func() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for _, f := range fieldsOf(t) {
			p := joinPath(prefix, f.name)
			out = append(out, p)
			ft := t.Field(f.index).Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch {
			case ft.Kind() == reflect.Struct:
				walk(ft, p)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				walk(ft.Elem(), p+"[]")
			}
		}
	}
	walk(reflect.TypeOf(File{}), "")
	return out
})

// schemaPath finds key as a key of another section than section, for
// "did you mean session.strategy?". A providers entry is named so.
func schemaPath(key, section string) string {
	nk := normKey(key)
	for _, p := range schemaKeys() {
		i := strings.LastIndexByte(p, '.')
		parent, name := "", p
		if i >= 0 {
			parent, name = p[:i], p[i+1:]
		}
		if parent == section || normKey(name) != nk {
			continue
		}
		if parent == "providers[]" {
			return name + " in a providers entry"
		}
		return p
	}
	return ""
}

// normKey folds case, '-' and '_' so that clientId, client-id and
// ClientID all meet client_id.
func normKey(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c == '-':
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// closest returns the candidate that key most likely misspells: equal once
// case, '-' and '_' are folded, else within an edit distance of 2 (1 for
// short keys); "" when none is.
func closest(key string, candidates []string) string {
	nk := normKey(key)
	for _, c := range candidates {
		if normKey(c) == nk {
			return c
		}
	}
	limit := 2
	if len(nk) <= 4 {
		limit = 1
	}
	best, bestD := "", limit+1
	for _, c := range candidates {
		if d := textdist.Distance(nk, normKey(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
