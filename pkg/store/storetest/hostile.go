package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

// hostile are strings an admin CLI or a provider may hand the store: SQL
// and LIKE metacharacters, NUL, invalid UTF-8, terminal escapes
// (catalogue 164, 171). They must be taken literally: stored and found
// exactly as given, or refused with ErrInvalid where the engine cannot
// keep them (Postgres text holds no NUL and only UTF-8).
var hostile = []string{
	"x' OR '1'='1", `"; DROP TABLE users;--`, "'); DELETE FROM accounts;--", "%", "_", `\`, `\%`,
	"\x00", "a\x00b", "\xff\xfe", "ok\xc3", "\x1b[2J\x1b[H", "\r\nX-Injected: 1", "\u202egnp.exe", "ｆｕｌｌ",
	"$1", "?", ":name", "@p1",
}

// literal accepts a success or ErrInvalid, and nothing else.
func literal(t *testing.T, what string, err error) bool {
	t.Helper()
	if err != nil && !errors.Is(err, store.ErrInvalid) {
		t.Errorf("%s: %v, want success or ErrInvalid", what, err)
	}
	return err == nil
}

// absent accepts ErrNotFound or ErrInvalid.
func absent(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrInvalid) {
		t.Errorf("%s: %v, want ErrNotFound (or ErrInvalid)", what, err)
	}
}

func (s suite) hostileTests() []test {
	caps := s.caps
	return []test{
		{"Lookups", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := createUser(t, st, "victim@example.test")
			link(t, st, u.ID, "github", "victim")
			newSession(t, st, u.ID, time.Now().Add(time.Hour))
			before := Counts(t, st)
			for _, h := range hostile {
				q := fmt.Sprintf("%q", h)
				_, err := st.GetUser(ctx, h)
				absent(t, "GetUser("+q+")", err)
				_, err = st.GetUserByEmail(ctx, h)
				absent(t, "GetUserByEmail("+q+")", err)
				_, err = st.GetUserByAccount(ctx, "github", h)
				absent(t, "GetUserByAccount("+q+")", err)
				_, err = st.GetUserByAccount(ctx, h, "victim")
				absent(t, "GetUserByAccount(provider "+q+")", err)
				_, _, err = st.GetSessionAndUser(ctx, h)
				absent(t, "GetSessionAndUser("+q+")", err)
				absent(t, "DeleteSession("+q+")", st.DeleteSession(ctx, h))
				absent(t, "UnlinkAccount("+q+")", st.UnlinkAccount(ctx, "github", h))
				absent(t, "DeleteUser("+q+")", st.DeleteUser(ctx, h))
				if caps.VerificationTokens {
					_, err = st.UseVerificationToken(ctx, h, h)
					absent(t, "UseVerificationToken("+q+")", err)
				}
				for _, uq := range []store.UserQuery{{EmailContains: h}, {Provider: h}} {
					page, err := st.ListUsers(ctx, uq)
					if literal(t, fmt.Sprintf("ListUsers(%+v)", uq), err) && len(page.Users) != 0 {
						t.Errorf("ListUsers(%+v) matched %d users", uq, len(page.Users))
					}
				}
				for _, sq := range []store.SessionQuery{{UserID: h}, {ID: h}} {
					got, err := st.ListSessions(ctx, sq)
					if literal(t, fmt.Sprintf("ListSessions(%+v)", sq), err) && len(got) != 0 {
						t.Errorf("ListSessions(%+v) matched %d sessions", sq, len(got))
					}
					n, err := st.RevokeSessions(ctx, sq)
					if literal(t, fmt.Sprintf("RevokeSessions(%+v)", sq), err) && n != 0 {
						t.Errorf("RevokeSessions(%+v) deleted %d sessions", sq, n)
					}
				}
				_, err = st.MergeUsers(ctx, u.ID, []string{h}, false)
				absent(t, "MergeUsers(source "+q+")", err)
			}
			AssertCounts(t, st, before)
			sameUser(t, mustGetUser(t, st, u.ID), u)
		}},
		{"Writes", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			for i, h := range hostile {
				q := fmt.Sprintf("%q", h)
				before := Counts(t, st)
				email := fmt.Sprintf("h%d%s@example.test", i, h)
				u, err := st.CreateUser(ctx, store.User{Name: h, Email: email, Image: h})
				if !literal(t, "CreateUser(name "+q+")", err) {
					AssertCounts(t, st, before)
					continue
				}
				got := mustGetUser(t, st, u.ID)
				wantEmail := email
				if caps.NormalizedEmails {
					wantEmail = store.NormalizeEmail(email)
				}
				if got.Name != h || got.Image != h || got.Email != wantEmail {
					t.Errorf("user with %s reads back as %s", q, fmtUser(got))
				}
				if byEmail, err := st.GetUserByEmail(ctx, email); err != nil || byEmail.ID != u.ID {
					t.Errorf("GetUserByEmail(%q) = %v, %v", email, byEmail.ID, err)
				}
				before = Counts(t, st)
				a := account(u.ID, "github", h)
				if _, err := st.LinkAccount(ctx, a); !literal(t, "LinkAccount(id "+q+")", err) {
					AssertCounts(t, st, before)
					continue
				}
				if owner, err := st.GetUserByAccount(ctx, "github", h); err != nil || owner.ID != u.ID {
					t.Errorf("GetUserByAccount(github, %s) = %v, %v", q, owner.ID, err)
				}
				page, err := st.ListUsers(ctx, store.UserQuery{EmailContains: fmt.Sprintf("h%d%s@", i, h)})
				if literal(t, "ListUsers(EmailContains "+q+")", err) && (len(page.Users) != 1 || page.Users[0].ID != u.ID) {
					t.Errorf("ListUsers(EmailContains %s) = %v, want [%s]", q, ids(page.Users), u.ID)
				}
			}
		}},
	}
}
