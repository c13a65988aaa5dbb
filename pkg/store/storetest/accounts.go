package storetest

import (
	"errors"
	"testing"

	"github.com/authkit-dev/authkit/pkg/store"
)

func (s suite) accountTests() []test {
	caps := s.caps
	return []test{
		{"LinkAndGet", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := anyUser(t, st)
			want := account(u.ID, "github", "12345")
			got, err := st.LinkAccount(ctx, want)
			if err != nil {
				t.Fatalf("LinkAccount: %v", err)
			}
			sameAccount(t, got, want)
			owner, err := st.GetUserByAccount(ctx, "github", "12345")
			if err != nil {
				t.Fatalf("GetUserByAccount: %v", err)
			}
			sameUser(t, owner, u)
			// A minimal account: no tokens at all.
			minimal := store.Account{UserID: u.ID, Type: "oidc", Provider: "google", ProviderAccountID: "g-1"}
			if _, err := st.LinkAccount(ctx, minimal); err != nil {
				t.Fatalf("LinkAccount minimal: %v", err)
			}
			accts, err := st.ListAccounts(ctx, u.ID)
			if err != nil {
				t.Fatalf("ListAccounts: %v", err)
			}
			if len(accts) != 2 {
				t.Fatalf("ListAccounts = %d accounts, want 2", len(accts))
			}
			sameAccount(t, accts[0], want) // ordered by provider
			sameAccount(t, accts[1], minimal)
			if accts, err := st.ListAccounts(ctx, "no-such-user"); err != nil || len(accts) != 0 {
				t.Errorf("ListAccounts(unknown) = %v, %v; want none", accts, err)
			}
		}},
		{"ByteExactIDs", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			a, b := anyUser(t, st), anyUser(t, st)
			link(t, st, a.ID, "github", "AbC")
			for _, k := range [][2]string{{"github", "abc"}, {"github", "ABC"}, {"github", "AbC "}, {"github", " AbC"}, {"GitHub", "AbC"}, {"github", "Ab"}, {"github", "%"}, {"github", "A_C"}} {
				_, err := st.GetUserByAccount(ctx, k[0], k[1])
				notFound(t, "GetUserByAccount("+k[0]+"/"+k[1]+")", err)
			}
			// A case variant is another account, free for another user.
			link(t, st, b.ID, "github", "abc")
			if got, err := st.GetUserByAccount(ctx, "github", "abc"); err != nil || got.ID != b.ID {
				t.Errorf("github/abc belongs to %v (%v), want %s", got.ID, err, b.ID)
			}
			if got, err := st.GetUserByAccount(ctx, "github", "AbC"); err != nil || got.ID != a.ID {
				t.Errorf("github/AbC belongs to %v (%v), want %s", got.ID, err, a.ID)
			}
			Reject(t, st, store.ErrNotFound, func() error { return st.UnlinkAccount(ctx, "github", "ABC") })
		}},
		{"LinkRejects", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			owner, other := anyUser(t, st), anyUser(t, st)
			link(t, st, owner.ID, "github", "taken")
			cases := []struct {
				name string
				acct store.Account
				want error
			}{
				{"held by another user", account(other.ID, "github", "taken"), store.ErrConflict},
				{"held by the same user", account(owner.ID, "github", "taken"), store.ErrConflict},
				{"unknown user", account("no-such-user", "github", "new-1"), store.ErrNotFound},
				{"unknown numeric user", account("987654321", "github", "new-2"), store.ErrNotFound},
				{"no user", account("", "github", "new-3"), store.ErrNotFound},
				{"no provider", account(owner.ID, "", "new-4"), store.ErrInvalid},
				{"no account id", account(owner.ID, "github", ""), store.ErrInvalid},
				{"unknown type", func() store.Account { a := account(owner.ID, "github", "new-5"); a.Type = "magic"; return a }(), store.ErrInvalid},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					err := Reject(t, st, tc.want, func() error {
						_, err := st.LinkAccount(ctx, tc.acct)
						return err
					})
					if tc.want == store.ErrConflict {
						var ce *store.ConflictError
						if !errors.As(err, &ce) {
							t.Fatalf("error %T %v is not a *store.ConflictError", err, err)
						}
						if ce.OwnerID != owner.ID {
							t.Errorf("ConflictError.OwnerID = %q, want %q", ce.OwnerID, owner.ID)
						}
						errContains(t, err, "github/taken", owner.ID)
					}
				})
			}
			if got, err := st.GetUserByAccount(ctx, "github", "taken"); err != nil || got.ID != owner.ID {
				t.Errorf("owner after rejected links: %v, %v", got.ID, err)
			}
			if accts, _ := st.ListAccounts(ctx, other.ID); len(accts) != 0 {
				t.Errorf("the other user got accounts: %+v", accts)
			}
		}},
		{"Unlink", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := anyUser(t, st)
			link(t, st, u.ID, "github", "u-1")
			link(t, st, u.ID, "google", "u-2")
			if err := st.UnlinkAccount(ctx, "github", "u-1"); err != nil {
				t.Fatalf("UnlinkAccount: %v", err)
			}
			_, err := st.GetUserByAccount(ctx, "github", "u-1")
			notFound(t, "GetUserByAccount after unlink", err)
			if accts, _ := st.ListAccounts(ctx, u.ID); len(accts) != 1 || accts[0].Provider != "google" {
				t.Errorf("accounts after unlink: %+v", accts)
			}
			Reject(t, st, store.ErrNotFound, func() error { return st.UnlinkAccount(ctx, "github", "u-1") })
			Reject(t, st, store.ErrNotFound, func() error { return st.UnlinkAccount(ctx, "nope", "nope") })
			Reject(t, st, store.ErrNotFound, func() error { return st.UnlinkAccount(ctx, "google", "%") })
		}},
		{"UnlinkHelper", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := anyUser(t, st)
			other := anyUser(t, st)
			link(t, st, u.ID, "github", "h-1")
			link(t, st, u.ID, "github", "h-2")
			link(t, st, u.ID, "google", "h-3")
			link(t, st, other.ID, "gitlab", "h-4")

			removed, err := store.Unlink(ctx, st, u.ID, "github", "h-1", "test:admin", false)
			if err != nil || len(removed) != 1 || removed[0].ProviderAccountID != "h-1" {
				t.Fatalf("Unlink github/h-1 = %+v, %v", removed, err)
			}
			// Every github account of the user at once.
			removed, err = store.Unlink(ctx, st, u.ID, "github", "", "test:admin", false)
			if err != nil || len(removed) != 1 || removed[0].ProviderAccountID != "h-2" {
				t.Fatalf("Unlink github = %+v, %v", removed, err)
			}
			// The last sign-in method stays unless forced.
			Reject(t, st, store.ErrLastSignInMethod, func() error {
				_, err := store.Unlink(ctx, st, u.ID, "google", "", "test:admin", false)
				return err
			})
			// Another user's account, or one the user does not hold.
			Reject(t, st, store.ErrNotFound, func() error {
				_, err := store.Unlink(ctx, st, u.ID, "gitlab", "h-4", "test:admin", true)
				return err
			})
			Reject(t, st, store.ErrNotFound, func() error {
				_, err := store.Unlink(ctx, st, "no-such-user", "google", "h-3", "test:admin", true)
				return err
			})
			removed, err = store.Unlink(ctx, st, u.ID, "google", "", "test:admin", true)
			if err != nil || len(removed) != 1 {
				t.Fatalf("forced Unlink = %+v, %v", removed, err)
			}
			if accts, _ := st.ListAccounts(ctx, u.ID); len(accts) != 0 {
				t.Errorf("accounts after forced unlink: %+v", accts)
			}
			if got, err := st.GetUserByAccount(ctx, "gitlab", "h-4"); err != nil || got.ID != other.ID {
				t.Errorf("other user's account: %v, %v", got.ID, err)
			}
			if caps.Events {
				evs, err := st.ListEvents(ctx, store.EventQuery{UserID: u.ID, Type: store.EventUnlinkAccount})
				if err != nil || len(evs) != 3 {
					t.Fatalf("unlink events = %d, %v; want 3", len(evs), err)
				}
				if evs[0].Actor != "test:admin" || evs[0].Detail["provider"] == "" {
					t.Errorf("unlink event = %+v", evs[0])
				}
			}
		}},
		{"CreateUserAndAccount", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u, a, err := st.CreateUserAndAccount(ctx, store.User{Name: "Both", Email: "both@example.test"}, account("", "github", "both-1"))
			if err != nil {
				t.Fatalf("CreateUserAndAccount: %v", err)
			}
			if a.UserID != u.ID {
				t.Errorf("account user %q, want %q", a.UserID, u.ID)
			}
			if got, err := st.GetUserByAccount(ctx, "github", "both-1"); err != nil || got.ID != u.ID {
				t.Errorf("GetUserByAccount = %v, %v", got.ID, err)
			}
		}},
		{"CreateUserAndAccountAtomic", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			holder := anyUser(t, st)
			link(t, st, holder.ID, "github", "held")
			existing := createUser(t, st, "exists@example.test")
			cases := []struct {
				name string
				user store.User
				acct store.Account
				want error
			}{
				{"account held", store.User{Email: "fresh1@example.test"}, account("", "github", "held"), store.ErrConflict},
				{"invalid account", store.User{Email: "fresh2@example.test"}, func() store.Account { a := account("", "github", "x"); a.Type = ""; return a }(), store.ErrInvalid},
				{"no provider", store.User{Email: "fresh3@example.test"}, account("", "", "x"), store.ErrInvalid},
			}
			if caps.UniqueEmail {
				cases = append(cases, struct {
					name string
					user store.User
					acct store.Account
					want error
				}{"email taken", store.User{Email: existing.Email}, account("", "github", "fresh-4"), store.ErrConflict})
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					Reject(t, st, tc.want, func() error {
						_, _, err := st.CreateUserAndAccount(ctx, tc.user, tc.acct)
						return err
					})
					if tc.user.Email != existing.Email {
						_, err := st.GetUserByEmail(ctx, tc.user.Email)
						notFound(t, "user of a failed CreateUserAndAccount", err)
					}
				})
			}
			_, err := st.GetUserByAccount(ctx, "github", "fresh-4")
			notFound(t, "account of a failed CreateUserAndAccount", err)
		}},
		{"ExpiresAtRoundTrip", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := anyUser(t, st)
			for _, v := range []int64{0, 1, 1700000000, 2147483647} {
				a := account(u.ID, "p", uniq("e"))
				a.ExpiresAt = &v
				if _, err := st.LinkAccount(ctx, a); err != nil {
					t.Fatalf("LinkAccount expires_at=%d: %v", v, err)
				}
				accts, _ := st.ListAccounts(ctx, u.ID)
				for _, got := range accts {
					if got.ProviderAccountID == a.ProviderAccountID {
						sameAccount(t, got, a)
					}
				}
			}
		}},
	}
}
