package build_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/internal/testenv"
)

// TestVersionFromLdflags builds authkit the way goreleaser.yaml does (the
// same -X flags, CGO_ENABLED=0 and -trimpath, so the release check that
// follows in CI reuses the compiled packages) and runs `authkit version`.
func TestVersionFromLdflags(t *testing.T) {
	root := testenv.RepoRoot(t)
	bin := filepath.Join(t.TempDir(), "authkit")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	const (
		pkg     = "github.com/authkit-dev/authkit/internal/build"
		version = "1.2.3-rc.1"
		commit  = "0123456789abcdef0123456789abcdef01234567"
		date    = "2026-11-30T12:34:56Z"
	)
	ldflags := releaseLDFlags(t, root, strings.NewReplacer("{{ .Version }}", version, "{{ .FullCommit }}", commit, "{{ .CommitDate }}", date))
	for _, want := range []string{pkg + ".Version=" + version, pkg + ".Commit=" + commit, pkg + ".Date=" + date} {
		if !strings.Contains(ldflags, want) {
			t.Fatalf("goreleaser.yaml's ldflags %q do not set %s", ldflags, want)
		}
	}
	build := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", bin, "./cmd/authkit")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("authkit version: %v", err)
	}
	if got, want := strings.TrimSpace(string(out)), "authkit "+version+" ("+commit+", "+date+")"; got != want {
		t.Errorf("authkit version printed %q, want %q", got, want)
	}

	out, err = exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatalf("authkit version --json: %v", err)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("authkit version --json printed %q: %v", out, err)
	}
	want := map[string]string{"version": version, "commit": commit, "date": date}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("authkit version --json: %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

// releaseLDFlags reads the ldflags of goreleaser.yaml's build, so that the
// flags tested here are the ones releases use, with its template fields
// replaced.
func releaseLDFlags(t *testing.T, root string, fields *strings.Replacer) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var flags []string
	in := false
	for _, line := range strings.Split(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "ldflags:":
			in = true
		case in && strings.HasPrefix(trimmed, "- "):
			flags = append(flags, fields.Replace(strings.TrimPrefix(trimmed, "- ")))
		case in:
			in = false
		}
	}
	if len(flags) == 0 {
		t.Fatal("goreleaser.yaml has no ldflags list")
	}
	return strings.Join(flags, " ")
}
