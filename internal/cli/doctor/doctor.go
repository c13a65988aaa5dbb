// Package doctor is `authkit doctor`: it checks a setup and says what to fix.
package doctor

import (
	"errors"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdDoctor builds `authkit doctor`.
func NewCmdDoctor(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check a setup and say what to fix",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.Fail("check the setup", errors.New("not built yet"), "")
		},
	}
}
