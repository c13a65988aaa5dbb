package session

import (
	"errors"
	"testing"
	"time"

	authsession "github.com/authkit-dev/authkit/pkg/session"
)

func TestParseAt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2026-07-22T12:00:00Z", time.Date(2026, 7, 22, 12, 0, 0, 0, time.UTC)},
		{"2026-07-22T14:00:00+02:00", time.Date(2026, 7, 22, 12, 0, 0, 0, time.UTC)},
		{"2026-07-22T12:00:00.5Z", time.Date(2026, 7, 22, 12, 0, 0, 5e8, time.UTC)},
		{"1767225600", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"0", time.Unix(0, 0)},
		{"1767225600.25", time.Date(2026, 1, 1, 0, 0, 0, 25e7, time.UTC)},
	} {
		got, err := parseAt(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseAt(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "now", "-1", "1e9", "0x10", "inf", "2026-07-22", "99999999999999", "1.", " 1"} {
		if _, err := parseAt(bad); err == nil {
			t.Errorf("parseAt(%q) accepted", bad)
		}
	}
}

func TestParseMaxAge(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"30d", 30 * 24 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"12h", 12 * time.Hour},
		{"90m", 90 * time.Minute},
		{"1s", time.Second},
		{"0d1s", time.Second},
	} {
		got, err := parseMaxAge(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseMaxAge(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "d", "30", "-1h", "1d-1h", "0s", "500ms", "1w", "d1", "1d+1h", "999999d"} {
		if _, err := parseMaxAge(bad); err == nil {
			t.Errorf("parseMaxAge(%q) accepted", bad)
		}
	}
}

// TestRank: the failure reported is the most telling one.
func TestRank(t *testing.T) {
	order := []error{authsession.ErrMalformed, authsession.ErrUnsupported, authsession.ErrTooLarge,
		authsession.ErrNoMatchingSecret, authsession.ErrTampered, authsession.ErrInvalidClaims}
	for i := 1; i < len(order); i++ {
		a := &authsession.TokenError{Reason: order[i-1]}
		b := &authsession.TokenError{Reason: order[i]}
		if rank(a) >= rank(b) {
			t.Errorf("%v ranks above %v", order[i-1], order[i])
		}
	}
	if rank(errors.New("other")) != 0 {
		t.Error("an unknown error ranks")
	}
}

func TestShape(t *testing.T) {
	for in, want := range map[string][2]bool{"a..b.c.d": {true, false}, "a.b.c": {false, true}, "abc": {}, "a.b": {}, "a.b.c.d.e.f": {}} {
		if jwe, jws := shape(in); [2]bool{jwe, jws} != want {
			t.Errorf("shape(%q) = %v %v", in, jwe, jws)
		}
	}
}
