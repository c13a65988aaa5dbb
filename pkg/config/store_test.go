package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/authkit-dev/authkit/pkg/config"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// TestSchemaProfilesMatchStore keeps database.schema's list in step with
// the store's profiles.
func TestSchemaProfilesMatchStore(t *testing.T) {
	dir := t.TempDir()
	for _, p := range sqlstore.Profiles {
		path := filepath.Join(dir, p+".yaml")
		if err := os.WriteFile(path, []byte("database:\n  schema: "+p+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(path, func(string) string { return "" })
		if err != nil {
			t.Errorf("schema %s: %v", p, err)
			continue
		}
		if c.Database.Schema != p {
			t.Errorf("schema %s read as %q", p, c.Database.Schema)
		}
	}
}
