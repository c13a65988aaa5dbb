// Package initcmd is `authkit init`: it scaffolds a working auth setup.
package initcmd

import (
	"errors"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdInit builds `authkit init`.
func NewCmdInit(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Scaffold a working auth setup (a Go app or a Next.js Auth.js app)",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.Fail("scaffold the project", errors.New("not built yet"), "")
		},
	}
}
