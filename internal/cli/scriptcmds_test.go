package cli_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdPgdb points the script at a fresh throwaway Postgres database, dropped
// when the script ends. Scripts guard it with `[!postgres] skip`.
func cmdPgdb(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! pgdb")
	}
	base := os.Getenv("AUTHKIT_TEST_POSTGRES_URL")
	if base == "" {
		ts.Fatalf("AUTHKIT_TEST_POSTGRES_URL is not set (AUTHKIT_REQUIRE_ALL=1 makes Postgres scripts mandatory)")
	}
	url, drop, err := testenv.CreatePostgresDB(context.Background(), base)
	ts.Check(err)
	ts.Defer(func() {
		if err := drop(); err != nil {
			ts.Logf("drop throwaway database: %v", err)
		}
	})
	ts.Setenv("AUTHKIT_DATABASE_URL", url)
}

// hasPostgres is the [postgres] condition: a server is configured, or
// AUTHKIT_REQUIRE_ALL=1 demands one (and pgdb then fails loudly).
func hasPostgres() bool {
	return os.Getenv("AUTHKIT_TEST_POSTGRES_URL") != "" || testenv.RequireAll()
}

func scriptDB(ts *testscript.TestScript) (*sql.DB, func()) {
	raw := ts.Getenv("AUTHKIT_DATABASE_URL")
	target, err := sqlstore.ParseURL(raw)
	ts.Check(err)
	var db *sql.DB
	if target.Engine == sqlstore.EngineSQLite {
		db, err = sql.Open("sqlite", "file:"+ts.MkAbs(target.Path)+"?mode=rw")
	} else {
		db, err = sql.Open("pgx", raw)
	}
	ts.Check(err)
	return db, func() { db.Close() }
}

func cmdSQLCount(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sqlcount TABLE N")
	}
	db, done := scriptDB(ts)
	defer done()
	var n int
	ts.Check(db.QueryRowContext(context.Background(), `SELECT count(*) FROM "`+args[0]+`"`).Scan(&n))
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	if (n == want) == neg {
		ts.Fatalf("table %s has %d rows, want %s%d", args[0], n, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

func cmdSQLExec(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: sqlexec 'SQL'")
	}
	db, done := scriptDB(ts)
	defer done()
	_, err := db.ExecContext(context.Background(), args[0])
	if (err != nil) != neg {
		ts.Fatalf("sqlexec: %v", err)
	}
}

// cmdExits runs a command and asserts its exit code: `exits 3 authkit users show x`.
// Its stdout and stderr are kept for the stdout and stderr commands.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

// cmdSQLFile runs the statements of a file on the database in force:
// `sqlfile $DDL/authjs-pg.postgres.sql`.
func cmdSQLFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sqlfile FILE")
	}
	db, done := scriptDB(ts)
	defer done()
	_, err := db.ExecContext(context.Background(), ts.ReadFile(args[0]))
	ts.Check(err)
}

// cmdEnvFile sets an environment variable to a file's content, surrounding
// white space trimmed: `envfile TOKEN token.txt`, then `$TOKEN`.
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile NAME FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// cmdTamper copies a compact token from IN to OUT with one character of
// its second-to-last part (the JWE ciphertext, or the JWS payload)
// changed: `tamper token.txt tampered.txt`.
func cmdTamper(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: tamper IN OUT")
	}
	token := strings.TrimSpace(ts.ReadFile(args[0]))
	parts := strings.Split(token, ".")
	if len(parts) < 3 {
		ts.Fatalf("tamper: %s is not a compact token", args[0])
	}
	part := []byte(parts[len(parts)-2])
	i := len(part) / 2
	if part[i] == 'A' {
		part[i] = 'B'
	} else {
		part[i] = 'A'
	}
	parts[len(parts)-2] = string(part)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(parts, ".")+"\n"), 0o644))
}

// cmdCookieHeader turns Set-Cookie lines (with or without the
// "Set-Cookie: " prefix) into one Cookie request header, in order:
// `cookieheader setcookies.txt header.txt`. Extra pairs given after the
// files are added first: `cookieheader in out theme=dark`.
func cmdCookieHeader(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: cookieheader IN OUT [name=value...]")
	}
	pairs := append([]string(nil), args[2:]...)
	for _, line := range strings.Split(ts.ReadFile(args[0]), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "Set-Cookie: ")
		if pair, _, _ := strings.Cut(line, ";"); pair != "" {
			pairs = append(pairs, pair)
		}
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(pairs, "; ")+"\n"), 0o644))
}

// cmdFileMode asserts a file's permission bits: `filemode .env 0600`.
func cmdFileMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filemode FILE MODE")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	st, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	if got := st.Mode().Perm(); (got == os.FileMode(want)) == neg {
		ts.Fatalf("%s has mode %04o, want %s%04o", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// cmdMaskSecrets copies a dotenv file from IN to OUT with the value of
// every AUTH_SECRET line replaced by ***, so that a file holding a fresh
// random secret can be compared with cmp: `masksecrets .env masked`.
func cmdMaskSecrets(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: masksecrets IN OUT")
	}
	re := regexp.MustCompile(`(?m)^(\s*(?:export\s+)?AUTH_SECRET\s*=).*?(\r?)$`)
	out := re.ReplaceAllString(ts.ReadFile(args[0]), "${1}***${2}")
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(out), 0o644))
}

// cmdVector writes a field of one of the Auth.js interop vectors
// (testdata/session/vectors.json, minted by the real @auth/core and
// next-auth) to a file: `vector v5-plain token token.txt`, or
// `vector v5-large-chunked cookies setcookies.txt` for its Set-Cookie
// lines, one a line.
func cmdVector(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 || (args[1] != "token" && args[1] != "cookies") {
		ts.Fatalf("usage: vector NAME token|cookies OUT")
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "session", "vectors.json"))
	ts.Check(err)
	var file struct {
		Vectors []struct {
			Name    string   `json:"name"`
			Token   string   `json:"token"`
			Cookies []string `json:"cookies"`
		} `json:"vectors"`
	}
	ts.Check(json.Unmarshal(data, &file))
	for _, v := range file.Vectors {
		if v.Name != args[0] {
			continue
		}
		out := v.Token + "\n"
		if args[1] == "cookies" {
			if len(v.Cookies) == 0 {
				ts.Fatalf("vector %s has no cookies", v.Name)
			}
			out = strings.Join(v.Cookies, "\n") + "\n"
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(out), 0o644))
		return
	}
	ts.Fatalf("no vector named %q", args[0])
}

// The dev identity provider in scripts. Each script has its own providers,
// by name ("" is the default one), stopped when the script ends.
var (
	scriptIdPsMu sync.Mutex
	scriptIdPs   = map[*testscript.TestScript]map[string]*devidp.Server{}
)

// scriptIdP is the provider called name in ts's script.
func scriptIdP(ts *testscript.TestScript, name string) *devidp.Server {
	scriptIdPsMu.Lock()
	defer scriptIdPsMu.Unlock()
	s := scriptIdPs[ts][name]
	if s == nil {
		ts.Fatalf("no dev identity provider %q: start it with devidp first", name)
	}
	return s
}

// idpName splits an optional provider name (a first argument that is not
// a flag) from args.
func idpName(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

// idpEnvPrefix is DEVIDP_ for the default provider, DEVIDP_<NAME>_ else.
func idpEnvPrefix(name string) string {
	if name == "" {
		return "DEVIDP_"
	}
	return "DEVIDP_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_"
}

type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// cmdDevIdP starts an in-process dev identity provider on a free port of
// 127.0.0.1 for the rest of the script:
//
//	devidp [NAME] [-shape S] [-user EMAIL[:NAME]]... [-client-id ID]
//	       [-client-secret SECRET] [-fail F]... [-login-page]
//	       [-token-delay D] [-redirect-uri URI]... [-signing-alg A]
//
// It sets DEVIDP_URL, DEVIDP_ISSUER, DEVIDP_PORT and DEVIDP_HOSTPORT
// (DEVIDP_<NAME>_URL, ... for a named one, so that a script can run two
// providers, for mix-up tests). The provider stops when the script ends.
func cmdDevIdP(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! devidp")
	}
	name, args := idpName(args)
	fs := flag.NewFlagSet("devidp", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var users, fails, redirects stringsFlag
	var opts devidp.Options
	shape := fs.String("shape", "oidc", "")
	fs.Var(&users, "user", "")
	fs.Var(&fails, "fail", "")
	fs.Var(&redirects, "redirect-uri", "")
	fs.StringVar(&opts.ClientID, "client-id", "", "")
	fs.StringVar(&opts.ClientSecret, "client-secret", "", "")
	fs.BoolVar(&opts.LoginPage, "login-page", false, "")
	fs.DurationVar(&opts.TokenDelay, "token-delay", 0, "")
	fs.StringVar(&opts.SigningAlg, "signing-alg", "", "")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		ts.Fatalf("usage: devidp [NAME] [-shape S] [-user EMAIL[:NAME]]... [-client-id ID] [-client-secret S] [-fail F]... [-login-page] [-token-delay D] [-redirect-uri URI]... [-signing-alg A] (%v)", err)
	}
	opts.Shape, opts.RedirectURIs = devidp.Shape(*shape), redirects
	for _, u := range users {
		user, err := devidp.ParseUser(u)
		ts.Check(err)
		opts.Users = append(opts.Users, user)
	}
	for _, f := range fails {
		failure, err := devidp.ParseFailure(f)
		ts.Check(err)
		opts.Failures = append(opts.Failures, failure)
	}
	srv, err := devidp.New(opts)
	ts.Check(err)
	ts.Check(srv.Start("127.0.0.1:0"))
	scriptIdPsMu.Lock()
	if scriptIdPs[ts] == nil {
		scriptIdPs[ts] = map[string]*devidp.Server{}
	}
	if scriptIdPs[ts][name] != nil {
		scriptIdPsMu.Unlock()
		srv.Close()
		ts.Fatalf("devidp %q is already running", name)
	}
	scriptIdPs[ts][name] = srv
	scriptIdPsMu.Unlock()
	ts.Defer(func() {
		srv.Close()
		scriptIdPsMu.Lock()
		delete(scriptIdPs[ts], name)
		if len(scriptIdPs[ts]) == 0 {
			delete(scriptIdPs, ts)
		}
		scriptIdPsMu.Unlock()
	})
	hostport := strings.TrimPrefix(srv.URL(), "http://")
	_, port, _ := net.SplitHostPort(hostport)
	prefix := idpEnvPrefix(name)
	ts.Setenv(prefix+"URL", srv.URL())
	ts.Setenv(prefix+"ISSUER", srv.Issuer())
	ts.Setenv(prefix+"HOSTPORT", hostport)
	ts.Setenv(prefix+"PORT", port)
}

// cmdDevIdPFail changes the failure modes of a running provider:
// `devidpfail [NAME] wrong_iss nonce_mismatch`, where NAME is taken for a
// provider's name when one of the script's providers has it; no failure
// turns them all off.
func cmdDevIdPFail(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! devidpfail")
	}
	name := ""
	if len(args) > 0 && scriptIdPsHas(ts, args[0]) {
		name, args = args[0], args[1:]
	}
	var fs []devidp.Failure
	for _, a := range args {
		f, err := devidp.ParseFailure(a)
		ts.Check(err)
		fs = append(fs, f)
	}
	ts.Check(scriptIdP(ts, name).SetFailures(fs...))
}

func scriptIdPsHas(ts *testscript.TestScript, name string) bool {
	scriptIdPsMu.Lock()
	defer scriptIdPsMu.Unlock()
	return scriptIdPs[ts][name] != nil
}

// cmdDevIdPCount asserts how many requests of a kind (authorize, token,
// userinfo, emails, discovery, jwks, login, end_session) a provider has
// received: `devidpcount token 0` after a refused callback (catalogue §0
// item 4), or `devidpcount NAME token 1`.
func cmdDevIdPCount(ts *testscript.TestScript, neg bool, args []string) {
	name := ""
	if len(args) == 3 {
		name, args = args[0], args[1:]
	}
	if len(args) != 2 {
		ts.Fatalf("usage: devidpcount [NAME] KIND N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	got := scriptIdP(ts, name).Count(devidp.Kind(args[0]))
	if (got == want) == neg {
		ts.Fatalf("the dev identity provider %q received %d %s request(s), want %s%d", name, got, args[0], map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// cmdFreePort sets $NAME to a port of 127.0.0.1 that was free a moment
// ago: `freeport PORT`.
func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport NAME")
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	ts.Check(err)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ts.Check(ln.Close())
	ts.Setenv(args[0], port)
}

// cmdHTTPGet GETs a URL and writes the body on stdout, for the stdout
// command:
//
//	httpget [-status N] [-wait] [-nofollow] URL
//
// -status asserts the status (default 200); -wait retries refused
// connections for up to 10 seconds (a server still starting);
// -nofollow does not follow a redirect and prints its Location as a last
// line, "Location: URL".
func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! httpget (use -status)")
	}
	fs := flag.NewFlagSet("httpget", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	status := fs.Int("status", 200, "")
	wait := fs.Bool("wait", false, "")
	nofollow := fs.Bool("nofollow", false, "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		ts.Fatalf("usage: httpget [-status N] [-wait] [-nofollow] URL")
	}
	client := &http.Client{Timeout: 10 * time.Second}
	if *nofollow {
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	deadline := time.Now().Add(10 * time.Second)
	var resp *http.Response
	var err error
	for {
		resp, err = client.Get(fs.Arg(0))
		if err == nil || !*wait || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	ts.Check(err)
	out := ts.Stdout()
	out.Write(body)
	if loc := resp.Header.Get("Location"); *nofollow && loc != "" {
		fmt.Fprintf(out, "\nLocation: %s\n", loc)
	}
	if resp.StatusCode != *status {
		ts.Fatalf("GET %s: status %d, want %d\n%s", fs.Arg(0), resp.StatusCode, *status, body)
	}
}
