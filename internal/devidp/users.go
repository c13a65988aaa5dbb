package devidp

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/mail"
	"strconv"
	"strings"
)

// User is an account at the identity provider. Only Email is required;
// the rest is derived from it when empty, the same way on every run, so
// that a user keeps its subject across restarts.
type User struct {
	// Email is the user's address (required, unique).
	Email string `json:"email"`
	// Name is the display name; empty gives GitHub's name null and
	// Discord's global_name null, and no name claim on OIDC.
	Name string `json:"name,omitempty"`
	// EmailVerified says whether the provider vouches for the email;
	// nil is true. The unverified_email failure overrides it.
	EmailVerified *bool `json:"email_verified,omitempty"`
	// ID is the subject: sub (OIDC, Google: digits by default), id (GitHub:
	// a number, Discord: a snowflake, both digits only). Empty derives one
	// from the email.
	ID string `json:"id,omitempty"`
	// Login is the GitHub login or Discord username; empty derives one
	// from the email's local part.
	Login string `json:"login,omitempty"`
	// Avatar is the picture URL (OIDC, Google, GitHub; empty serves a
	// generated one) or the Discord avatar hash (empty is null).
	Avatar string `json:"avatar,omitempty"`
	// PrivateEmail hides the email from GitHub's /user (email null), so
	// that clients must read /user/emails.
	PrivateEmail bool `json:"private_email,omitempty"`
	// HD is the Google Workspace domain (the hd claim); Google shape only.
	HD string `json:"hd,omitempty"`
}

// Verified reports whether the email counts as verified (EmailVerified,
// true when unset).
func (u User) Verified() bool { return u.EmailVerified == nil || *u.EmailVerified }

// DefaultUser is the user a provider has when none is given.
func DefaultUser() User { return User{Email: "dev@example.com", Name: "Dev User"} }

// ParseUser reads the --user form EMAIL[:NAME].
func ParseUser(s string) (User, error) {
	email, name, _ := strings.Cut(s, ":")
	u := User{Email: strings.TrimSpace(email), Name: strings.TrimSpace(name)}
	if err := checkEmail(u.Email); err != nil {
		return User{}, fmt.Errorf("--user %q: %w (use EMAIL or EMAIL:NAME)", s, err)
	}
	return u, nil
}

// maxUsersFile bounds a users file.
const maxUsersFile = 1 << 20

// ReadUsers reads a users file: a JSON array of User objects, whose
// members are email, name, email_verified, id, login, avatar,
// private_email and hd. Unknown members are refused.
func ReadUsers(r io.Reader) ([]User, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxUsersFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxUsersFile {
		return nil, errors.New("the file is larger than 1 MiB")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var users []User
	if err := dec.Decode(&users); err != nil {
		return nil, fmt.Errorf("not a JSON array of users ({\"email\": ..., \"name\": ...}): %w", err)
	}
	if dec.More() {
		return nil, errors.New("unexpected data after the JSON array")
	}
	if len(users) == 0 {
		return nil, errors.New("the array holds no user")
	}
	for i, u := range users {
		if err := checkEmail(u.Email); err != nil {
			return nil, fmt.Errorf("user %d: %w", i+1, err)
		}
	}
	return users, nil
}

func checkEmail(email string) error {
	if email == "" {
		return errors.New("the email is empty")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return fmt.Errorf("%q is not an email address", email)
	}
	return nil
}

// prepareUsers checks users for shape and fills in the derived fields.
func prepareUsers(shape Shape, users []User) ([]User, error) {
	if len(users) == 0 {
		users = []User{DefaultUser()}
	}
	out := make([]User, len(users))
	seen := map[string]bool{}
	ids := map[string]bool{}
	for i, u := range users {
		if err := checkEmail(u.Email); err != nil {
			return nil, fmt.Errorf("user %d: %w", i+1, err)
		}
		key := strings.ToLower(u.Email)
		if seen[key] {
			return nil, fmt.Errorf("user %s is given twice", u.Email)
		}
		seen[key] = true
		if u.ID == "" {
			u.ID = derivedID(shape, key)
		}
		if (shape == ShapeGitHub || shape == ShapeDiscord) && !isDigits(u.ID, 19) {
			return nil, fmt.Errorf("user %s: id %q is not a number; %s ids are digits only", u.Email, u.ID, shape)
		}
		if ids[u.ID] {
			return nil, fmt.Errorf("user %s: id %q is given twice", u.Email, u.ID)
		}
		ids[u.ID] = true
		if u.Login == "" {
			u.Login = derivedLogin(key)
		}
		out[i] = u
	}
	return out, nil
}

// derivedID is a stable subject for email: digits for Google (21, like
// Google's), GitHub (up to 9) and Discord (a 18-digit snowflake), hex
// for a generic OIDC provider.
func derivedID(shape Shape, email string) string {
	sum := sha256.Sum256([]byte("authkit-devidp:" + email))
	n := binary.BigEndian.Uint64(sum[:8])
	switch shape {
	case ShapeGitHub:
		return strconv.FormatUint(n%900_000_000+100_000_000, 10)
	case ShapeDiscord:
		return strconv.FormatUint(n%(9e17)+1e17, 10)
	case ShapeGoogle:
		v := new(big.Int).SetBytes(sum[:12])
		v.Mod(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(20), nil))
		return "1" + fmt.Sprintf("%020s", v.String())
	}
	return fmt.Sprintf("%x", sum[:10])
}

// derivedLogin makes a GitHub-style login from the email's local part:
// letters, digits and single dashes.
func derivedLogin(email string) string {
	local, _, _ := strings.Cut(email, "@")
	var b strings.Builder
	for _, r := range local {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	login := strings.Trim(b.String(), "-")
	if login == "" {
		login = "dev"
	}
	return login
}

func isDigits(s string, max int) bool {
	if s == "" || len(s) > max || s[0] == '0' {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
