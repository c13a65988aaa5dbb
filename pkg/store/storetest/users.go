package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

func (s suite) userTests() []test {
	caps := s.caps
	return []test{
		{"CreateAndGet", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			verified := fixedTime
			in := store.User{ID: "caller-chosen-id", Name: "Ada Lovelace", Email: "ada@example.test", EmailVerified: &verified, Image: "https://img.example.test/ada.png"}
			u, err := st.CreateUser(ctx, in)
			if err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			if u.ID == "" || u.ID == in.ID {
				t.Errorf("CreateUser id = %q, want a new id made by the store", u.ID)
			}
			want := in
			want.ID = u.ID
			sameUser(t, u, want)
			sameUser(t, mustGetUser(t, st, u.ID), want)
			byEmail, err := st.GetUserByEmail(ctx, "ada@example.test")
			if err != nil {
				t.Fatalf("GetUserByEmail: %v", err)
			}
			sameUser(t, byEmail, want)
			info, err := st.Info(ctx)
			if err != nil || info.Engine == "" || info.Profile == "" {
				t.Errorf("Info = %+v, %v; want engine and profile", info, err)
			}
		}},
		{"CreateMinimal", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			if caps.EmailRequired {
				Reject(t, st, store.ErrInvalid, func() error {
					_, err := st.CreateUser(ctx, store.User{Name: "No Mail"})
					return err
				})
				return
			}
			// Users without an email (a GitHub account with a private
			// address) are fine, several of them even where emails are
			// unique.
			a, err := st.CreateUser(ctx, store.User{Name: "No Mail"})
			if err != nil {
				t.Fatalf("CreateUser without email: %v", err)
			}
			b, err := st.CreateUser(ctx, store.User{})
			if err != nil {
				t.Fatalf("second CreateUser without email: %v", err)
			}
			if a.ID == b.ID {
				t.Fatalf("two users share the id %s", a.ID)
			}
			sameUser(t, mustGetUser(t, st, b.ID), store.User{ID: b.ID})
			_, err = st.GetUserByEmail(ctx, "")
			notFound(t, "GetUserByEmail(\"\")", err)
		}},
		{"GetUnknown", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			anyUser(t, st)
			for _, id := range []string{"", "no-such-user", "999999999", "-1", "1 OR 1=1", "x' OR '1'='1"} {
				_, err := st.GetUser(ctx, id)
				notFound(t, "GetUser("+id+")", err)
				var nf *store.NotFoundError
				if !errors.As(err, &nf) {
					t.Errorf("GetUser(%q) error %T is not a *store.NotFoundError", id, err)
				}
			}
			for _, email := range []string{"nobody@example.test", "%", "_@example.test", "' OR '1'='1"} {
				_, err := st.GetUserByEmail(ctx, email)
				notFound(t, "GetUserByEmail("+email+")", err)
			}
		}},
		{"EmailLookup", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := createUser(t, st, "grace@example.test")
			variants := []string{"Grace@Example.TEST", "  grace@example.test ", "ｇｒａｃｅ@example.test"}
			for _, v := range variants {
				got, err := st.GetUserByEmail(ctx, v)
				if caps.NormalizedEmails {
					if err != nil || got.ID != u.ID {
						t.Errorf("GetUserByEmail(%q) = %v, %v; want user %s (emails are normalised)", v, got.ID, err, u.ID)
					}
				} else {
					notFound(t, "GetUserByEmail("+v+") on a store comparing emails exactly", err)
				}
			}
			_, err := st.GetUserByEmail(ctx, "grace@example.tes")
			notFound(t, "GetUserByEmail(prefix)", err)
			_, err = st.GetUserByEmail(ctx, "grace@example.test2")
			notFound(t, "GetUserByEmail(longer)", err)
		}},
		{"DuplicateEmail", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			first := createUser(t, st, "dup@example.test")
			if caps.UniqueEmail {
				err := Reject(t, st, store.ErrConflict, func() error {
					_, err := st.CreateUser(ctx, store.User{Email: "dup@example.test"})
					return err
				})
				errContains(t, err, "dup@example.test")
			} else if _, err := st.CreateUser(ctx, store.User{Email: "dup@example.test"}); err != nil {
				t.Fatalf("a store without unique emails refused a second user: %v", err)
			}
			for _, v := range []string{"DUP@example.test", " dup@example.test", "ｄｕｐ@example.test"} {
				if caps.NormalizedEmails && caps.UniqueEmail {
					Reject(t, st, store.ErrConflict, func() error {
						_, err := st.CreateUser(ctx, store.User{Email: v})
						return err
					})
				} else if _, err := st.CreateUser(ctx, store.User{Email: v}); err != nil {
					t.Errorf("CreateUser(%q) next to %q: %v (emails compare exactly)", v, "dup@example.test", err)
				}
			}
			if got := mustGetUser(t, st, first.ID); got.Email != first.Email {
				t.Errorf("first user changed: %s", fmtUser(got))
			}
		}},
		{"Update", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := createUser(t, st, "old@example.test")
			other := createUser(t, st, "other@example.test")
			verified := fixedTime.Add(time.Hour)
			upd := store.User{ID: u.ID, Name: "New Name", Email: "new@example.test", EmailVerified: &verified, Image: "https://img.example.test/n.png"}
			got, err := st.UpdateUser(ctx, upd)
			if err != nil {
				t.Fatalf("UpdateUser: %v", err)
			}
			sameUser(t, got, upd)
			sameUser(t, mustGetUser(t, st, u.ID), upd)
			_, err = st.GetUserByEmail(ctx, "old@example.test")
			notFound(t, "old email after update", err)

			// Empty fields clear the columns.
			cleared := store.User{ID: u.ID, Email: "new@example.test"}
			if _, err := st.UpdateUser(ctx, cleared); err != nil {
				t.Fatalf("UpdateUser clearing fields: %v", err)
			}
			sameUser(t, mustGetUser(t, st, u.ID), cleared)
			sameUser(t, mustGetUser(t, st, other.ID), other)
		}},
		{"UpdateRejects", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := createUser(t, st, "keep@example.test")
			other := createUser(t, st, "taken@example.test")
			for _, id := range []string{"", "no-such-user", "424242"} {
				Reject(t, st, store.ErrNotFound, func() error {
					_, err := st.UpdateUser(ctx, store.User{ID: id, Name: "x", Email: "ghost@example.test"})
					return err
				})
			}
			if caps.UniqueEmail {
				Reject(t, st, store.ErrConflict, func() error {
					_, err := st.UpdateUser(ctx, store.User{ID: u.ID, Name: "Thief", Email: "taken@example.test"})
					return err
				})
				sameUser(t, mustGetUser(t, st, u.ID), u)
				sameUser(t, mustGetUser(t, st, other.ID), other)
			}
		}},
		{"DeleteCascades", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := createUser(t, st, "gone@example.test")
			keep := createUser(t, st, "stays@example.test")
			link(t, st, u.ID, "github", "gone-1")
			link(t, st, u.ID, "google", "gone-2")
			link(t, st, keep.ID, "github", "stays-1")
			s1 := newSession(t, st, u.ID, time.Now().Add(time.Hour))
			newSession(t, st, u.ID, time.Now().Add(-time.Hour))
			s3 := newSession(t, st, keep.ID, time.Now().Add(time.Hour))
			before := coreCounts(t, st)

			if err := st.DeleteUser(ctx, u.ID); err != nil {
				t.Fatalf("DeleteUser: %v", err)
			}
			_, err := st.GetUser(ctx, u.ID)
			notFound(t, "GetUser after delete", err)
			_, err = st.GetUserByAccount(ctx, "github", "gone-1")
			notFound(t, "GetUserByAccount after delete", err)
			_, _, err = st.GetSessionAndUser(ctx, s1.Token)
			notFound(t, "GetSessionAndUser after delete", err)
			if accts, err := st.ListAccounts(ctx, u.ID); err != nil || len(accts) != 0 {
				t.Errorf("ListAccounts of a deleted user = %v, %v", accts, err)
			}
			if sess, err := st.ListSessions(ctx, store.SessionQuery{UserID: u.ID}); err != nil || len(sess) != 0 {
				t.Errorf("ListSessions of a deleted user = %v, %v", sess, err)
			}
			if after, want := coreCounts(t, st), (core{before.Users - 1, before.Accounts - 2, before.Sessions - 2}); after != want {
				t.Errorf("counts after delete = %+v, want %+v", after, want)
			}
			// The other user is untouched.
			if _, got, err := st.GetSessionAndUser(ctx, s3.Token); err != nil || got.ID != keep.ID {
				t.Errorf("other user's session: %v, %v", got.ID, err)
			}
			if got, err := st.GetUserByAccount(ctx, "github", "stays-1"); err != nil || got.ID != keep.ID {
				t.Errorf("other user's account: %v, %v", got.ID, err)
			}
			Reject(t, st, store.ErrNotFound, func() error { return st.DeleteUser(ctx, u.ID) })
			Reject(t, st, store.ErrNotFound, func() error { return st.DeleteUser(ctx, "") })
			Reject(t, st, store.ErrNotFound, func() error { return st.DeleteUser(ctx, "no-such-user") })
		}},
	}
}
