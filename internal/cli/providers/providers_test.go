package providers_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/internal/cli/clitest"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
)

// failingWriter is a stdout that takes nothing (a full disk).
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) {
	return 0, errors.New("write /dev/stdout: no space left on device")
}

// TestOutputFailureExits1: a stdout that cannot be written is `cannot
// write output`, exit 1, for every form of output.
func TestOutputFailureExits1(t *testing.T) {
	for _, args := range [][]string{
		{"providers", "list"},
		{"providers", "list", "--json"},
		{"providers", "show", "github"},
		{"providers", "show", "google", "--json"},
	} {
		r := clitest.Run(clitest.Options{Out: failingWriter{}}, args...)
		if r.Code != cmdutil.ExitError || !strings.HasPrefix(r.Stderr, "authkit: cannot write output: ") {
			t.Errorf("%q: exit %d, stderr %q", args, r.Code, r.Stderr)
		}
	}
}

// TestSecretsNeverPrinted: no form of output holds a credential's value,
// from the environment or from authkit.yaml.
func TestSecretsNeverPrinted(t *testing.T) {
	dir := t.TempDir()
	yaml := filepath.Join(dir, "authkit.yaml")
	if err := os.WriteFile(yaml, []byte("providers:\n  - id: corp\n    type: oidc\n    issuer: https://sso.example.com\n    client_id: corp-client-value\n    client_secret: ${CORP_SECRET}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := map[string]string{
		"AUTHKIT_CONFIG":     yaml,
		"CORP_SECRET":        "corp-secret-value",
		"AUTH_GITHUB_ID":     "gh-id-value",
		"AUTH_GITHUB_SECRET": "gh-secret-value",
		"AUTH_CORP_SECRET":   "corp-env-secret-value",
	}
	for _, args := range [][]string{
		{"providers", "list"},
		{"providers", "list", "--json"},
		{"providers", "show", "github"},
		{"providers", "show", "github", "--json"},
		{"providers", "show", "corp"},
		{"providers", "show", "corp", "--json"},
	} {
		r := clitest.Run(clitest.Options{Env: e}, args...)
		if r.Code != 0 {
			t.Fatalf("%q: exit %d: %s", args, r.Code, r.Stderr)
		}
		for _, v := range []string{"corp-client-value", "corp-secret-value", "gh-id-value", "gh-secret-value", "corp-env-secret-value"} {
			if strings.Contains(r.Stdout, v) || strings.Contains(r.Stderr, v) {
				t.Errorf("%q: output holds %q:\n%s", args, v, r.Stdout)
			}
		}
	}
}

// TestHostileID: an id that a terminal would interpret is never echoed raw.
func TestHostileID(t *testing.T) {
	for _, id := range []string{"\x1b[2J\x1b[31mgithub", "git\u202ehub", "\xff", "github\x00"} {
		r := clitest.Run(clitest.Options{}, "providers", "show", id)
		if r.Code != cmdutil.ExitNotFound {
			t.Errorf("%q: exit %d, want 3", id, r.Code)
		}
		for _, raw := range []string{"\x1b", "\u202e", "\xff", "\x00"} {
			if strings.Contains(r.Stderr+r.Stdout, raw) {
				t.Errorf("%q: output holds the raw %q: %q", id, raw, r.Stderr)
			}
		}
	}
}
