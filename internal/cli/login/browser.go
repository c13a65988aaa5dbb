package login

import (
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/pkg/browser"
)

// openBrowser opens url in the user's browser: the command in $BROWSER
// when set (as git and Python do), else the system's opener.
func openBrowser(getenv func(string) string, url string, quiet bool) error {
	out := io.Writer(os.Stderr)
	if quiet {
		out = io.Discard
	}
	if cmd := strings.TrimSpace(getenv("BROWSER")); cmd != "" {
		fields := strings.Fields(cmd)
		c := exec.Command(fields[0], append(fields[1:], url)...)
		c.Stdout, c.Stderr = out, out
		if err := c.Start(); err != nil {
			return err
		}
		go c.Wait()
		return nil
	}
	browser.Stdout, browser.Stderr = out, out
	return browser.OpenURL(url)
}
