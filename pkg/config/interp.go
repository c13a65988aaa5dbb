package config

import (
	"regexp"
	"strconv"
	"strings"
)

// interpError is a failed ${...} expansion; msg is ready for a Problem
// (the caller adds the key path).
type interpError struct {
	msg string
	// unset is the variable that is empty or unset, without a default;
	// "" for a malformed reference.
	unset string
}

func (e *interpError) Error() string { return e.msg }

// envName is a variable name as POSIX shells accept it.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// interpolate expands ${NAME} and ${NAME:-default} in s with getenv. A
// variable that is empty or unset, without a default, is an error naming
// it. "$${" writes a literal "${"; any other '$' is kept as it is. The
// default is literal text up to the first '}' (no nesting). used reports
// whether any variable was read.
func interpolate(s string, getenv func(string) string) (out string, used bool, err error) {
	if !strings.Contains(s, "${") {
		return s, false, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			i++
			continue
		}
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(c)
			i++
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return "", used, &interpError{msg: "the ${ at offset " + strconv.Itoa(i) + " is not closed; close it with }, or write $${ for a literal ${"}
		}
		expr := s[i+2 : i+2+end]
		i += 2 + end + 1
		name, def, hasDef := strings.Cut(expr, ":-")
		if !envName.MatchString(name) {
			return "", used, &interpError{msg: "${" + trimQuote(expr) + "} is not a variable reference; write ${NAME} or ${NAME:-default} (letters, digits and _), or $${ for a literal ${"}
		}
		used = true
		v := getenv(name)
		if v == "" {
			if !hasDef {
				return "", used, &interpError{msg: "${" + name + "} is not set; set " + name + ", or give a default: ${" + name + ":-value}", unset: name}
			}
			v = def
		}
		b.WriteString(v)
	}
	return b.String(), used, nil
}

// trimQuote cuts user text for a message without quoting it.
func trimQuote(s string) string {
	q := quote(s, 40)
	return q[1 : len(q)-1]
}

// secretRef is a parsed secret reference.
type secretRef struct {
	env  string // NAME of ${NAME}
	file string // PATH of file:PATH, not yet interpolated
}

// refPattern is a whole-value ${NAME}.
var refPattern = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// parseSecretRef reads "${NAME}" or "file:PATH". ok is false for anything
// else, which is a literal secret (or a ${NAME:-default}, whose default
// would be one).
func parseSecretRef(s string) (ref secretRef, ok bool) {
	if m := refPattern.FindStringSubmatch(s); m != nil {
		return secretRef{env: m[1]}, true
	}
	if p, found := strings.CutPrefix(s, "file:"); found && strings.TrimSpace(p) != "" {
		return secretRef{file: strings.TrimSpace(p)}, true
	}
	return secretRef{}, false
}
