package providers

import (
	"os"
	"path/filepath"
	"testing"
)

// sample reads testdata/providers/<rel> at the repository root.
func sample(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "providers", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sampleProfile reads a profile sample as a raw profile.
func sampleProfile(t testing.TB, name string) map[string]any {
	t.Helper()
	raw, err := ParseProfileJSON(sample(t, filepath.Join("profiles", name)))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func mustLookup(t testing.TB, id string) *Provider {
	t.Helper()
	p, err := Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
