package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/templates"
)

// The nextjs scaffold of `authkit init` type-checks: every variant is
// rendered with templates.Scaffold into a directory that borrows
// interop/nextjs/node_modules (next, next-auth@5, the Prisma adapter and
// client, pinned in interop/nextjs/package.json), Prisma's client is
// generated from the rendered schema, and `tsc --noEmit -p .` must pass
// with no output. A deliberately broken copy must fail, so that the check
// cannot pass by checking nothing.

const nextjsTimeout = 4 * time.Minute

// nextjsHarness runs node on the packages of interop/nextjs/node_modules.
type nextjsHarness struct{ node, modules string }

func nextjsTools(t *testing.T) nextjsHarness {
	t.Helper()
	node := testenv.Command(t, "node")
	modules, err := filepath.Abs(filepath.Join("nextjs", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"typescript/bin/tsc", "prisma/build/index.js", "next/package.json", "next-auth/package.json"} {
		if _, err := os.Stat(filepath.Join(modules, p)); err != nil {
			testenv.Missing(t, "interop/nextjs/node_modules/"+p+" is missing (run `npm ci` in interop/nextjs/)")
		}
	}
	return nextjsHarness{node: node, modules: modules}
}

// scaffoldProvider describes catalogue entry id as authkit init does.
func scaffoldProvider(t *testing.T, id, baseURL string) templates.ScaffoldProvider {
	t.Helper()
	p, err := providers.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	envID, envSecret, envIssuer := providers.EnvNames(id)
	sp := templates.ScaffoldProvider{
		ID: p.ID, Name: p.Name, EnvID: envID, EnvSecret: envSecret,
		CallbackURL: baseURL + p.CallbackPath("/api/auth"), ConsoleURL: p.ConsoleURL,
	}
	// Tenant products and the generic OIDC provider need an issuer.
	if p.Kind == providers.OIDC && p.Issuer == "" {
		sp.EnvIssuer = envIssuer
	}
	return sp
}

type nextjsVariant struct {
	name, session, database, linking string
	providers                        []string
}

func nextjsVariants() []nextjsVariant {
	return []nextjsVariant{
		{"jwt", "jwt", "sqlite", "never", []string{"github"}},
		// Every catalogue provider, so that each id has a real
		// next-auth/providers module, with the "always" linking option.
		{"jwt-all-providers", "jwt", "postgres", "always", providers.IDs()},
		{"database-sqlite", "database", "sqlite", "verified", []string{"github", "google"}},
		{"database-postgres", "database", "postgres", "never", []string{"google", "oidc", "keycloak"}},
	}
}

func (v nextjsVariant) render(t *testing.T) []templates.ScaffoldFile {
	t.Helper()
	const base = "http://localhost:3000"
	o := templates.ScaffoldOptions{
		Template: "nextjs", Session: v.session, Database: v.database, Linking: v.linking,
		BaseURL: base, BasePath: "/api/auth",
	}
	if v.session == "database" { // as authkit init chooses it
		o.Schema = "authjs-prisma"
	}
	for _, id := range v.providers {
		o.Providers = append(o.Providers, scaffoldProvider(t, id, base))
	}
	files, err := templates.Scaffold(o)
	if err != nil {
		t.Fatalf("Scaffold(%s): %v", v.name, err)
	}
	return files
}

// nextjsFiles indexes a scaffold's files by path.
func nextjsFiles(files []templates.ScaffoldFile) map[string][]byte {
	m := map[string][]byte{}
	for _, f := range files {
		m[f.Path] = f.Content
	}
	return m
}

// writeApp writes files into a new directory whose node_modules is the
// harness's, and returns the directory.
func (h nextjsHarness) writeApp(t *testing.T, files []templates.ScaffoldFile) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// next-env.d.ts is not scaffolded (it is gitignored, and Next.js
	// rewrites it on every next dev or next build): write it as Next.js
	// does, so that tsc sees Next's global types.
	if _, err := os.Stat(filepath.Join(dir, "next-env.d.ts")); err == nil {
		t.Fatal("the scaffold has next-env.d.ts, which Next.js generates")
	}
	if err := os.WriteFile(filepath.Join(dir, "next-env.d.ts"), []byte(nextEnvDTS), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(h.modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// nextEnvDTS is the next-env.d.ts that `next dev` (Next.js 15) writes in
// an app directory.
const nextEnvDTS = `/// <reference types="next" />
/// <reference types="next/image-types/global" />

// NOTE: This file should not be edited
// see https://nextjs.org/docs/app/api-reference/config/typescript for more information.
`

// run runs node SCRIPT ARGS in dir and returns its combined output.
func (h nextjsHarness) run(t *testing.T, dir string, env []string, script string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nextjsTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.node, append([]string{filepath.Join(h.modules, script)}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: timed out after %v\n%s", script, strings.Join(args, " "), nextjsTimeout, out.String())
	}
	return out.String(), err
}

// prismaGenerate writes the Prisma client of dir's prisma/schema.prisma to
// dir/generated/prisma. Generating needs no engine binary, but the Prisma
// CLI checks for its schema engine, which it would download from a host
// that is not reachable here: PRISMA_SCHEMA_ENGINE_BINARY names a stand-in
// that is never run.
func (h nextjsHarness) prismaGenerate(t *testing.T, dir string) {
	t.Helper()
	stub := filepath.Join(t.TempDir(), "schema-engine")
	if err := os.WriteFile(stub, []byte("#!/bin/sh\necho 'no schema engine in the type-check harness' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"PRISMA_SCHEMA_ENGINE_BINARY=" + stub, "PRISMA_HIDE_UPDATE_MESSAGE=1", "CHECKPOINT_DISABLE=1"}
	out, err := h.run(t, dir, env, "prisma/build/index.js", "generate", "--schema", "prisma/schema.prisma")
	if err != nil {
		t.Fatalf("prisma generate: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "generated", "prisma", "client.ts")); err != nil {
		t.Fatalf("prisma generate wrote no generated/prisma/client.ts: %v\n%s", err, out)
	}
}

// tsc runs `tsc --noEmit -p .` in dir.
func (h nextjsHarness) tsc(t *testing.T, dir string) (string, error) {
	t.Helper()
	return h.run(t, dir, nil, "typescript/bin/tsc", "--noEmit", "-p", ".")
}

func TestNextJSScaffoldTypeChecks(t *testing.T) {
	h := nextjsTools(t)
	for _, v := range nextjsVariants() {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			files := v.render(t)
			dir := h.writeApp(t, files)
			if v.session == "database" {
				h.prismaGenerate(t, dir)
			}
			out, err := h.tsc(t, dir)
			if err != nil || out != "" {
				t.Fatalf("tsc --noEmit on the %s scaffold: %v\n%s", v.name, err, out)
			}
		})
	}
}

// TestNextJSScaffoldTypeCheckCatchesErrors breaks a rendered scaffold in
// one place per file, each in a way a type checker must see, and expects
// tsc to report every one: the harness is proved to check each kind of
// file (auth.ts, the generated Prisma client, the "@/" alias, TSX).
func TestNextJSScaffoldTypeCheckCatchesErrors(t *testing.T) {
	h := nextjsTools(t)
	v := nextjsVariants()[2] // database-sqlite: the Prisma client is part of the check
	breaks := []struct{ file, old, new, code string }{
		{"auth.ts", `from "next-auth/providers/github"`, `from "next-auth/providers/no-such-provider"`, "TS2307"},
		{"middleware.ts", `export const config = {`, `export const strategy: "jwt" | "database" = "cookie"
export const config = {`, "TS2322"},
		{"lib/prisma.ts", `export const prisma = `, `export const people = () => prisma.person.findMany()
export const prisma = `, "TS2339"},
		{"app/api/auth/[...nextauth]/route.ts", `from "@/auth"`, `from "@/no-such-module"`, "TS2307"},
		{"app/page.tsx", `session.user.email ?? session.user.name`, `session.user.nickname`, "TS2339"},
	}
	files := v.render(t)
	for _, b := range breaks {
		found := false
		for i, f := range files {
			if f.Path != b.file {
				continue
			}
			if !bytes.Contains(f.Content, []byte(b.old)) {
				t.Fatalf("%s has no %q to break:\n%s", b.file, b.old, f.Content)
			}
			files[i].Content = bytes.Replace(f.Content, []byte(b.old), []byte(b.new), 1)
			found = true
		}
		if !found {
			t.Fatalf("the scaffold has no %s", b.file)
		}
	}
	dir := h.writeApp(t, files)
	h.prismaGenerate(t, dir)
	out, err := h.tsc(t, dir)
	if err == nil {
		t.Fatalf("tsc passed a broken scaffold\n%s", out)
	}
	// tsc reports "FILE(LINE,COL): error TSNNNN: message".
	reported := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^(.+?)\(\d+,\d+\): error (TS\d+)`).FindAllStringSubmatch(out, -1) {
		reported[m[1]+" "+m[2]] = true
	}
	for _, b := range breaks {
		if !reported[b.file+" "+b.code] {
			t.Errorf("tsc did not report %s in %s", b.code, b.file)
		}
	}
	if t.Failed() {
		t.Logf("tsc output:\n%s", out)
	}
}

// TestNextJSScaffoldMatchesHarness checks, without node, that what the
// type check proves holds for the files users get: the scaffold's
// package.json pins exactly the harness's versions, every provider is
// imported from its next-auth module, and the Prisma models are the
// Auth.js schema that authkit's authjs-prisma profile is tested against
// (interop/prisma/schema.*.prisma).
func TestNextJSScaffoldMatchesHarness(t *testing.T) {
	var harness struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	raw, err := os.ReadFile(filepath.Join("nextjs", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &harness); err != nil {
		t.Fatalf("interop/nextjs/package.json: %v", err)
	}
	used := map[string]bool{}
	for _, v := range nextjsVariants() {
		t.Run(v.name, func(t *testing.T) {
			files := nextjsFiles(v.render(t))
			for _, p := range []string{"auth.ts", "middleware.ts", "app/api/auth/[...nextauth]/route.ts", "app/page.tsx",
				"app/layout.tsx", "tsconfig.json", "package.json", "README.md"} {
				if files[p] == nil {
					t.Errorf("no %s", p)
				}
			}
			if files["next-env.d.ts"] != nil {
				t.Errorf("next-env.d.ts is scaffolded: Next.js generates (and rewrites) it, so a second authkit init would find it changed")
			}

			var pkg struct {
				Dependencies, DevDependencies map[string]string
			}
			if err := json.Unmarshal(files["package.json"], &pkg); err != nil {
				t.Fatalf("package.json: %v\n%s", err, files["package.json"])
			}
			for _, deps := range []map[string]string{pkg.Dependencies, pkg.DevDependencies} {
				for name, version := range deps {
					used[name] = true
					if harness.Dependencies[name] != version {
						t.Errorf("package.json pins %s %s, but interop/nextjs type-checks against %q", name, version, harness.Dependencies[name])
					}
				}
			}

			auth := string(files["auth.ts"])
			for _, id := range v.providers {
				if id == "oidc" || id == "oauth2" {
					if !strings.Contains(auth, `id: "`+id+`"`) {
						t.Errorf("auth.ts has no inline provider %q", id)
					}
					continue
				}
				if !regexp.MustCompile(`(?m)^import \w+ from "next-auth/providers/` + regexp.QuoteMeta(id) + `"$`).MatchString(auth) {
					t.Errorf("auth.ts does not import next-auth/providers/%s", id)
				}
			}
			if !strings.Contains(auth, `strategy: "`+v.session+`"`) || !strings.Contains(auth, `basePath: "/api/auth"`) {
				t.Errorf("auth.ts lacks the session strategy or base path:\n%s", auth)
			}
			if got := strings.Contains(auth, "allowDangerousEmailAccountLinking: true"); got != (v.linking == "always") {
				t.Errorf("linking %s: allowDangerousEmailAccountLinking written = %v", v.linking, got)
			}

			dbFiles := []string{"prisma/schema.prisma", "lib/prisma.ts", "prisma.config.ts"}
			for _, p := range dbFiles {
				if (files[p] != nil) != (v.session == "database") {
					t.Errorf("session %s: %s present = %v", v.session, p, files[p] != nil)
				}
			}
			if v.session != "database" {
				if strings.Contains(auth, "PrismaAdapter") {
					t.Errorf("a jwt scaffold uses the Prisma adapter")
				}
				return
			}
			if !strings.Contains(auth, "adapter: PrismaAdapter(prisma)") {
				t.Errorf("a database scaffold without the Prisma adapter:\n%s", auth)
			}
			if !strings.Contains(string(files["middleware.ts"]), `runtime: "nodejs"`) {
				t.Errorf("database sessions need the Node.js middleware runtime")
			}
			ref := map[string]string{"sqlite": "schema.sqlite.prisma", "postgres": "schema.postgres.prisma"}[v.database]
			want, err := os.ReadFile(filepath.Join("prisma", ref))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := prismaModels(string(files["prisma/schema.prisma"])), prismaModels(string(want)); got != want {
				t.Errorf("prisma/schema.prisma models differ from interop/prisma/%s:\n--- got\n%s\n--- want\n%s", ref, got, want)
			}
			if !strings.Contains(string(files["prisma/schema.prisma"]), `provider = "`+map[string]string{"sqlite": "sqlite", "postgres": "postgresql"}[v.database]+`"`) {
				t.Errorf("prisma/schema.prisma has the wrong datasource provider")
			}
		})
	}
	// Every harness package is one the scaffold uses: the harness tests
	// nothing else.
	var extra []string
	for name := range harness.Dependencies {
		if !used[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("interop/nextjs/package.json has packages no scaffold uses: %v", extra)
	}
}

// TestNextJSScaffoldRefusesWhatItCannotWrite: an adapter the template does
// not have, or database sessions without one, stop the render rather than
// write an app that would not work.
func TestNextJSScaffoldRefusesWhatItCannotWrite(t *testing.T) {
	gh := scaffoldProvider(t, "github", "http://localhost:3000")
	for _, o := range []templates.ScaffoldOptions{
		{Session: "database", Database: "sqlite", Schema: "authjs-drizzle"},
		{Session: "database", Database: "postgres", Schema: ""},
	} {
		o.Template, o.Linking, o.BaseURL, o.BasePath = "nextjs", "never", "http://localhost:3000", "/api/auth"
		o.Providers = []templates.ScaffoldProvider{gh}
		if _, err := templates.Scaffold(o); err == nil || !strings.Contains(err.Error(), "authjs-prisma") {
			t.Errorf("Scaffold(session %s, schema %q) = %v, want an error naming authjs-prisma", o.Session, o.Schema, err)
		}
	}
}

// prismaModels returns a Prisma schema from its first model on.
func prismaModels(s string) string {
	if i := strings.Index(s, "\nmodel "); i >= 0 {
		return strings.TrimSpace(s[i:])
	}
	return ""
}
