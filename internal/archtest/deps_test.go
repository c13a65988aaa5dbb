// Package archtest enforces the dependency rules of DESIGN.md with go list.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/authkit-dev/authkit"

type pkgDeps struct {
	ImportPath string
	Deps       []string
}

func listDeps(t *testing.T, pattern string) []pkgDeps {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Deps", pattern)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		if stderr := string(err.(*exec.ExitError).Stderr); strings.Contains(stderr, "matched no packages") || strings.Contains(stderr, "no such file or directory") {
			return nil
		}
		t.Fatalf("go list %s: %v\n%s", pattern, err, err.(*exec.ExitError).Stderr)
	}
	var pkgs []pkgDeps
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkgDeps
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestDependencyRules(t *testing.T) {
	rules := []struct {
		pattern   string
		forbidden []string
	}{
		{"./pkg/...", []string{module + "/internal/", "github.com/spf13/cobra", "github.com/charmbracelet/"}},
		{"./pkg/store/...", []string{module + "/pkg/flow"}},
		{"./pkg/session/...", []string{module + "/pkg/flow"}},
		{"./pkg/providers/...", []string{module + "/pkg/flow"}},
		{"./internal/tui/...", []string{module + "/pkg/store", module + "/pkg/flow"}},
		{"./templates/...", []string{module + "/"}},
	}
	checked := 0
	for _, r := range rules {
		for _, p := range listDeps(t, r.pattern) {
			checked++
			for _, dep := range p.Deps {
				for _, bad := range r.forbidden {
					if strings.HasPrefix(dep, bad) && !strings.HasPrefix(dep, p.ImportPath) {
						t.Errorf("%s depends on %s, which DESIGN.md forbids", p.ImportPath, dep)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("go list found no packages to check")
	}
}
