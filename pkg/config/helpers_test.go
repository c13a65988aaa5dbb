package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
)

// envOf is a getenv over a map.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// parse loads src as "authkit.yaml" in dir (a fresh one when ""), so that
// messages are stable.
func parse(t *testing.T, src string, env map[string]string) (*Config, error) {
	t.Helper()
	return parseIn(t, t.TempDir(), src, env)
}

func parseIn(t *testing.T, dir, src string, env map[string]string) (*Config, error) {
	t.Helper()
	l := &loader{name: FileName, dir: dir, getenv: envOf(env), readFile: readSecretFile}
	return l.load([]byte(src))
}

// mustParse is parse that fails the test on error.
func mustParse(t *testing.T, src string, env map[string]string) *Config {
	t.Helper()
	c, err := parse(t, src, env)
	if err != nil {
		t.Fatalf("load failed:\n%v\nsource:\n%s", err, src)
	}
	return c
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// ecKeyPEM makes a fresh P-256 private key in PKCS #8 PEM.
func ecKeyPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// fullDir copies testdata/config/full.yaml into a temporary directory
// with the files it names (a secret file and an ES256 key), and returns
// the path of the copy.
func fullDir(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../../testdata/config/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, FileName)
	writeFile(t, p, string(src))
	writeFile(t, filepath.Join(dir, "secrets/previous-auth-secret"), "previous-secret-value-0123456789abcdef\n")
	writeFile(t, filepath.Join(dir, "keys/session-es256.pem"), ecKeyPEM(t))
	return p
}

// fullEnv is the environment full.yaml needs.
var fullEnv = map[string]string{
	"AUTH_SECRET":          "current-secret-value-0123456789abcdef",
	"DATABASE_URL":         "postgres://app:db-password-value@db:5432/app",
	"GOOGLE_CLIENT_SECRET": "google-secret-value",
	"SMTP_PASSWORD":        "smtp-password-value",
	"AUTH_GITHUB_ID":       "gh-id",
	"AUTH_GITHUB_SECRET":   "github-secret-value",
}

// secretValues are fullEnv's and the secret file's values, which no
// printed form of a Config may contain.
var secretValues = []string{
	"current-secret-value", "previous-secret-value", "db-password-value",
	"google-secret-value", "smtp-password-value", "github-secret-value",
}
