package session

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"
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
	// Milliseconds are refused as such.
	for in, want := range map[string]string{
		"1796038024000":     `--at "1796038024000" looks like milliseconds; --at takes Unix seconds (1796038024) or an RFC 3339 time`,
		"1000000000000":     "(1000000000) or an RFC 3339 time",
		"1796038024000.5":   "(1796038024) or",
		"9999999999999.999": "looks like milliseconds",
	} {
		if _, err := parseAt(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseAt(%q) = %v; want %q", in, err, want)
		}
	}
	if got, err := parseAt("999999999999"); err != nil || got.Unix() != 999999999999 {
		t.Errorf("parseAt(999999999999) = %v, %v", got, err)
	}
}

func TestTerminalLineLimit(t *testing.T) {
	for goos, want := range map[string]int{"linux": 4095, "android": 4095, "darwin": 1023, "freebsd": 1023, "windows": 0} {
		if got := terminalLineLimit(goos); got != want {
			t.Errorf("terminalLineLimit(%q) = %d, want %d", goos, got, want)
		}
	}
}

// TestVerifiableAlgs: verifiableAlgs is exactly the set of algs
// pkg/session makes keys for, among the JOSE signature algs.
func TestVerifiableAlgs(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	materials := []any{[]byte(strings.Repeat("authkit-test-only-hmac-", 4)), rsaKey, ecKey, edKey}
	for _, alg := range []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
		"ES256", "ES384", "ES512", "ES256K", "EdDSA", "Ed25519", "none", "None", "NONE"} {
		accepted := false
		for _, m := range materials {
			if _, err := authsession.NewKey("", alg, m); err == nil {
				accepted = true
			}
		}
		if accepted != verifiable(alg) {
			t.Errorf("alg %s: pkg/session accepts it: %v; verifiable: %v", alg, accepted, verifiable(alg))
		}
		if !verifiable(alg) {
			token := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"`+alg+`"}`)) + ".e30.c2ln"
			if err := refused(token); !errors.Is(err, authsession.ErrUnsupported) {
				t.Errorf("alg %s: refused = %v, want ErrUnsupported", alg, err)
			}
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
