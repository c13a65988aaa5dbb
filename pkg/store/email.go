package store

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// NormalizeEmail returns the key under which two emails count as the same
// address: trimmed, NFKC-normalised and lower-cased. It is how the authkit
// schema stores emails and how FindDuplicates groups them.
func NormalizeEmail(email string) string {
	return strings.ToLower(norm.NFKC.String(strings.TrimSpace(email)))
}
