package users_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/pkg/password"
	"github.com/authkit-dev/authkit/pkg/store"
)

func TestSetPasswordStoresArgon2id(t *testing.T) {
	db := newTestDB(t)
	u := db.createUser(t, store.User{Email: "ada@example.com"})
	const pw = "canary-Pässwörd-81"
	r := db.run(t, pw+"\n", false, nil, "users", "set-password", "ada@example.com")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	if strings.Contains(r.Stdout+r.Stderr, pw) || strings.Contains(r.Stdout+r.Stderr, "argon2") {
		t.Fatalf("the output shows the password or its hash:\n%s%s", r.Stdout, r.Stderr)
	}
	ctx := context.Background()
	h, err := db.st.PasswordHash(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("stored hash %q is not a current argon2id PHC string", h)
	}
	if ok, rehash, err := password.Verify(pw, h); !ok || rehash || err != nil {
		t.Fatalf("Verify = %v, %v, %v", ok, rehash, err)
	}
	// The decomposed form of the same password (NFKC) verifies too.
	if ok, _, _ := password.Verify("canary-Pa\u0308sswo\u0308rd-81", h); !ok {
		t.Fatal("the NFKC-equivalent password does not verify")
	}
	events, err := db.st.ListEvents(ctx, store.EventQuery{UserID: u.ID, Type: store.EventSetPassword})
	if err != nil || len(events) != 1 {
		t.Fatalf("events = %v, %v; want one %s", events, err, store.EventSetPassword)
	}
	for k, v := range events[0].Detail {
		if strings.Contains(v, pw) || strings.Contains(v, h) {
			t.Fatalf("event detail %s reveals the secret", k)
		}
	}

	// Setting again replaces the hash; CRLF input drops the "\r".
	r = db.run(t, "another password\r\n", false, nil, "users", "set-password", u.ID)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	h2, _ := db.st.PasswordHash(ctx, u.ID)
	if ok, _, _ := password.Verify("another password", h2); !ok || h2 == h {
		t.Fatal("the password was not replaced")
	}
}

func TestSetPasswordRefusals(t *testing.T) {
	db := newTestDB(t)
	u := db.createUser(t, store.User{Email: "ada@example.com"})
	for _, tc := range []struct {
		name, stdin, stderr string
		code                int
	}{
		{"empty", "", "the password is empty", 1},
		{"empty line", "\n", "the password is empty", 1},
		{"short", "seven77\n", "shorter than 8 characters", 1},
		{"short after NFKC", "e\u0301e\u0301e\u0301e\u0301\n", "shorter than 8 characters", 1},
		{"too long", strings.Repeat("x", password.MaxLength+1) + "\n", "longer than 1024 bytes", 1},
		{"megabyte", strings.Repeat("x", 1<<20), "longer than 1024 bytes", 1},
		{"two lines", "first-password\nsecond-password\n", "more than one line", 1},
		{"invalid UTF-8", "abcdefgh\xff\n", "not valid UTF-8", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := db.run(t, tc.stdin, false, nil, "users", "set-password", u.ID)
			if r.Code != tc.code || !strings.Contains(r.Stderr, tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", r.Code, r.Stderr, tc.code, tc.stderr)
			}
			if secret := strings.TrimSpace(tc.stdin); secret != "" && len(secret) < 100 && strings.Contains(r.Stderr+r.Stdout, secret) {
				t.Fatalf("the output shows the password: %q", r.Stderr)
			}
			if _, err := db.st.PasswordHash(context.Background(), u.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a password was stored: %v", err)
			}
		})
	}
	// No flag takes the password.
	r := db.run(t, "", false, nil, "users", "set-password", u.ID, "--password", "secret-pw-1")
	if r.Code != 2 {
		t.Fatalf("--password: exit %d, want 2", r.Code)
	}
	r = db.run(t, "", false, nil, "users", "set-password", u.ID, "secret-pw-1")
	if r.Code != 2 {
		t.Fatalf("extra argument: exit %d, want 2", r.Code)
	}
}
