package store

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// NormalizeEmail returns the key under which two emails count as the same
// address: trimmed, NFKC-normalised and lower-cased. It is how the authkit
// schema stores emails and how FindDuplicates groups them.
//
// The steps are repeated until nothing changes, so that the result is its
// own normal form (NormalizeEmail(NormalizeEmail(x)) == NormalizeEmail(x)):
// NFKC can expose spaces to trim (U+203E becomes a space and a combining
// mark) and lower-casing can undo NFKC.
func NormalizeEmail(email string) string {
	s := email
	for range 8 {
		n := strings.TrimSpace(strings.ToLower(norm.NFKC.String(s)))
		if n == s {
			break
		}
		s = n
	}
	return s
}
