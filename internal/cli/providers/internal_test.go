package providers

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/config"
	catalogue "github.com/authkit-dev/authkit/pkg/providers"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestResolveBase(t *testing.T) {
	withBase := &config.Config{Path: "authkit.yaml", BaseURL: "https://app.example.com/portal", Serve: config.Serve{BasePath: "/auth"}}
	noBase := &config.Config{Path: "authkit.yaml", Serve: config.Serve{BasePath: "/api/auth"}}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		cfg      *config.Config
		url, src string
	}{
		{"default", nil, nil, "http://localhost:3000/api/auth", "the default"},
		{"AUTH_URL without path", map[string]string{"AUTH_URL": "https://app.example.com/"}, nil, "https://app.example.com/api/auth", "AUTH_URL"},
		{"AUTH_URL with path", map[string]string{"AUTH_URL": "https://app.example.com/custom/auth"}, nil, "https://app.example.com/custom/auth", "AUTH_URL"},
		{"NEXTAUTH_URL", map[string]string{"NEXTAUTH_URL": "http://localhost:4000"}, nil, "http://localhost:4000/api/auth", "NEXTAUTH_URL"},
		{"AUTH_URL first", map[string]string{"AUTH_URL": "http://a.test", "NEXTAUTH_URL": "http://b.test"}, nil, "http://a.test/api/auth", "AUTH_URL"},
		{"bad AUTH_URL skipped", map[string]string{"AUTH_URL": "not a url"}, nil, "http://localhost:3000/api/auth", "the default"},
		{"base_url wins", map[string]string{"AUTH_URL": "http://a.test"}, withBase, "https://app.example.com/portal/auth", "base_url"},
		{"config without base_url", nil, noBase, "http://localhost:3000/api/auth", "the default"},
		{"config base path under AUTH_URL", map[string]string{"AUTH_URL": "https://x.test"}, &config.Config{Serve: config.Serve{BasePath: "/auth"}}, "https://x.test/auth", "AUTH_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := resolveBase(env(tc.env), tc.cfg)
			if b.URL() != tc.url || !strings.HasPrefix(b.Source, tc.src) {
				t.Errorf("got %q from %q, want %q from %q", b.URL(), b.Source, tc.url, tc.src)
			}
		})
	}
}

func TestChecks(t *testing.T) {
	for id, want := range map[string][]string{
		"github": {"pkce", "state"},
		"google": {"pkce", "state", "nonce"},
		"apple":  {"pkce", "state", "nonce"},
		"oauth2": {"pkce", "state"},
	} {
		e, err := catalogueEntry(env(nil), id)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Checks(); !slices.Equal(got, want) {
			t.Errorf("%s: checks %v, want %v", id, got, want)
		}
	}
}

func TestFindEntryUnknown(t *testing.T) {
	_, err := findEntry(env(nil), nil, "gihub", "show provider")
	if cmdutil.ExitCode(err) != cmdutil.ExitNotFound || !errors.Is(err, catalogue.ErrUnknownProvider) {
		t.Fatalf("err %v, exit %d", err, cmdutil.ExitCode(err))
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "authkit: cannot show provider: unknown provider\n  did you mean github? use one of apple,") {
		t.Errorf("message %q", msg)
	}
}
