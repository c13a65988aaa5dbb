package users

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/password"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// On a terminal the password is asked twice (without echo: ReadSecret
// stands for term.ReadPassword) and both must match.
func TestSetPasswordPromptsTwice(t *testing.T) {
	ctx := context.Background()
	url := "sqlite:" + filepath.Join(t.TempDir(), "authkit.db")
	st, err := sqlstore.Open(ctx, url, sqlstore.Options{Create: true, AllowUnmigrated: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.User{Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	run := func(answers ...string) (string, error) {
		var out, errOut bytes.Buffer
		f := &cmdutil.Factory{IO: cmdutil.IOStreams{In: strings.NewReader("stdin-is-not-read\n"), Out: &out, ErrOut: &errOut, InTTY: true},
			DatabaseURL: url, Getenv: func(string) string { return "" }, Now: time.Now}
		i := 0
		opts := &SetPasswordOptions{Factory: f, User: u.ID, ReadSecret: func() ([]byte, error) {
			if i >= len(answers) {
				return nil, errors.New("no more input")
			}
			i++
			return []byte(answers[i-1]), nil
		}}
		err := runSetPassword(ctx, opts)
		return out.String() + errOut.String(), err
	}
	output, err := run("first-password", "other-password")
	if err == nil || !strings.Contains(err.Error(), "the two passwords differ") || cmdutil.ExitCode(err) != 1 {
		t.Fatalf("mismatch: %v", err)
	}
	if strings.Contains(output, "first-password") || !strings.Contains(output, "New password: ") || !strings.Contains(output, "Repeat it: ") {
		t.Fatalf("prompt output %q", output)
	}
	if _, err := st.PasswordHash(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("stored after a mismatch: %v", err)
	}
	if _, err := run(""); !errors.Is(err, password.ErrEmpty) {
		t.Fatalf("empty: %v", err)
	}
	output, err = run("good-password-1", "good-password-1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(output, "good-password-1") {
		t.Fatalf("output shows the password: %q", output)
	}
	if h, err := st.PasswordHash(ctx, u.ID); err != nil || !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("stored %q, %v", h, err)
	}
}
