// Package users implements `authkit users`: list, show, create and delete
// users, link and unlink their accounts, find duplicate users and merge
// them, and set their passwords.
//
// Every command reads the store through Factory.OpenStore. Every change is
// one transaction that also records an audit event (store.Event) naming the
// actor (Factory.Actor). Data goes to stdout, messages to stderr; every
// read command has --json.
package users

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/spf13/cobra"
)

// NewCmdUsers returns the `authkit users` command group.
func NewCmdUsers(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.Group(&cobra.Command{
		Use:   "users",
		Short: "List, create, link, merge and delete users",
		Long: `Administers the users of the database in force, their linked accounts and
their sessions. A <user> argument is a user id or an email address.

Changes are each one transaction and are recorded in the audit log
(` + "`authkit events list`" + `) on the authkit schema. Destructive commands ask for
confirmation on a terminal and need --yes otherwise.`,
	})
	cmd.AddCommand(
		NewCmdList(f),
		NewCmdShow(f),
		NewCmdCreate(f),
		NewCmdDelete(f),
		NewCmdLink(f),
		NewCmdUnlink(f),
		NewCmdDuplicates(f),
		NewCmdMerge(f),
		NewCmdSetPassword(f),
	)
	return cmd
}

// LinkTypes are the account types `users link --type` accepts: the store's
// (store.AccountTypes) but webauthn. A WebAuthn (passkey) account is made
// by a passkey registration together with its authenticator (credential id
// and public key), which a command line cannot supply.
var LinkTypes = slices.DeleteFunc(slices.Clone(store.AccountTypes), func(t string) bool { return t == "webauthn" })

// userJSON is the stable JSON shape of a user. Absent values (no name, no
// email, no image, an unverified email) are null, never "".
type userJSON struct {
	ID            string        `json:"id"`
	Name          *string       `json:"name"`
	Email         *string       `json:"email"`
	EmailVerified *time.Time    `json:"emailVerified"`
	Image         *string       `json:"image"`
	Accounts      []accountJSON `json:"accounts"`
}

// accountJSON is the stable JSON shape of a linked account. Tokens are
// never part of it.
type accountJSON struct {
	Provider          string `json:"provider"`
	Type              string `json:"type"`
	ProviderAccountID string `json:"providerAccountId"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toUserJSON(u store.User, accounts []store.Account) userJSON {
	j := userJSON{ID: u.ID, Name: optional(u.Name), Email: optional(u.Email), Image: optional(u.Image),
		Accounts: toAccountsJSON(accounts)}
	if u.EmailVerified != nil {
		t := u.EmailVerified.UTC()
		j.EmailVerified = &t
	}
	return j
}

func toAccountsJSON(accounts []store.Account) []accountJSON {
	out := make([]accountJSON, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, accountJSON{Provider: a.Provider, Type: a.Type, ProviderAccountID: a.ProviderAccountID})
	}
	return out
}

// userHeader and userRow are the table columns of a user, shared by list,
// create and duplicates.
var userHeader = []string{"ID", "EMAIL", "NAME", "VERIFIED", "ACCOUNTS"}

func userRow(u store.User, accounts []store.Account) []string {
	return []string{u.ID, u.Email, u.Name, verified(u.EmailVerified), providers(accounts)}
}

func verified(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// providers summarises accounts as "github, google", with a count for a
// provider held more than once: "github (2)".
func providers(accounts []store.Account) string {
	var names []string
	counts := map[string]int{}
	for _, a := range accounts {
		if counts[a.Provider] == 0 {
			names = append(names, a.Provider)
		}
		counts[a.Provider]++
	}
	for i, n := range names {
		if counts[n] > 1 {
			names[i] = fmt.Sprintf("%s (%d)", n, counts[n])
		}
	}
	return strings.Join(names, ", ")
}

// describe names a user in messages: its id, and its email when it has one.
// The result is safe to print.
func describe(u store.User) string {
	if u.Email == "" {
		return cmdutil.Quote(u.ID)
	}
	return fmt.Sprintf("%s (%s)", cmdutil.Quote(u.ID), cmdutil.Safe(u.Email))
}

// accountName is "provider/providerAccountId", safe to print.
func accountName(provider, accountID string) string {
	return cmdutil.Safe(provider) + "/" + cmdutil.Safe(accountID)
}

// fixFindUser is the hint for an unknown user.
const fixFindUser = "check the id or email with `authkit users list --email <part of it>`"

// notFoundFix is fixFindUser for a missing user, else "".
func notFoundFix(err error) string {
	if errors.Is(err, store.ErrNotFound) {
		return fixFindUser
	}
	return ""
}

// openUser checks the <user> argument, opens the store and finds the user
// it names (an id or an email). The caller closes the store.
func openUser(ctx context.Context, f *cmdutil.Factory, action, ref string) (*sqlstore.Store, store.User, error) {
	if err := checkUserArg(action, ref); err != nil {
		return nil, store.User{}, err
	}
	st, err := f.OpenStore(ctx, sqlstore.Options{})
	if err != nil {
		return nil, store.User{}, err
	}
	u, err := cmdutil.ResolveUser(ctx, st, ref)
	if err != nil {
		st.Close()
		return nil, store.User{}, cmdutil.FailStore(action, err, fixFindUser)
	}
	return st, u, nil
}

// checkUserArg rejects an empty <user> argument before any lookup.
func checkUserArg(action, ref string) error {
	if strings.TrimSpace(ref) == "" {
		return cmdutil.Usage(action, "pass a user id or an email address", "the user argument is empty")
	}
	return cmdutil.CheckText(action, "the user", ref)
}

// ValidateEmail reports whether s is a plausible email address: valid
// UTF-8 with exactly one '@', text on both sides, and no spaces, control,
// format (such as U+202E) or other invisible characters. It is not an
// RFC 5322 parser; the provider that verifies the address has the last word.
func ValidateEmail(s string) error {
	switch {
	case s == "":
		return errors.New("the email is empty")
	case !utf8.ValidString(s):
		return errors.New("the email is not valid UTF-8")
	case len(s) > 320:
		return errors.New("the email is longer than 320 bytes")
	}
	for _, r := range s {
		if unicode.IsSpace(r) {
			return errors.New("the email contains a space")
		}
		if !unicode.IsGraphic(r) {
			return fmt.Errorf("the email contains the invisible or control character %U", r)
		}
	}
	local, domain, ok := strings.Cut(s, "@")
	switch {
	case !ok:
		return errors.New("the email has no '@'")
	case strings.Contains(domain, "@"):
		return errors.New("the email has more than one '@'")
	case local == "":
		return errors.New("the email has nothing before the '@'")
	case domain == "":
		return errors.New("the email has nothing after the '@'")
	}
	return nil
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9@%+=:,./_-]+$`)

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// mergeCommand is the command line that merges sources into target.
func mergeCommand(target string, sources []string) string {
	parts := []string{"authkit", "users", "merge", shellQuote(target)}
	for _, s := range sources {
		parts = append(parts, shellQuote(s))
	}
	return strings.Join(parts, " ")
}

// plural is "1 account" or "2 accounts".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
