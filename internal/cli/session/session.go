// Package session implements `authkit session`: decode and inspect
// Auth.js and authkit session tokens, and encode new ones.
package session

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	authsession "github.com/authkit-dev/authkit/pkg/session"
	"github.com/spf13/cobra"
)

// NewCmdSession returns the `authkit session` command group.
func NewCmdSession(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.Group(&cobra.Command{
		Use:   "session",
		Short: "Decode, inspect and encode session tokens (Auth.js v5, v4 and signed JWTs)",
	})
	cmd.AddCommand(newCmdDecode(f), newCmdEncode(f))
	return cmd
}

// The session cookie names Auth.js uses, which are also the v5 salts.
var (
	namesV5 = []string{authsession.Names(authsession.V5, false).SessionToken, authsession.Names(authsession.V5, true).SessionToken}
	namesV4 = []string{authsession.Names(authsession.V4, false).SessionToken, authsession.Names(authsession.V4, true).SessionToken}
)

// maxInput bounds what is read from stdin or a file: far above any token
// (16 KiB) or cookie header (64 KiB) the decoders accept.
const maxInput = 1 << 20

// readBounded reads r to its end, refusing more than maxInput bytes.
func readBounded(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInput {
		return nil, fmt.Errorf("more than %d bytes (1 MiB)", maxInput)
	}
	return data, nil
}

// readStdin reads the input of a command from stdin: on a terminal, one
// line after a prompt on stderr; otherwise everything. A terminal line as
// long as the terminal's line limit was most likely cut by it: that is
// errTerminalCut (see terminalCut).
func readStdin(f *cmdutil.Factory, prompt string) (string, error) {
	if !f.IO.InTTY {
		data, err := readBounded(f.IO.In)
		return string(data), err
	}
	fmt.Fprintln(f.IO.ErrOut, prompt)
	line, err := bufio.NewReaderSize(f.IO.In, 64<<10).ReadString('\n')
	if errors.Is(err, io.EOF) {
		err = nil
	}
	if limit := terminalLineLimit(runtime.GOOS); err == nil && limit > 0 && len(strings.TrimRight(line, "\r\n")) >= limit {
		return "", errTerminalCut
	}
	return line, err
}

// errTerminalCut is readStdin's error for a terminal line that reached the
// terminal's line limit, and so was most likely cut short.
var errTerminalCut = errors.New("terminal line limit")

// terminalLineLimit is the length at which the terminal driver of goos, in
// its canonical (line by line) mode, cuts a line: it keeps 4095 bytes and
// the newline on Linux (N_TTY_BUF_SIZE, 4096), and MAX_CANON (1024) bytes
// with the newline on macOS and the BSDs; the rest of a paste is dropped.
// A line read at that length or longer is taken to be cut. 0 is no known
// limit (Windows consoles).
func terminalLineLimit(goos string) int {
	switch goos {
	case "darwin", "ios", "freebsd", "netbsd", "openbsd", "dragonfly":
		return 1023
	case "windows", "plan9", "js", "wasip1":
		return 0
	}
	return 4095
}

// terminalCut is the usage error (exit 2) for input the terminal cut:
// what is the input, and how to pipe it instead.
func terminalCut(action, what, pipe string) error {
	return cmdutil.Usage(action, "pipe "+what+" on stdin instead: "+pipe,
		"the terminal cut the pasted line at %d bytes (its limit for one line), so %s is incomplete", terminalLineLimit(runtime.GOOS), what)
}

// parseAt reads --at: an RFC 3339 time or Unix seconds. A number of 1e12
// or more (the year 33658 in seconds) is taken for milliseconds, and
// refused with a message that says so.
func parseAt(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if !unixRE.MatchString(s) {
		return time.Time{}, fmt.Errorf("--at %s is neither an RFC 3339 time (2026-07-22T12:00:00Z) nor Unix seconds", cmdutil.Quote(s))
	}
	n, err := strconv.ParseFloat(s, 64)
	if err == nil && n < 1e12 {
		sec, frac := math.Modf(n)
		return time.Unix(int64(sec), int64(frac*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("--at %s looks like milliseconds; --at takes Unix seconds (%.0f) or an RFC 3339 time", cmdutil.Quote(s), math.Floor(n/1000))
}

var unixRE = regexp.MustCompile(`^[0-9]{1,13}(\.[0-9]{1,9})?$`)

var maxAgeRE = regexp.MustCompile(`^([0-9]+)d(.*)$`)

// parseMaxAge reads --max-age: a Go duration (90m, 12h) with days as `d`
// (30d, 1d12h), of at least one second.
func parseMaxAge(s string) (time.Duration, error) {
	bad := fmt.Errorf("--max-age %s is not a duration such as 30d, 12h or 90m", cmdutil.Quote(s))
	var d time.Duration
	rest := s
	if m := maxAgeRE.FindStringSubmatch(s); m != nil {
		days, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || days > 100*365 {
			return 0, bad
		}
		d, rest = time.Duration(days)*24*time.Hour, m[2]
	}
	if rest != "" {
		more, err := time.ParseDuration(rest)
		if err != nil || strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "+") {
			return 0, bad
		}
		d += more
	}
	if d < time.Second {
		return 0, fmt.Errorf("--max-age %s is shorter than a second", cmdutil.Quote(s))
	}
	return d, nil
}

// checkCookieName refuses a name no browser would store as a cookie name.
func checkCookieName(flag, name string) error {
	if err := (&http.Cookie{Name: name, Value: "x"}).Valid(); err != nil {
		return fmt.Errorf("%s %s is not a valid cookie name", flag, cmdutil.Quote(name))
	}
	return nil
}

// formatName describes a token format for people.
func formatName(t *authsession.Token) string {
	switch t.Format {
	case authsession.FormatAuthJS:
		return fmt.Sprintf("Auth.js v5 JWE (%s, %s)", t.Alg, t.Enc)
	case authsession.FormatAuthJSv4:
		return fmt.Sprintf("next-auth v4 JWE (%s, %s)", t.Alg, t.Enc)
	}
	return "signed JWT (JWS, " + t.Alg + ")"
}

// parseFormat reads --format; "" is every format (decode) or the default.
func parseFormat(s string) (authsession.Format, error) {
	switch f := authsession.Format(s); f {
	case "", authsession.FormatAuthJS, authsession.FormatAuthJSv4, authsession.FormatJWS:
		return f, nil
	}
	return "", fmt.Errorf("--format %s is not one of authjs, authjs-v4, jws", cmdutil.Quote(s))
}
