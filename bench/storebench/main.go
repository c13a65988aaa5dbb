// Command storebench seeds and inspects the databases of the store
// benchmark (bench/store.sh): a native authkit database, or an Auth.js
// one, with N users of two accounts each and a sprinkling of duplicate
// emails, on SQLite or Postgres.
//
//	storebench seed   --database-url URL --schema authkit --users 1000000
//	storebench check  --database-url URL --schema authkit --users 1000000
//	storebench email  --users 1000000 [--index I]
//	storebench plans  --pg URL --pglog FILE --db NAME --since OFFSET [--sqlite sqlite:PATH]
//	storebench explain --sqlite sqlite:PATH SQL...
//	authkit users list --json | storebench checklist --users 1000000 [--serial]
//
// The data set is deterministic: user i has the same id, email and
// accounts on every engine and every run, so the script can name a user
// without reading the database and a seeded database can be reused.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "seed":
		err = cmdSeed(ctx, os.Args[2:])
	case "check":
		err = cmdCheck(ctx, os.Args[2:])
	case "email":
		err = cmdEmail(os.Args[2:])
	case "plans":
		err = cmdPlans(ctx, os.Args[2:])
	case "explain":
		err = cmdExplain(ctx, os.Args[2:])
	case "checklist":
		err = cmdChecklist(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		var mismatch errMismatch
		fmt.Fprintln(os.Stderr, "storebench:", err)
		if errors.As(err, &mismatch) {
			os.Exit(3)
		}
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: storebench seed|check|email|plans|explain|checklist [flags]; see bench/README.md")
	os.Exit(2)
}

// errMismatch: the database exists but does not hold the requested data set.
type errMismatch struct{ msg string }

func (e errMismatch) Error() string { return e.msg }

type commonFlags struct {
	url    string
	schema string
	gen    gen
	ddl    string
}

func addCommon(fs *flag.FlagSet, c *commonFlags) {
	fs.StringVar(&c.url, "database-url", "", "database URL: sqlite:PATH or postgres://...")
	fs.StringVar(&c.schema, "schema", "authkit", "schema profile to create: authkit, authjs-pg (Postgres) or authjs-drizzle (SQLite)")
	fs.IntVar(&c.gen.users, "users", 1_000_000, "number of users (each with a GitHub and a Google account)")
	fs.IntVar(&c.gen.dupEvery, "dup-every", 10_000, "every Nth user is a duplicate of the previous one, its email spelt differently (0: none)")
	fs.BoolVar(&c.gen.tokens, "tokens", true, "store realistic OAuth tokens (access, refresh, id_token) on the accounts")
	fs.IntVar(&c.gen.sessions, "sessions-every", 2, "every Nth user has a database session (0: none)")
	fs.StringVar(&c.ddl, "ddl", "", "DDL of the Auth.js schema (default testdata/ddl/<schema>.<engine>.sql)")
}

func cmdEmail(args []string) error {
	fs := flag.NewFlagSet("email", flag.ExitOnError)
	var c commonFlags
	addCommon(fs, &c)
	index := fs.Int("index", -1, "user index (default: the middle user)")
	key := fs.Bool("key", false, "print the normalised key instead of the stored spelling")
	twin := fs.Bool("twin", false, "pick the middle duplicate instead of the middle user")
	fs.Parse(args)
	i := *index
	if i < 0 {
		i = c.gen.users / 2
		if *twin {
			g := c.gen.groups()
			if g == 0 {
				return fmt.Errorf("the data set has no duplicates (--dup-every 0)")
			}
			i = (g/2+1)*c.gen.dupEvery - 1
		} else if c.gen.isTwin(i) {
			i--
		}
	}
	if i >= c.gen.users {
		return fmt.Errorf("user %d does not exist in a data set of %d users", i, c.gen.users)
	}
	if *key {
		fmt.Println(c.gen.key(i))
	} else {
		fmt.Println(c.gen.email(i))
	}
	return nil
}
