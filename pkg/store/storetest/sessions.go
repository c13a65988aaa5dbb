package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

func (s suite) sessionTests() []test {
	caps := s.caps
	return []test{
		{"CreateAndGet", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := anyUser(t, st)
			expires := ms(time.Now().Add(30 * 24 * time.Hour))
			token := randomToken()
			created, err := st.CreateSession(ctx, store.Session{UserID: u.ID, Token: token, Expires: expires})
			if err != nil {
				t.Fatalf("CreateSession: %v", err)
			}
			if created.ID == "" || created.UserID != u.ID || !created.Expires.Equal(expires) || created.Token != token {
				t.Errorf("CreateSession = %+v", created)
			}
			if strings.Contains(created.ID, token) {
				t.Errorf("the session id %q reveals the token", created.ID)
			}
			sess, user, err := st.GetSessionAndUser(ctx, token)
			if err != nil {
				t.Fatalf("GetSessionAndUser: %v", err)
			}
			sameUser(t, user, u)
			if sess.ID != created.ID || sess.UserID != u.ID || !sess.Expires.Equal(expires) || sess.Token != token {
				t.Errorf("GetSessionAndUser session = %+v, want %+v", sess, created)
			}
			// Derived ids come from the token: the same token gives the same
			// id again; stored ids are new for every session.
			if err := st.DeleteSession(ctx, token); err != nil {
				t.Fatal(err)
			}
			again, err := st.CreateSession(ctx, store.Session{UserID: u.ID, Token: token, Expires: expires})
			if err != nil {
				t.Fatal(err)
			}
			if (again.ID == created.ID) != caps.DerivedSessionIDs {
				t.Errorf("re-created session id %q, first %q (derived ids: %v)", again.ID, created.ID, caps.DerivedSessionIDs)
			}
			for _, bad := range []string{"", "nope", strings.ToLower(token), token + " ", token[:len(token)-1], "%", "' OR '1'='1"} {
				_, _, err := st.GetSessionAndUser(ctx, bad)
				notFound(t, "GetSessionAndUser("+bad+")", err)
			}
		}},
		{"ExpiredIsReturned", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := anyUser(t, st)
			past := newSession(t, st, u.ID, time.Now().Add(-48*time.Hour))
			got, _, err := st.GetSessionAndUser(ctx, past.Token)
			if err != nil || !got.Expires.Equal(past.Expires) {
				t.Errorf("expired session: %+v, %v (callers judge expiry)", got, err)
			}
		}},
		{"CreateRejects", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := anyUser(t, st)
			existing := newSession(t, st, u.ID, time.Now().Add(time.Hour))
			other := anyUser(t, st)
			cases := []struct {
				name string
				sess store.Session
				want error
			}{
				{"unknown user", store.Session{UserID: "no-such-user", Token: randomToken(), Expires: time.Now()}, store.ErrNotFound},
				{"unknown numeric user", store.Session{UserID: "987654321", Token: randomToken(), Expires: time.Now()}, store.ErrNotFound},
				{"no user", store.Session{Token: randomToken(), Expires: time.Now()}, store.ErrNotFound},
				{"no token", store.Session{UserID: u.ID, Expires: time.Now()}, store.ErrInvalid},
				{"reused token", store.Session{UserID: other.ID, Token: existing.Token, Expires: time.Now()}, store.ErrConflict},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					Reject(t, st, tc.want, func() error {
						_, err := st.CreateSession(ctx, tc.sess)
						return err
					})
				})
			}
			if _, owner, err := st.GetSessionAndUser(ctx, existing.Token); err != nil || owner.ID != u.ID {
				t.Errorf("reused token now belongs to %v (%v)", owner.ID, err)
			}
		}},
		{"Update", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := anyUser(t, st)
			sess := newSession(t, st, u.ID, time.Now().Add(time.Hour))
			later := ms(time.Now().Add(72 * time.Hour))
			got, err := st.UpdateSession(ctx, sess.Token, later)
			if err != nil {
				t.Fatalf("UpdateSession: %v", err)
			}
			if !got.Expires.Equal(later) || got.ID != sess.ID || got.UserID != u.ID {
				t.Errorf("UpdateSession = %+v", got)
			}
			if read, _, err := st.GetSessionAndUser(ctx, sess.Token); err != nil || !read.Expires.Equal(later) {
				t.Errorf("after update: %+v, %v", read, err)
			}
			Reject(t, st, store.ErrNotFound, func() error {
				_, err := st.UpdateSession(ctx, "no-such-token", later)
				return err
			})
		}},
		{"Delete", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			u := anyUser(t, st)
			sess := newSession(t, st, u.ID, time.Now().Add(time.Hour))
			keep := newSession(t, st, u.ID, time.Now().Add(time.Hour))
			if err := st.DeleteSession(ctx, sess.Token); err != nil {
				t.Fatalf("DeleteSession: %v", err)
			}
			_, _, err := st.GetSessionAndUser(ctx, sess.Token)
			notFound(t, "GetSessionAndUser after delete", err)
			Reject(t, st, store.ErrNotFound, func() error { return st.DeleteSession(ctx, sess.Token) })
			Reject(t, st, store.ErrNotFound, func() error { return st.DeleteSession(ctx, "") })
			if _, _, err := st.GetSessionAndUser(ctx, keep.Token); err != nil {
				t.Errorf("the other session is gone: %v", err)
			}
		}},
		{"ListAndRevoke", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			a, b := anyUser(t, st), anyUser(t, st)
			now := time.Now()
			aOld := newSession(t, st, a.ID, now.Add(-2*time.Hour))
			aNew := newSession(t, st, a.ID, now.Add(2*time.Hour))
			aMid := newSession(t, st, a.ID, now.Add(time.Hour))
			bOld := newSession(t, st, b.ID, now.Add(-time.Hour))
			bNew := newSession(t, st, b.ID, now.Add(3*time.Hour))

			all, err := st.ListSessions(ctx, store.SessionQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := sessionIDs(all), []string{aOld.ID, bOld.ID, aMid.ID, aNew.ID, bNew.ID}; !slices.Equal(got, want) {
				t.Errorf("ListSessions(all) = %v, want by expiry %v", got, want)
			}
			for _, sess := range all {
				if sess.Token != "" {
					t.Errorf("ListSessions reveals a token: %+v", sess)
				}
			}
			byUser, _ := st.ListSessions(ctx, store.SessionQuery{UserID: a.ID})
			if got, want := sessionIDs(byUser), []string{aOld.ID, aMid.ID, aNew.ID}; !slices.Equal(got, want) {
				t.Errorf("ListSessions(user) = %v, want %v", got, want)
			}
			byID, _ := st.ListSessions(ctx, store.SessionQuery{ID: aMid.ID})
			if got := sessionIDs(byID); !slices.Equal(got, []string{aMid.ID}) {
				t.Errorf("ListSessions(id) = %v, want [%s]", got, aMid.ID)
			}
			expired, _ := st.ListSessions(ctx, store.SessionQuery{ExpiredAt: now})
			if got, want := sessionIDs(expired), []string{aOld.ID, bOld.ID}; !slices.Equal(got, want) {
				t.Errorf("ListSessions(expired) = %v, want %v", got, want)
			}
			for _, q := range []store.SessionQuery{{UserID: "no-such-user"}, {ID: "no-such-session"}, {ID: "12345678"}, {UserID: a.ID, ID: bNew.ID}} {
				if got, err := st.ListSessions(ctx, q); err != nil || len(got) != 0 {
					t.Errorf("ListSessions(%+v) = %v, %v; want none", q, got, err)
				}
			}

			// Revoking: nothing selected changes nothing.
			Reject(t, st, store.ErrInvalid, func() error {
				_, err := st.RevokeSessions(ctx, store.SessionQuery{})
				return err
			})
			for _, q := range []store.SessionQuery{{ID: "no-such-session"}, {UserID: "no-such-user"}, {ExpiredAt: now.Add(-10 * time.Hour)}} {
				before := Counts(t, st)
				if n, err := st.RevokeSessions(ctx, q); err != nil || n != 0 {
					t.Errorf("RevokeSessions(%+v) = %d, %v; want 0", q, n, err)
				}
				AssertCounts(t, st, before)
			}
			if n, err := st.RevokeSessions(ctx, store.SessionQuery{ID: aMid.ID}); err != nil || n != 1 {
				t.Errorf("RevokeSessions(id) = %d, %v; want 1", n, err)
			}
			_, _, err = st.GetSessionAndUser(ctx, aMid.Token)
			notFound(t, "revoked session", err)
			if n, err := st.RevokeSessions(ctx, store.SessionQuery{ExpiredAt: now}); err != nil || n != 2 {
				t.Errorf("RevokeSessions(expired) = %d, %v; want 2", n, err)
			}
			if n, err := st.RevokeSessions(ctx, store.SessionQuery{UserID: a.ID}); err != nil || n != 1 {
				t.Errorf("RevokeSessions(user) = %d, %v; want 1", n, err)
			}
			left, _ := st.ListSessions(ctx, store.SessionQuery{})
			if got := sessionIDs(left); !slices.Equal(got, []string{bNew.ID}) {
				t.Errorf("sessions left = %v, want [%s]", got, bNew.ID)
			}
		}},
	}
}

func (s suite) tokenTests() []test {
	caps := s.caps
	if !caps.VerificationTokens {
		return []test{{"Unsupported", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			Reject(t, st, store.ErrUnsupported, func() error {
				return st.CreateVerificationToken(ctx, store.VerificationToken{Identifier: "a@example.test", Token: "t", Expires: time.Now()})
			})
			Reject(t, st, store.ErrUnsupported, func() error {
				_, err := st.UseVerificationToken(ctx, "a@example.test", "t")
				return err
			})
			Reject(t, st, store.ErrUnsupported, func() error {
				_, err := st.DeleteExpiredVerificationTokens(ctx, time.Now())
				return err
			})
		}}}
	}
	return []test{
		{"UsedOnce", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			expires := ms(time.Now().Add(24 * time.Hour))
			v := store.VerificationToken{Identifier: "mail@example.test", Token: randomToken(), Expires: expires}
			if err := st.CreateVerificationToken(ctx, v); err != nil {
				t.Fatalf("CreateVerificationToken: %v", err)
			}
			// Wrong identifier or token: not found, and the token survives.
			for _, k := range [][2]string{{"other@example.test", v.Token}, {v.Identifier, "wrong"}, {"MAIL@example.test", v.Token}, {v.Identifier, strings.ToLower(v.Token)}, {"%", "%"}} {
				Reject(t, st, store.ErrNotFound, func() error {
					_, err := st.UseVerificationToken(ctx, k[0], k[1])
					return err
				})
			}
			got, err := st.UseVerificationToken(ctx, v.Identifier, v.Token)
			if err != nil {
				t.Fatalf("UseVerificationToken: %v", err)
			}
			if got.Identifier != v.Identifier || got.Token != v.Token || !got.Expires.Equal(expires) {
				t.Errorf("UseVerificationToken = %+v, want %+v", got, v)
			}
			_, err = st.UseVerificationToken(ctx, v.Identifier, v.Token)
			notFound(t, "second use", err)
		}},
		{"Duplicate", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			v := store.VerificationToken{Identifier: "dup@example.test", Token: randomToken(), Expires: time.Now().Add(time.Hour)}
			if err := st.CreateVerificationToken(ctx, v); err != nil {
				t.Fatal(err)
			}
			Reject(t, st, store.ErrConflict, func() error { return st.CreateVerificationToken(ctx, v) })
			// Same token for another identifier is another row.
			v2 := v
			v2.Identifier = "dup2@example.test"
			if err := st.CreateVerificationToken(ctx, v2); err != nil {
				t.Errorf("same token, other identifier: %v", err)
			}
		}},
		{"DeleteExpired", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			now := ms(time.Now())
			// An expired session is not a verification token: pruning
			// tokens leaves it alone.
			sess := newSession(t, st, anyUser(t, st).ID, now.Add(-time.Hour))
			expiries := []struct {
				name    string
				expires time.Time
				expired bool
			}{
				{"day ago", now.Add(-24 * time.Hour), true},
				{"1ms ago", now.Add(-time.Millisecond), true},
				{"now", now, true},
				{"in 1ms", now.Add(time.Millisecond), false},
				{"in a day", now.Add(24 * time.Hour), false},
			}
			var expired, valid []store.VerificationToken
			for _, id := range []string{"prune-a@example.test", "prune-b@example.test"} {
				for _, e := range expiries {
					v := store.VerificationToken{Identifier: id, Token: randomToken(), Expires: e.expires}
					if err := st.CreateVerificationToken(ctx, v); err != nil {
						t.Fatalf("CreateVerificationToken(%s, %s): %v", id, e.name, err)
					}
					if e.expired {
						expired = append(expired, v)
					} else {
						valid = append(valid, v)
					}
				}
			}
			before := coreCounts(t, st)
			n, err := st.DeleteExpiredVerificationTokens(ctx, now)
			if err != nil || n != len(expired) {
				t.Fatalf("DeleteExpiredVerificationTokens = %d, %v; want %d", n, err, len(expired))
			}
			if after := coreCounts(t, st); after != before {
				t.Errorf("users, accounts, sessions changed: before %+v, after %+v", before, after)
			}
			if _, _, err := st.GetSessionAndUser(ctx, sess.Token); err != nil {
				t.Errorf("expired session after pruning tokens: %v", err)
			}
			if n, err := st.DeleteExpiredVerificationTokens(ctx, now); err != nil || n != 0 {
				t.Errorf("second DeleteExpiredVerificationTokens = %d, %v; want 0", n, err)
			}
			for _, v := range expired {
				_, err := st.UseVerificationToken(ctx, v.Identifier, v.Token)
				notFound(t, fmt.Sprintf("expired token of %s at %s", v.Identifier, v.Expires.Format(time.RFC3339Nano)), err)
			}
			for _, v := range valid {
				got, err := st.UseVerificationToken(ctx, v.Identifier, v.Token)
				if err != nil {
					t.Errorf("valid token of %s at %s: %v", v.Identifier, v.Expires.Format(time.RFC3339Nano), err)
					continue
				}
				if !got.Expires.Equal(v.Expires) {
					t.Errorf("token of %s expires %v, want %v", v.Identifier, got.Expires, v.Expires)
				}
			}
			// Nothing left: still no error.
			if n, err := st.DeleteExpiredVerificationTokens(ctx, now.Add(48*time.Hour)); err != nil || n != 0 {
				t.Errorf("DeleteExpiredVerificationTokens on no tokens = %d, %v; want 0", n, err)
			}
		}},
		{"ConcurrentUse", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			v := store.VerificationToken{Identifier: "race@example.test", Token: randomToken(), Expires: time.Now().Add(time.Hour)}
			if err := st.CreateVerificationToken(ctx, v); err != nil {
				t.Fatal(err)
			}
			results := parallel(caps.workers(), func(int) error {
				_, err := st.UseVerificationToken(ctx, v.Identifier, v.Token)
				return err
			})
			wins, losses := tally(t, results, store.ErrNotFound)
			if wins != 1 || losses != len(results)-1 {
				t.Errorf("concurrent UseVerificationToken: %d winners, %d not found of %d; want exactly one winner", wins, losses, len(results))
			}
		}},
	}
}
