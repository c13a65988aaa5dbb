package e2e_test

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &testenv.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node oidc-provider.mjs: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("oidc-provider.mjs did not stop on SIGTERM within 5s; killed")
		}
		stdin.Close()
	})

	type ready struct {
		Issuer string `json:"issuer"`
		Port   int    `json:"port"`
	}
	got := make(chan ready, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		var r ready
		if err == nil {
			err = json.Unmarshal(line, &r)
		}
		got <- r
		io.Copy(io.Discard, stdout)
	}()
	select {
	case r := <-got:
		if r.Issuer == "" {
			t.Fatalf("oidc-provider.mjs printed no issuer\n%s", stderr.String())
		}
		return r.Issuer
	case <-exited:
		t.Fatalf("oidc-provider.mjs exited before it was ready\n%s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("oidc-provider.mjs was not ready within 30s\n%s", stderr.String())
	}
	return ""
}
