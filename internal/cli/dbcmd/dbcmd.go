// Package dbcmd implements `authkit db`.
package dbcmd

import (
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdDB returns the `authkit db` command group.
func NewCmdDB(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{Use: "db", Short: "TODO"}
}
