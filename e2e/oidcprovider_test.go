package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/internal/testenv"
)

// opConfig is what interop/oidc-provider.mjs is started with.
type opConfig struct {
	ClientID, ClientSecret string
	RedirectURIs           []string
	Login, Email, Name     string
}

// startOIDCProvider runs the npm package oidc-provider through
// interop/oidc-provider.mjs on a free port of 127.0.0.1 and returns its
// issuer URL. The process is stopped (SIGTERM, then killed) when the test
// ends; it also exits by itself if the test process dies, as its stdin
// closes.
func startOIDCProvider(t *testing.T, c opConfig) string {
	t.Helper()
	node := testenv.Command(t, "node")
	dir := filepath.Join(testenv.RepoRoot(t), "interop")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider", "package.json")); err != nil {
		testenv.Missing(t, "interop/node_modules has no oidc-provider (run `make interop`, or `npm ci` in interop/)")
	}
	cmd := exec.Command(node, "oidc-provider.mjs", "0")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"OP_CLIENT_ID="+c.ClientID,
		"OP_CLIENT_SECRET="+c.ClientSecret,
		"OP_REDIRECT_URIS="+strings.Join(c.RedirectURIs, " "),
		"OP_USER_LOGIN="+c.Login,
		"OP_USER_EMAIL="+c.Email,
		"OP_USER_NAME="+c.Name,
		"OP_EXIT_WITH_STDIN=1",
	)
	var r struct {
		Issuer string `json:"issuer"`
	}
	stderr := testenv.StartReady(t, cmd, &r)
	if r.Issuer == "" {
		t.Fatalf("oidc-provider.mjs printed no issuer\n%s", stderr.String())
	}
	return r.Issuer
}
