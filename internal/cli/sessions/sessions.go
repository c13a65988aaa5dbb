// Package sessions implements `authkit sessions`.
package sessions

import (
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdSessions returns the `authkit sessions` command group.
func NewCmdSessions(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{Use: "sessions", Short: "TODO"}
}
