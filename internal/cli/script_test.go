package cli_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/authkit-dev/authkit/internal/cli"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"authkit":     func() { os.Exit(cli.Run(context.Background(), cmdutil.NewFactory(), os.Args[1:])) },
		"testbrowser": func() { os.Exit(testBrowser(os.Args[1:])) },
	})
}

// TestScripts runs the txtar scripts in testdata/script. The program
// testbrowser URL plays a browser (BROWSER=testbrowser for authkit login). Each script starts
// with AUTHKIT_DATABASE_URL set to a fresh SQLite file in its work
// directory. Extra commands:
//
//	pgdb             point AUTHKIT_DATABASE_URL at a fresh throwaway Postgres
//	                 database; guard it with `[!postgres] skip`
//	sqlcount T N     assert table T has N rows in the database in force
//	sqlexec SQL      run a statement on the database in force
//	exits N CMD...   run CMD and assert its exit code is N
//	sqlfile FILE     run the statements of FILE ($DDL holds the Auth.js DDL)
//	envfile N FILE   set $N to the content of FILE, trimmed
//	tamper IN OUT    copy a token with one character of its ciphertext changed
//	cookieheader IN OUT [n=v...]  Set-Cookie lines to one Cookie header
//	filemode FILE M  assert FILE's permission bits are M (octal)
//	masksecrets IN OUT  copy a dotenv file with AUTH_SECRET values as ***
//	vector NAME token|cookies OUT  write an Auth.js interop vector's field
//	devidp [NAME] [-shape S] [-user E[:N]]... [-fail F]...  start an in-process
//	                 dev identity provider; sets DEVIDP_URL, DEVIDP_ISSUER,
//	                 DEVIDP_PORT, DEVIDP_HOSTPORT (DEVIDP_<NAME>_... when named)
//	devidpfail [NAME] [F...]  change its failure modes (none: all off)
//	devidpcount [NAME] KIND N  assert it received N requests of KIND
//	freeport NAME    set $NAME to a free port of 127.0.0.1
//	httpget [-status N] [-wait] [-nofollow] URL  GET URL, the body on stdout
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("..", "..", "testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("AUTHKIT_DATABASE_URL", "sqlite:"+filepath.Join(env.WorkDir, "authkit.db"))
			env.Setenv("DATABASE_URL", "")
			env.Setenv("NO_COLOR", "1")
			ddl, err := filepath.Abs(filepath.Join("..", "..", "testdata", "ddl"))
			if err != nil {
				return err
			}
			env.Setenv("DDL", ddl)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"pgdb":         cmdPgdb,
			"sqlcount":     cmdSQLCount,
			"sqlexec":      cmdSQLExec,
			"exits":        cmdExits,
			"sqlfile":      cmdSQLFile,
			"envfile":      cmdEnvFile,
			"tamper":       cmdTamper,
			"cookieheader": cmdCookieHeader,
			"filemode":     cmdFileMode,
			"masksecrets":  cmdMaskSecrets,
			"vector":       cmdVector,
			"devidp":       cmdDevIdP,
			"devidpfail":   cmdDevIdPFail,
			"devidpcount":  cmdDevIdPCount,
			"freeport":     cmdFreePort,
			"httpget":      cmdHTTPGet,
		},
		Condition: func(cond string) (bool, error) {
			if cond == "postgres" {
				return hasPostgres(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}
