// Command sessionbench is the Go side of bench/session.sh: it mints an
// Auth.js v5 session token, or decodes one in a loop for a fixed time and
// prints how many it decoded. The secret comes from AUTHKIT_BENCH_SECRET,
// the token from stdin.
//
//	sessionbench mint   > token
//	sessionbench decode -duration 5s < token
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/pkg/session"
)

const salt = "authjs.session-token"

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: sessionbench mint|decode [-duration D]"))
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	duration := fs.Duration("duration", 5*time.Second, "how long to decode")
	fs.Parse(os.Args[2:])
	secret := os.Getenv("AUTHKIT_BENCH_SECRET")
	codec, err := session.NewAuthJS([]string{secret}, salt)
	if err != nil {
		fail(err)
	}
	switch os.Args[1] {
	case "mint":
		tok, err := codec.Encode(session.Claims{
			"name":    "Ada Lovelace",
			"email":   "ada@example.com",
			"picture": "https://avatars.githubusercontent.com/u/1234567?v=4",
			"sub":     "8f14e45f-ceea-467e-a0b8-0b2d0e4b8c11",
		}, session.EncodeOptions{})
		if err != nil {
			fail(err)
		}
		fmt.Println(tok)
	case "decode":
		in, err := io.ReadAll(os.Stdin)
		if err != nil {
			fail(err)
		}
		tok := strings.TrimSpace(string(in))
		ops, start := 0, time.Now()
		for time.Since(start) < *duration {
			for range 1000 {
				if _, err := session.Decode(codec, tok, time.Now()); err != nil {
					fail(err)
				}
			}
			ops += 1000
		}
		secs := time.Since(start).Seconds()
		json.NewEncoder(os.Stdout).Encode(map[string]any{"impl": "authkit", "ops": ops, "seconds": secs, "perSecond": float64(ops) / secs})
	default:
		fail(fmt.Errorf("unknown command %q", os.Args[1]))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sessionbench:", err)
	os.Exit(1)
}
