package users

import (
	"testing"

	"github.com/authkit-dev/authkit/pkg/store"
)

func TestValidateEmail(t *testing.T) {
	for _, tc := range []struct {
		email string
		ok    bool
	}{
		{"ada@example.com", true},
		{"Ada.Lovelace+tag@sub.example.co.uk", true},
		{"üser@exämple.de", true},
		{"ada@localhost", true},
		{"", false},
		{"ada", false},
		{"@example.com", false},
		{"ada@", false},
		{"@", false},
		{"a@b@c", false},
		{"ada @example.com", false},
		{" ada@example.com", false},
		{"ada@example.com\n", false},
		{"ada\t@example.com", false},
		{"ada\x1b[2J@example.com", false},
		{"ada\u202e@example.com", false},
		{"ada\u200b@example.com", false},
		{"ada\x00@example.com", false},
		{"ada\xff@example.com", false},
		{"x' OR '1'='1", false},
	} {
		err := ValidateEmail(tc.email)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateEmail(%q) = %v, want ok %v", tc.email, err, tc.ok)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"0190a5c2-7d1e-7c4b-9f3e-2b1d4c5e6f70": "0190a5c2-7d1e-7c4b-9f3e-2b1d4c5e6f70",
		"ada@example.com":                      "ada@example.com",
		"42":                                   "42",
		"it's":                                 `'it'\''s'`,
		"a b":                                  "'a b'",
		"$(rm -rf /)":                          "'$(rm -rf /)'",
		"":                                     "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
	if got := mergeCommand("t", []string{"a", "b c"}); got != "authkit users merge t a 'b c'" {
		t.Errorf("mergeCommand = %s", got)
	}
}

func TestProviders(t *testing.T) {
	accounts := []store.Account{{Provider: "github"}, {Provider: "github"}, {Provider: "google"}}
	if got := providers(accounts); got != "github (2), google" {
		t.Errorf("providers = %q", got)
	}
	if got := providers(nil); got != "" {
		t.Errorf("providers(nil) = %q", got)
	}
}
