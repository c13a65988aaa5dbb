package textdist

import (
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"github", "github", 0}, {"gihub", "github", 1}, {"clientid", "client_id", 1},
		{"kitten", "sitting", 3}, {"", "abc", 3}, {strings.Repeat("a", 65), "a", 99},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
