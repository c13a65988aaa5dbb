package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFind(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(t.TempDir(), "elsewhere.yaml")
	none := envOf(nil)

	// Nothing configured, no file: not found.
	if p, ok := Find(dir, none); ok {
		t.Errorf("found %s in an empty directory", p)
	}
	// A directory named authkit.yaml is not a file.
	os.Mkdir(filepath.Join(dir, FileName), 0o755)
	if p, ok := Find(dir, none); ok {
		t.Errorf("found the directory %s", p)
	}
	os.Remove(filepath.Join(dir, FileName))

	// ./authkit.yaml.
	writeFile(t, filepath.Join(dir, FileName), "linking: never\n")
	p, ok := Find(dir, none)
	eq(t, ok, true)
	eq(t, p, filepath.Join(dir, FileName))

	// AUTHKIT_CONFIG comes before ./authkit.yaml, even when its file is
	// missing (Load then says so).
	p, ok = Find(dir, envOf(map[string]string{EnvConfig: other}))
	eq(t, ok, true)
	eq(t, p, other)

	// A relative AUTHKIT_CONFIG is taken from dir.
	p, ok = Find(dir, envOf(map[string]string{EnvConfig: "deploy/authkit.yaml"}))
	eq(t, ok, true)
	eq(t, p, filepath.Join(dir, "deploy/authkit.yaml"))

	// An empty AUTHKIT_CONFIG is unset.
	p, _ = Find(dir, envOf(map[string]string{EnvConfig: " "}))
	eq(t, p, filepath.Join(dir, FileName))
}

func TestFindDefaultsToOSEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvConfig, "/etc/authkit/authkit.yaml")
	p, ok := Find(dir, nil)
	eq(t, ok, true)
	eq(t, p, "/etc/authkit/authkit.yaml")
}
