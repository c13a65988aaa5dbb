package siwe

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestScriptMatchesVectors checks that testdata/script/siwe.txtar holds the
// messages and signatures of testdata/siwe/vectors.json, made by the real
// siwe and ethers packages.
func TestScriptMatchesVectors(t *testing.T) {
	root := filepath.Join("..", "..", "..", "testdata")
	b, err := os.ReadFile(filepath.Join(root, "siwe", "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vs struct {
		Vectors []struct{ Name, Message, Signature string }
	}
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	byName := map[string]struct{ msg, sig string }{}
	for _, v := range vs.Vectors {
		byName[v.Name] = struct{ msg, sig string }{v.Message, v.Signature}
	}
	ar, err := txtar.ParseFile(filepath.Join(root, "script", "siwe.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"full.txt": "full", "minimal.txt": "minimal", "expired.txt": "expired", "tampered.txt": "tampered", "lower.txt": "lower-case-address"}
	seen := 0
	for _, f := range ar.Files {
		name, ok := files[f.Name]
		if !ok {
			continue
		}
		seen++
		v := byName[name]
		if got := strings.TrimSuffix(string(f.Data), "\n"); got != v.msg {
			t.Errorf("%s differs from vector %s", f.Name, name)
		}
		if !strings.Contains(string(ar.Comment), v.sig) {
			t.Errorf("script does not use the signature of vector %s", name)
		}
	}
	if seen != len(files) {
		t.Errorf("found %d of %d message files", seen, len(files))
	}
}
