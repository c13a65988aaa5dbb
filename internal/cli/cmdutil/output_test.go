package cmdutil

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ada", "ada"},
		{"Zoë ☃", "Zoë ☃"},
		{"\x1b[2Jboom", `\x1b[2Jboom`},
		{"a\r\nb", `a\r\nb`},
		{"evil\u202egnp.exe", `evil\u202egnp.exe`},
		{"bad\xffbyte", `bad\xffbyte`},
		{"keep \uFFFD", "keep \uFFFD"},
		{"tab\there", `tab\there`},
	}
	for _, tt := range tests {
		if got := Safe(tt.in); got != tt.want {
			t.Errorf("Safe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSafe(f *testing.F) {
	for _, s := range []string{"", "ada", "\x1b[31m", "\u202e", "\xff\xfe", "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Safe(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Safe(%q) = %q is not valid UTF-8", s, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				t.Fatalf("Safe(%q) = %q keeps control character %U", s, out, r)
			}
		}
		if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
			return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\\' || r == '\u2028' || r == '\u2029'
		}) && out != s {
			t.Fatalf("Safe(%q) = %q changed a harmless string", s, out)
		}
	})
}
