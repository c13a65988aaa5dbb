// Command authkit is the authkit command line; see `authkit --help`.
package main

import (
	"os"

	"github.com/authkit-dev/authkit/internal/cli"
)

func main() { os.Exit(cli.Main()) }
