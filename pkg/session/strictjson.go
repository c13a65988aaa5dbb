package session

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/google/uuid"
)

const maxJSONDepth = 64

// checkJSON accepts exactly one JSON object of valid UTF-8, with no
// duplicate member names in any object, nesting at most maxJSONDepth deep,
// and numbers that fit a float64. encoding/json accepts the first two
// silently (it replaces bad bytes and keeps the last duplicate), which is
// how parsers come to disagree about what a token says.
func checkJSON(b []byte) error {
	_, err := parseJSONObject(b)
	return err
}

// parseJSONObject applies the rules of checkJSON and returns the object,
// with numbers as json.Number, in the same pass.
func parseJSONObject(b []byte) (map[string]any, error) {
	if !utf8.Valid(b) {
		return nil, errors.New("the payload is not valid UTF-8")
	}
	s := jsonScanner{b: b}
	s.space()
	if s.i >= len(b) || b[s.i] != '{' {
		return nil, errors.New("the payload is not a JSON object")
	}
	v, err := s.value(0)
	if err != nil {
		return nil, err
	}
	s.space()
	if s.i != len(b) {
		return nil, errors.New("the payload has data after the JSON object")
	}
	return v.(map[string]any), nil
}

type jsonScanner struct {
	b []byte
	i int
}

var errBadJSON = errors.New("the payload is not valid JSON")

func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) value(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("the payload nests too deeply")
	}
	s.space()
	if s.i >= len(s.b) {
		return nil, errBadJSON
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(depth)
	case c == '[':
		return s.array(depth)
	case c == '"':
		return s.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	default:
		for _, lit := range []struct {
			text  string
			value any
		}{{"true", true}, {"false", false}, {"null", nil}} {
			if len(s.b)-s.i >= len(lit.text) && string(s.b[s.i:s.i+len(lit.text)]) == lit.text {
				s.i += len(lit.text)
				return lit.value, nil
			}
		}
		return nil, errBadJSON
	}
}

func (s *jsonScanner) object(depth int) (any, error) {
	s.i++
	obj := make(map[string]any, 8)
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return obj, nil
	}
	for {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return nil, errBadJSON
		}
		name, err := s.str()
		if err != nil {
			return nil, err
		}
		if _, dup := obj[name]; dup {
			return nil, errors.New("the payload repeats the member " + strconv.Quote(name))
		}
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return nil, errBadJSON
		}
		s.i++
		v, err := s.value(depth + 1)
		if err != nil {
			return nil, err
		}
		obj[name] = v
		s.space()
		if s.i >= len(s.b) {
			return nil, errBadJSON
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return obj, nil
		default:
			return nil, errBadJSON
		}
	}
}

func (s *jsonScanner) array(depth int) (any, error) {
	s.i++
	arr := []any{}
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return arr, nil
	}
	for {
		v, err := s.value(depth + 1)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
		s.space()
		if s.i >= len(s.b) {
			return nil, errBadJSON
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return arr, nil
		default:
			return nil, errBadJSON
		}
	}
}

// str scans a string and returns it decoded, so that "a" and "\u0061"
// count as the same member name.
func (s *jsonScanner) str() (string, error) {
	start := s.i
	s.i++
	escaped := false
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			raw := s.b[start:s.i]
			if !escaped {
				return string(raw[1 : len(raw)-1]), nil
			}
			return unquoteJSON(raw)
		case c == '\\':
			escaped = true
			if s.i+1 >= len(s.b) {
				return "", errBadJSON
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return "", errBadJSON
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !isHex(h) {
						return "", errBadJSON
					}
				}
				s.i += 6
			default:
				return "", errBadJSON
			}
		case c < 0x20:
			return "", errBadJSON
		default:
			s.i++
		}
	}
	return "", errBadJSON
}

func (s *jsonScanner) number() (any, error) {
	start := s.i
	if s.b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	intStart := s.i
	if digits() == 0 || (s.b[intStart] == '0' && s.i-intStart > 1) {
		return nil, errBadJSON
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return nil, errBadJSON
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return nil, errBadJSON
		}
	}
	text := string(s.b[start:s.i])
	if f, err := strconv.ParseFloat(text, 64); err != nil || math.IsInf(f, 0) {
		return nil, errors.New("the payload has a number out of range")
	}
	return json.Number(text), nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unquoteJSON(raw []byte) (string, error) {
	var out string
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", errBadJSON
	}
	return out, nil
}

func newUUID() string { return uuid.NewString() }
