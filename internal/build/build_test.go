package build

import (
	"runtime/debug"
	"testing"
)

func TestInfo(t *testing.T) {
	vcs := func(mainVersion string, settings ...string) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/authkit-dev/authkit", Version: mainVersion}}
			for i := 0; i+1 < len(settings); i += 2 {
				bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
			}
			return bi, true
		}
	}
	none := func() (*debug.BuildInfo, bool) { return nil, false }
	checkout := vcs("(devel)", "vcs.revision", "0123abcd", "vcs.time", "2026-11-30T10:00:00Z", "vcs.modified", "false")

	tests := []struct {
		name                string
		v, c, d             string
		read                func() (*debug.BuildInfo, bool)
		wantV, wantC, wantD string
	}{
		{"linker set all", "1.2.3", "abc", "2026-12-01T00:00:00Z", checkout, "1.2.3", "abc", "2026-12-01T00:00:00Z"},
		{"linker set all, no build info", "1.2.3", "abc", "2026-12-01T00:00:00Z", none, "1.2.3", "abc", "2026-12-01T00:00:00Z"},
		{"checkout build", "dev", "", "", checkout, "dev", "0123abcd", "2026-11-30T10:00:00Z"},
		{"dirty checkout", "dev", "", "", vcs("(devel)", "vcs.revision", "0123abcd", "vcs.modified", "true"), "dev", "0123abcd-dirty", ""},
		{"go install at a version", "dev", "", "", vcs("v1.4.0"), "v1.4.0", "", ""},
		{"no vcs stamp", "dev", "", "", vcs("(devel)"), "dev", "", ""},
		{"no build info", "dev", "", "", none, "dev", "", ""},
		{"empty version", "", "", "", none, "dev", "", ""},
		{"linker set version only", "1.2.3", "", "", checkout, "1.2.3", "0123abcd", "2026-11-30T10:00:00Z"},
		{"linker set commit, not date", "1.2.3", "abc", "", checkout, "1.2.3", "abc", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, c, d := info(tt.v, tt.c, tt.d, tt.read)
			if v != tt.wantV || c != tt.wantC || d != tt.wantD {
				t.Errorf("info() = %q, %q, %q; want %q, %q, %q", v, c, d, tt.wantV, tt.wantC, tt.wantD)
			}
		})
	}
}

func TestInfoDefaults(t *testing.T) {
	// In a test binary nothing was set by the linker.
	v, _, _ := Info()
	if v == "" {
		t.Fatal("Info() gave an empty version")
	}
}
