// Package events implements `authkit events`.
package events

import (
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdEvents returns the `authkit events` command group.
func NewCmdEvents(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{Use: "events", Short: "TODO"}
}
