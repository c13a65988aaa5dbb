// Package build holds the version and commit, set at release time with
// -ldflags "-X github.com/authkit-dev/authkit/internal/build.Version=...".
package build

import "runtime/debug"

// Version, Commit and Date describe the build.
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

// Info returns the version, and the commit from the Go build info when the
// linker did not set one.
func Info() (version, commit, date string) {
	version, commit, date = Version, Commit, Date
	if commit != "" {
		return
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				date = s.Value
			}
		}
	}
	return
}
