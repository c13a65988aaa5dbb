// Package users implements `authkit users`.
package users

import (
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdUsers returns the `authkit users` command group.
func NewCmdUsers(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{Use: "users", Short: "TODO"}
}
