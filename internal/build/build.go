// Package build holds the version, commit and date of the build. Releases
// set them with the linker (goreleaser.yaml):
//
//	-ldflags "-X github.com/authkit-dev/authkit/internal/build.Version=1.2.3
//	          -X github.com/authkit-dev/authkit/internal/build.Commit=abc123...
//	          -X github.com/authkit-dev/authkit/internal/build.Date=2026-11-30T12:00:00Z"
//
// Other builds fall back on what the Go toolchain recorded in the binary: the
// module version for `go install github.com/authkit-dev/authkit/cmd/authkit@v1.2.3`,
// and the VCS revision and commit time when built inside a checkout with
// -buildvcs (the default, unless GOFLAGS says otherwise).
package build

import "runtime/debug"

// Version, Commit and Date describe the build; the linker sets them in
// releases. They are plain string variables with constant initialisers,
// as -X requires.
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

// Info returns the version, commit and date: those the linker set, and for
// each one it did not, the value from the Go build info when there is one
// ("dev" and empty strings otherwise). A checkout with uncommitted changes
// gives a commit ending in "-dirty". It reads the build info on each call:
// nothing is done at start-up.
func Info() (version, commit, date string) {
	return info(Version, Commit, Date, debug.ReadBuildInfo)
}

func info(v, c, d string, read func() (*debug.BuildInfo, bool)) (version, commit, date string) {
	version, commit, date = v, c, d
	if version != "dev" && version != "" && commit != "" && date != "" {
		return
	}
	bi, ok := read()
	if !ok || bi == nil {
		if version == "" {
			version = "dev"
		}
		return
	}
	if version == "dev" || version == "" {
		version = "dev"
		if mv := bi.Main.Version; mv != "" && mv != "(devel)" {
			version = mv
		}
	}
	var rev, t string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			t = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if commit == "" && rev != "" {
		commit = rev
		if modified {
			commit += "-dirty"
		}
	}
	if date == "" && c == "" { // the time of the commit reported, not of another
		date = t
	}
	return
}
