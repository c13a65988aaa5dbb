package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSampleFiles loads every file of testdata/config. A bad-*.yaml file
// lists the messages it must produce in "# want: " lines at its top; the
// others must load.
func TestSampleFiles(t *testing.T) {
	files, err := filepath.Glob("../../testdata/config/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample files: %v", err)
	}
	env := map[string]string{"AUTH_SECRET": "s", "DATABASE_URL": "postgres://app@db/app"}
	for _, path := range files {
		name := filepath.Base(path)
		if name == "full.yaml" {
			continue // needs its key and secret files: TestLoadFull loads it
		}
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, line := range strings.Split(string(src), "\n") {
				if m, ok := strings.CutPrefix(line, "# want: "); ok {
					want = append(want, "authkit: cannot load "+filepath.Clean(path)+": "+m)
				}
			}
			c, err := Load(path, envOf(env))
			switch {
			case strings.HasPrefix(name, "bad-") && len(want) == 0:
				t.Fatal("a bad- file without # want: lines")
			case len(want) == 0 && err != nil:
				t.Fatal(err)
			case len(want) == 0:
				if _, err := c.Providers(); err != nil && !strings.Contains(err.Error(), "no client id") {
					t.Error(err)
				}
			case err == nil:
				t.Fatalf("loaded, want:\n%s", strings.Join(want, "\n"))
			case err.Error() != strings.Join(want, "\n"):
				t.Errorf("got:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
			}
		})
	}
}
