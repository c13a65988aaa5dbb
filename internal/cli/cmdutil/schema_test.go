package cmdutil

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// TestSchemaSource: --schema, else database.schema of authkit.yaml (even
// while a provider waits for its variables), else detection; the database
// URL of such a file is used too, and an Auth.js schema whose tables are
// missing is fixed by the app's migrations, never authkit db migrate.
func TestSchemaSource(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "authkit.yaml")
	yaml := "database:\n  url: sqlite:" + filepath.Join(dir, "dev.db") + "\n  schema: authjs-prisma\nproviders:\n  - id: keycloak\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	f := &Factory{ConfigPath: cfg, Getenv: func(k string) string { return env[k] }, IO: IOStreams{ErrOut: &strings.Builder{}}}
	if _, _, err := f.LoadConfig(); err == nil {
		t.Fatal("LoadConfig accepted keycloak without an issuer")
	}
	if schema, from := f.SchemaSource(); schema != "authjs-prisma" || from != cfg+" (database.schema)" {
		t.Errorf("SchemaSource = %q, %q", schema, from)
	}
	if url, from := f.DatabaseSource(); !strings.HasSuffix(url, "dev.db") || from != cfg+" (database.url)" {
		t.Errorf("DatabaseSource = %q, %q", url, from)
	}
	for _, create := range []bool{false, true} {
		_, err := f.OpenStore(context.Background(), sqlstore.Options{Create: create})
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("OpenStore (create %v): %v", create, err)
		}
		if !strings.Contains(ce.Fix, "npx prisma migrate dev") || strings.Contains(ce.Fix, "authkit db migrate") {
			t.Errorf("OpenStore (create %v): fix %q", create, ce.Fix)
		}
		if create && !errors.Is(err, store.ErrUnknownSchema) {
			t.Errorf("OpenStore on an empty file: %v", err)
		}
	}

	f.Schema = "authkit"
	if schema, from := f.SchemaSource(); schema != "authkit" || from != "--schema" {
		t.Errorf("with --schema: %q, %q", schema, from)
	}
	f = &Factory{ConfigPath: filepath.Join(dir, "none.yaml"), Getenv: func(string) string { return "" }}
	if schema, from := f.SchemaSource(); schema != "" || from != "" {
		t.Errorf("without a file: %q, %q", schema, from)
	}
}
