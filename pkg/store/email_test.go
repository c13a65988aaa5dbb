package store

import (
	"errors"
	"fmt"
	"testing"
	"unicode/utf8"
)

func TestNormalizeEmail(t *testing.T) {
	cases := map[string]string{
		"ada@example.com":       "ada@example.com",
		"Ada@Example.COM":       "ada@example.com",
		"  ada@example.com\t\n": "ada@example.com",
		"ａｄａ@ｅｘａｍｐｌｅ.ｃｏｍ":       "ada@example.com", // fullwidth
		"ＡＤＡ@example.com":       "ada@example.com",
		"\u3000ada@example.com": "ada@example.com", // ideographic space
		"\u2003ada@x.com\u2003": "ada@x.com",
		"ada\u00a0@example.com": "ada @example.com", // NBSP inside stays a space
		"ﬁle@example.com":       "file@example.com", // ligature
		"Ⓐda@example.com":       "ada@example.com",
		"\U0001d400da@x.com":    "ada@x.com", // mathematical bold A
		"\u1d2cda@x.com":        "ada@x.com", // modifier capital A: NFKC makes it upper case
		"e\u0301@example.com":   "\u00e9@example.com",
		"\u212bngstrom@x.com":   "\u00e5ngstrom@x.com", // Angstrom sign
		"ΣΑΣ@example.com":       "σασ@example.com",
		"İstanbul@x.com":        "istanbul@x.com",
		"\u203eada@example.com": "\u0305ada@example.com", // overline: NFKC exposes a space
		"ada+tag@example.com":   "ada+tag@example.com",
		"ada @ example.com":     "ada @ example.com",
		"ada@EXAMPLE.com\u200b": "ada@example.com\u200b", // zero width space is not white space
		"invalid\xffutf8@x.com": "invalid\ufffdutf8@x.com",
		"":                      "",
		"   ":                   "",
	}
	for in, want := range cases {
		got := NormalizeEmail(in)
		if got != want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", in, got, want)
		}
		if again := NormalizeEmail(got); again != got {
			t.Errorf("NormalizeEmail is not idempotent on %q: %q then %q", in, got, again)
		}
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, seed := range []string{"ada@example.com", " ADA@Example.com ", "ａｄａ@x", "\u203ex", "İ", "\u0345", "ﬁ", "\xff", "", "\u3000"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, email string) {
		n := NormalizeEmail(email)
		if again := NormalizeEmail(n); again != n {
			t.Fatalf("not idempotent: %q → %q → %q", email, n, again)
		}
		if !utf8.ValidString(n) {
			t.Fatalf("NormalizeEmail(%q) = %q is not valid UTF-8", email, n)
		}
		if len(n) > 0 && (n[0] == ' ' || n[len(n)-1] == ' ') {
			t.Fatalf("NormalizeEmail(%q) = %q keeps outer spaces", email, n)
		}
	})
}

func TestErrorTypes(t *testing.T) {
	ce := &ConflictError{What: "account github/1", OwnerID: "u1"}
	if !errors.Is(ce, ErrConflict) || !errors.Is(fmt.Errorf("wrapped: %w", ce), ErrConflict) || errors.Is(ce, ErrNotFound) {
		t.Error("ConflictError does not match ErrConflict alone")
	}
	if ce.Error() != "account github/1 is already linked to user u1" {
		t.Errorf("ConflictError = %q", ce.Error())
	}
	if (&ConflictError{What: "x"}).Error() != "x already exists" {
		t.Error("ConflictError without owner")
	}
	nf := &NotFoundError{What: `user "ada"`}
	if !errors.Is(nf, ErrNotFound) || errors.Is(nf, ErrConflict) || nf.Error() != `user "ada" not found` {
		t.Errorf("NotFoundError = %q", nf.Error())
	}
}
