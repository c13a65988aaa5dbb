package templates

import (
	"bytes"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testSecret stands for the AUTH_SECRET authkit init makes.
const testSecret = "TEST-ONLY-secret-not-random-AAAAAAAAAAAAAAA="

// TestScaffoldGolden renders every scaffold case and compares each file,
// the environment file included, with its golden file; a golden file in a
// case's directory that the case no longer renders is an error too
// (-update removes it).
func TestScaffoldGolden(t *testing.T) {
	names := map[string]bool{}
	for _, c := range scaffoldCases() {
		if names[c.name] {
			t.Fatalf("two scaffold cases are named %s", c.name)
		}
		names[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			files := renderCase(t, c.opts)
			dir := filepath.Join("testdata", "scaffold", c.name)
			want := map[string]bool{}
			for _, f := range files {
				golden := filepath.Join(dir, filepath.FromSlash(f.Path)+".golden")
				want[golden] = true
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, f.Content, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				b, err := os.ReadFile(golden)
				if err != nil {
					t.Errorf("%v (run go test ./templates -update to create it)", err)
					continue
				}
				if !bytes.Equal(b, f.Content) {
					t.Errorf("%s differs from the rendered file (run go test ./templates -update if the change is intended)\n%s", golden, firstDiff(string(b), string(f.Content)))
				}
			}
			filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || want[p] {
					return nil
				}
				if *update {
					return os.Remove(p)
				}
				t.Errorf("%s is left over: the case renders no such file (run go test ./templates -update)", p)
				return nil
			})
		})
	}
}

// renderCase is Scaffold's files and the environment file of o.
func renderCase(t *testing.T, o ScaffoldOptions) []ScaffoldFile {
	t.Helper()
	files, err := Scaffold(o)
	if err != nil {
		t.Fatal(err)
	}
	env, err := ScaffoldEnv(o, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return append(files, env)
}

// TestScaffoldFiles checks what every case renders: the files every
// template has, Go files gofmt-formatted, the secret only in the
// environment file, text files ending with one newline, no template
// left-overs.
func TestScaffoldFiles(t *testing.T) {
	for _, c := range scaffoldCases() {
		files := renderCase(t, c.opts)
		paths := map[string]bool{}
		for _, f := range files {
			paths[f.Path] = true
			s := string(f.Content)
			if strings.HasSuffix(f.Path, ".go") {
				formatted, err := format.Source(f.Content)
				if err != nil {
					t.Errorf("%s: %s does not parse: %v", c.name, f.Path, err)
				} else if !bytes.Equal(formatted, f.Content) {
					t.Errorf("%s: %s is not gofmt-formatted:\n%s", c.name, f.Path, firstDiff(string(formatted), s))
				}
			}
			if strings.Contains(s, testSecret) != (f.Path == EnvFileName(c.opts.Template)) {
				t.Errorf("%s: %s: the secret must be in the environment file and nowhere else", c.name, f.Path)
			}
			if !strings.HasSuffix(s, "\n") || strings.HasSuffix(s, "\n\n") {
				t.Errorf("%s: %s must end with exactly one newline", c.name, f.Path)
			}
			if strings.Contains(s, "<no value>") || strings.Contains(s, "%!") {
				t.Errorf("%s: %s has a template left-over", c.name, f.Path)
			}
		}
		for _, p := range []string{"authkit.yaml", ".gitignore", EnvFileName(c.opts.Template)} {
			if !paths[p] {
				t.Errorf("%s: no %s", c.name, p)
			}
		}
		if c.opts.Template == "go" {
			for _, p := range []string{"main.go", "env.go", "pages.html", "go.mod", "README.md"} {
				if !paths[p] {
					t.Errorf("%s: no %s", c.name, p)
				}
			}
		}
		byPath := map[string]string{}
		for _, f := range files {
			byPath[f.Path] = string(f.Content)
		}
		env := byPath[EnvFileName(c.opts.Template)]
		switch c.opts.Template {
		case "go":
			// A server without read and write timeouts is held open by
			// slow clients.
			for _, s := range []string{"ReadHeaderTimeout: 10 * time.Second", "ReadTimeout:       30 * time.Second",
				"WriteTimeout:      60 * time.Second", "IdleTimeout:       120 * time.Second"} {
				if !strings.Contains(byPath["main.go"], s) {
					t.Errorf("%s: main.go's server lacks %s", c.name, s)
				}
			}
			if strings.Contains(env, "AUTH_URL=") || strings.Contains(env, "AUTH_TRUST_HOST") {
				t.Errorf("%s: .env sets AUTH_URL or AUTH_TRUST_HOST:\n%s", c.name, env)
			}
		case "nextjs":
			// Next.js writes next-env.d.ts itself (and rewrites it on
			// npm run dev): a scaffolded one would conflict with a second
			// init.
			if paths["next-env.d.ts"] {
				t.Errorf("%s: the scaffold has next-env.d.ts, which Next.js generates", c.name)
			}
			if !strings.Contains(byPath[".gitignore"], "\nnext-env.d.ts\n") {
				t.Errorf("%s: .gitignore does not ignore next-env.d.ts", c.name)
			}
			if !paths["README.md"] {
				t.Errorf("%s: no README.md", c.name)
			}
			if !strings.Contains(env, "\nAUTH_URL="+c.opts.BaseURL+"\n") {
				t.Errorf("%s: .env.local does not set AUTH_URL to %s:\n%s", c.name, c.opts.BaseURL, env)
			}
			public := !strings.Contains(c.opts.BaseURL, "localhost") && !strings.Contains(c.opts.BaseURL, "127.0.0.1")
			if strings.Contains(env, "\nAUTH_TRUST_HOST=true\n") != public {
				t.Errorf("%s: base URL %s: AUTH_TRUST_HOST=true written = %v, want %v", c.name, c.opts.BaseURL, !public, public)
			}
		}
		for _, p := range c.opts.Providers {
			for _, v := range []string{p.EnvID, p.EnvSecret, p.EnvIssuer} {
				if v != "" && !strings.Contains(env, "\n"+v+"=\n") {
					t.Errorf("%s: the environment file has no empty %s=", c.name, v)
				}
			}
		}
	}
}

func TestScaffoldUnknownTemplate(t *testing.T) {
	if _, err := Scaffold(ScaffoldOptions{Template: "rails"}); err == nil || !strings.Contains(err.Error(), "use go or nextjs") {
		t.Errorf("Scaffold(rails): %v", err)
	}
	if _, err := ScaffoldEnv(ScaffoldOptions{Template: "rails"}, testSecret); err == nil {
		t.Error("ScaffoldEnv(rails) succeeded")
	}
	if EnvFileName("go") != ".env" || EnvFileName("nextjs") != ".env.local" {
		t.Error("EnvFileName")
	}
}

func TestScaffoldLoopback(t *testing.T) {
	loopback := scaffoldFuncs["loopback"].(func(string) bool)
	for raw, want := range map[string]bool{
		"http://localhost:3000": true, "http://LOCALHOST": true, "http://app.localhost:3000": true, "http://127.0.0.1:8080": true,
		"http://[::1]:3000": true, "https://app.example.com": false, "http://10.0.0.5:3000": false, "http://localhost.example.com": false,
	} {
		if got := loopback(raw); got != want {
			t.Errorf("loopback(%q) = %v, want %v", raw, got, want)
		}
	}
}
