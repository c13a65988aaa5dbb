package cli_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"time"
)

// testBrowser plays a user's browser for `authkit login` in scripts: it
// follows url through the provider's redirects to the loopback callback,
// keeping cookies, and reports the final status on stderr.
func testBrowser(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: testbrowser URL")
		return 2
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := client.Get(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "testbrowser:", err)
		return 1
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	fmt.Fprintln(os.Stderr, "testbrowser:", resp.Status, resp.Request.URL.Path)
	return 0
}
