package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary files through parsing, interpolation,
// validation and Providers: no panic, and an error is always an *Error
// whose lines all start in the authkit style.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/config/*.yaml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, tt := range errorCases {
		f.Add([]byte(tt.src))
	}
	f.Add([]byte("providers:\n  - {id: a, type: oidc, issuer: 'https://${H:-x}', params: {a: b}, scopes: [x]}\n"))
	f.Add([]byte("&a [*a, *a]\n"))
	env := envOf(map[string]string{"AUTH_SECRET": "s", "H": "h.example", "AUTH_GITHUB_ID": "i", "AUTH_GITHUB_SECRET": "s"})
	f.Fuzz(func(t *testing.T, data []byte) {
		l := &loader{name: FileName, dir: "/nonexistent", getenv: env,
			readFile: func(string) ([]byte, error) { return []byte("file-secret"), nil }}
		c, err := l.load(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || len(e.Problems) == 0 {
				t.Fatalf("error %T without problems: %v", err, err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "authkit: cannot load authkit.yaml: ") {
					t.Fatalf("message line not in the authkit style: %q", line)
				}
			}
			return
		}
		c.Providers()
		c.AuthURL()
	})
}
