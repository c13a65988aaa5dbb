package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
)

// `storebench checklist --users N [--serial]` reads the output of
// `authkit users list --json` on stdin, streaming, and checks it against the
// data set: every user exactly once, in id order (numeric for serial ids),
// each with its own two accounts (GitHub then Google, the ids the seeder
// gave user i), so a join that split, lost or mixed up users would show.
func cmdChecklist(args []string) error {
	fs := flag.NewFlagSet("checklist", flag.ExitOnError)
	var c commonFlags
	addCommon(fs, &c)
	serial := fs.Bool("serial", false, "ids are serial numbers (authjs-pg): compare them as numbers")
	fs.Parse(args)
	dec := json.NewDecoder(bufio.NewReaderSize(os.Stdin, 1<<20))
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return fmt.Errorf("the output does not start a JSON array (%v, %v)", t, err)
	}
	type account struct {
		Provider, Type    string
		ProviderAccountID string `json:"providerAccountId"`
	}
	var u struct {
		ID       string    `json:"id"`
		Email    *string   `json:"email"`
		Accounts []account `json:"accounts"`
	}
	seen := make([]bool, c.gen.users)
	users, accounts := 0, 0
	prev, prevN := "", int64(-1)
	for dec.More() {
		u.Email, u.Accounts = nil, nil
		if err := dec.Decode(&u); err != nil {
			return fmt.Errorf("user %d: %w", users+1, err)
		}
		users++
		accounts += len(u.Accounts)
		if *serial {
			n, err := strconv.ParseInt(u.ID, 10, 64)
			if err != nil || n <= prevN {
				return fmt.Errorf("user %d: id %q does not follow %d", users, u.ID, prevN)
			}
			prevN = n
		} else if u.ID <= prev {
			return fmt.Errorf("user %d: id %q does not follow %q", users, u.ID, prev)
		}
		prev = u.ID
		if len(u.Accounts) != 2 || u.Accounts[0].Provider != "github" || u.Accounts[1].Provider != "google" {
			return fmt.Errorf("user %s: accounts %+v, want GitHub then Google", u.ID, u.Accounts)
		}
		gh, err := strconv.Atoi(u.Accounts[0].ProviderAccountID)
		i := (gh - 10000000) / 7
		if err != nil || i < 0 || i >= c.gen.users || (gh-10000000)%7 != 0 {
			return fmt.Errorf("user %s: GitHub account %q is not one of the data set", u.ID, u.Accounts[0].ProviderAccountID)
		}
		want := c.gen.accounts(i)
		if seen[i] {
			return fmt.Errorf("user %s: the accounts of user %d appear twice", u.ID, i)
		}
		seen[i] = true
		if u.Accounts[1].ProviderAccountID != want[1].providerAccountID || u.Email == nil || *u.Email != c.gen.email(i) {
			return fmt.Errorf("user %s: email %v and Google account %s, want user %d's %q and %s", u.ID, deref(u.Email),
				u.Accounts[1].ProviderAccountID, i, c.gen.email(i), want[1].providerAccountID)
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim(']') {
		return fmt.Errorf("the JSON array is not closed after %d users (%v, %v)", users, t, err)
	}
	if users != c.gen.users || accounts != 2*c.gen.users {
		return fmt.Errorf("%d users and %d accounts, want %d and %d", users, accounts, c.gen.users, 2*c.gen.users)
	}
	fmt.Printf("ok: %d users in id order, each with its own 2 accounts (%d)\n", users, accounts)
	return nil
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return strconv.Quote(*s)
}
