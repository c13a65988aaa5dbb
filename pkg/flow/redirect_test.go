package flow_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/pkg/flow"
)

func TestSafeRedirect(t *testing.T) {
	const base = "https://app.example.com/api/auth"
	for _, evil := range []string{
		"https://evil.com", "//evil.com", "/\\evil.com", "\\\\evil.com", "/%2F%2Fevil.com", "https:evil.com",
		"https://app.example.com.evil.com", "https://app.example.com@evil.com", "https://evil.com#@app.example.com",
		"javascript:alert(1)", "data:text/html,x", "http://app.example.com", "\t//evil.com", "/%09/evil.com", "/%5Cevil.com",
		"http://[::1", "%zz", strings.Repeat("/a", 5000), "/x\x00y", "/\xff", "/%0d%0aSet-Cookie:%20x=y", "/a\r\nLocation: x",
		"https://app.example.com:8443/x", "HTTPS://EVIL.COM", "https://app.example.comevil.com/x", " /dashboard", "",
	} {
		if got := flow.SafeRedirect(evil, base); got != base {
			t.Errorf("%q → %q; want the base URL", evil, got)
		}
	}
	for target, want := range map[string]string{
		"/dashboard?x=1#h":                "https://app.example.com/dashboard?x=1#h",
		"/a%20b":                          "https://app.example.com/a%20b",
		"https://app.example.com/x":       "https://app.example.com/x",
		"https://APP.example.com/x?y=1#z": "https://APP.example.com/x?y=1#z",
		"https://app.example.com":         "https://app.example.com",
		"https://app.example.com?next=/x": "https://app.example.com?next=/x",
	} {
		if got := flow.SafeRedirect(target, base); got != want {
			t.Errorf("%q → %q; want %q", target, got, want)
		}
	}
}

func FuzzSafeRedirect(f *testing.F) {
	for _, s := range []string{"/x", "//evil.com", "https://app.example.com/y", "/%2F%2Fe", "\\e"} {
		f.Add(s)
	}
	const base = "https://app.example.com/api/auth"
	f.Fuzz(func(t *testing.T, target string) {
		got := flow.SafeRedirect(target, base)
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "https" || !strings.EqualFold(u.Host, "app.example.com") || u.User != nil {
			t.Fatalf("%q → %q leaves the origin", target, got)
		}
		if strings.ContainsAny(got, "\r\n\x00\\") {
			t.Fatalf("%q → %q carries control characters", target, got)
		}
	})
}
