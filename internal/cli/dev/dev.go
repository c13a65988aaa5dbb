// Package dev implements `authkit dev`: tools for local development, such
// as a local identity provider (`authkit dev idp`).
package dev

import (
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdDev returns the `authkit dev` command group.
func NewCmdDev(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.Group(&cobra.Command{
		Use:   "dev",
		Short: "Tools for local development: a local identity provider",
	})
	cmd.AddCommand(newCmdIdp(f))
	return cmd
}
