package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
)

func (s suite) listTests() []test {
	caps := s.caps
	return []test{
		{"Paging", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			const n, limit = 23, 5
			made := map[string]bool{}
			for i := range n {
				u := createUser(t, st, fmt.Sprintf("page%02d@example.test", i))
				made[u.ID] = true
				if i%3 == 0 {
					link(t, st, u.ID, "github", fmt.Sprintf("page-%d", i))
				}
			}
			var seen []string
			q := store.UserQuery{Limit: limit}
			pages := 0
			for {
				page, err := st.ListUsers(ctx, q)
				if err != nil {
					t.Fatalf("ListUsers page %d: %v", pages, err)
				}
				pages++
				if len(page.Users) > limit {
					t.Fatalf("page of %d users, limit %d", len(page.Users), limit)
				}
				for _, u := range page.Users {
					if u.Accounts == nil {
						t.Errorf("user %s: Accounts is nil, want an empty list", u.ID)
					}
					wantAccounts := 0
					if strings.HasPrefix(u.Email, "page") {
						var i int
						fmt.Sscanf(u.Email, "page%02d@", &i)
						if i%3 == 0 {
							wantAccounts = 1
						}
					}
					if len(u.Accounts) != wantAccounts {
						t.Errorf("user %s has %d accounts, want %d", u.Email, len(u.Accounts), wantAccounts)
					}
				}
				seen = append(seen, ids(page.Users)...)
				if page.Next == "" {
					break
				}
				if pages > n {
					t.Fatal("paging does not end")
				}
				q.After = page.Next
			}
			if pages < 5 {
				t.Errorf("%d pages of %d for %d users", pages, limit, n)
			}
			if len(seen) != n {
				t.Fatalf("paging saw %d users, want %d: %v", len(seen), n, seen)
			}
			for _, id := range seen {
				if !made[id] {
					t.Errorf("unknown user %s", id)
				}
				delete(made, id)
			}
			if len(made) != 0 {
				t.Errorf("paging missed %v", made)
			}
			// One page with everything is in the same order.
			all, err := st.ListUsers(ctx, store.UserQuery{})
			if err != nil || !slices.Equal(ids(all.Users), seen) || all.Next != "" {
				t.Errorf("single page = %v (next %q), %v; want %v", ids(all.Users), all.Next, err, seen)
			}
			// EachUser streams the same users with the same accounts.
			streamed := each(t, st, store.UserQuery{})
			if !slices.Equal(ids(streamed), seen) {
				t.Errorf("EachUser = %v, want %v", ids(streamed), seen)
			}
			for i, u := range streamed {
				if i < len(all.Users) && !slices.Equal(accountKeys(u.Accounts), accountKeys(all.Users[i].Accounts)) {
					t.Errorf("EachUser: user %s has accounts %v, ListUsers %v", u.ID, accountKeys(u.Accounts), accountKeys(all.Users[i].Accounts))
				}
			}
			if got := ids(each(t, st, store.UserQuery{Limit: 7})); !slices.Equal(got, seen[:7]) {
				t.Errorf("EachUser(Limit 7) = %v, want %v", got, seen[:7])
			}
			if got := ids(each(t, st, store.UserQuery{After: seen[19]})); !slices.Equal(got, seen[20:]) {
				t.Errorf("EachUser(After %s) = %v, want %v", seen[19], got, seen[20:])
			}
			stop := errors.New("stop")
			calls := 0
			if err := st.EachUser(ctx, store.UserQuery{}, func(store.UserWithAccounts) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
				t.Errorf("EachUser with a failing callback = %v after %d calls, want stop after 1", err, calls)
			}
			if caps.SerialIDs {
				Reject(t, st, store.ErrInvalid, func() error {
					_, err := st.ListUsers(ctx, store.UserQuery{After: "not-a-number"})
					return err
				})
			}
		}},
		{"EmailContains", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			emails := []string{`a%b@x.test`, `a_b@x.test`, `a\b@x.test`, `axb@x.test`, `o'hara@x.test`, `plain@y.test`}
			byEmail := map[string]string{}
			for _, e := range emails {
				byEmail[e] = createUser(t, st, e).ID
			}
			cases := []struct {
				q    string
				want []string
			}{
				{"%", []string{`a%b@x.test`}},
				{"_", []string{`a_b@x.test`}},
				{`\`, []string{`a\b@x.test`}},
				{`a\b`, []string{`a\b@x.test`}},
				{"a%b", []string{`a%b@x.test`}},
				{"A%B", []string{`a%b@x.test`}},
				{"a_b", []string{`a_b@x.test`}},
				{"'", []string{`o'hara@x.test`}},
				{"x.test", []string{`a%b@x.test`, `a_b@x.test`, `a\b@x.test`, `axb@x.test`, `o'hara@x.test`}},
				{"X.TEST", []string{`a%b@x.test`, `a_b@x.test`, `a\b@x.test`, `axb@x.test`, `o'hara@x.test`}},
				{"x' OR '1'='1", nil},
				{"'; DROP TABLE users;--", nil},
				{`"; DROP TABLE "User";--`, nil},
				{"%%", nil},
				{"__", nil},
				{`\\`, nil},
				{"[a-z]", nil},
				{"*", nil},
				{"nobody", nil},
			}
			for _, tc := range cases {
				before := Counts(t, st)
				page, err := st.ListUsers(ctx, store.UserQuery{EmailContains: tc.q})
				if err != nil {
					t.Errorf("ListUsers(EmailContains %q): %v", tc.q, err)
					continue
				}
				var want []string
				for _, e := range tc.want {
					want = append(want, byEmail[e])
				}
				if got := ids(page.Users); !slices.Equal(sortedStrings(got), sortedStrings(want)) {
					var gotEmails []string
					for _, u := range page.Users {
						gotEmails = append(gotEmails, u.Email)
					}
					t.Errorf("EmailContains %q matched %q, want %q", tc.q, gotEmails, tc.want)
				}
				AssertCounts(t, st, before)
			}
		}},
		{"ProviderFilter", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			gh := createUser(t, st, "gh@one.test")
			both := createUser(t, st, "both@two.test")
			gl := createUser(t, st, "gl@one.test")
			createUser(t, st, "none@one.test")
			link(t, st, gh.ID, "github", "f-1")
			link(t, st, both.ID, "github", "f-2")
			link(t, st, both.ID, "gitlab", "f-3")
			link(t, st, gl.ID, "gitlab", "f-4")
			cases := []struct {
				q    store.UserQuery
				want []string
			}{
				{store.UserQuery{Provider: "github"}, []string{gh.ID, both.ID}},
				{store.UserQuery{Provider: "gitlab"}, []string{both.ID, gl.ID}},
				{store.UserQuery{Provider: "GitHub"}, nil},
				{store.UserQuery{Provider: "git%"}, nil},
				{store.UserQuery{Provider: "nope"}, nil},
				{store.UserQuery{Provider: "github", EmailContains: "one.test"}, []string{gh.ID}},
				{store.UserQuery{Provider: "gitlab", EmailContains: "two"}, []string{both.ID}},
			}
			for _, tc := range cases {
				page, err := st.ListUsers(ctx, tc.q)
				if err != nil {
					t.Fatalf("ListUsers(%+v): %v", tc.q, err)
				}
				if got := ids(page.Users); !slices.Equal(sortedStrings(got), sortedStrings(tc.want)) {
					t.Errorf("ListUsers(%+v) = %v, want %v", tc.q, got, tc.want)
				}
				streamed := each(t, st, tc.q)
				if got := ids(streamed); !slices.Equal(got, ids(page.Users)) {
					t.Errorf("EachUser(%+v) = %v, want %v", tc.q, got, ids(page.Users))
				}
				for _, u := range streamed {
					if u.ID == both.ID && len(u.Accounts) != 2 {
						t.Errorf("EachUser: a filtered user lists %d accounts, want all 2", len(u.Accounts))
					}
				}
				for _, u := range page.Users {
					if u.ID == both.ID && len(u.Accounts) != 2 {
						t.Errorf("a filtered user lists %d accounts, want all 2", len(u.Accounts))
					}
				}
			}
			// The filter pages too.
			page, err := st.ListUsers(ctx, store.UserQuery{Provider: "github", Limit: 1})
			if err != nil || len(page.Users) != 1 || page.Next == "" {
				t.Fatalf("first filtered page = %+v, %v", page, err)
			}
			page2, err := st.ListUsers(ctx, store.UserQuery{Provider: "github", Limit: 1, After: page.Next})
			if err != nil || len(page2.Users) != 1 || page2.Users[0].ID == page.Users[0].ID {
				t.Fatalf("second filtered page = %+v, %v", page2, err)
			}
		}},
	}
}

func (s suite) duplicateTests() []test {
	caps := s.caps
	if caps.NormalizedEmails {
		return []test{{"PreventedByNormalisation", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			createUser(t, st, "Ada@Example.test")
			for _, v := range []string{"ada@example.test", " ADA@example.test ", "ａｄａ@ｅｘａｍｐｌｅ.test", "ＡＤＡ@example.test"} {
				Reject(t, st, store.ErrConflict, func() error {
					_, err := st.CreateUser(ctx, store.User{Email: v})
					return err
				})
			}
			groups, err := st.FindDuplicates(ctx)
			if err != nil || len(groups) != 0 {
				t.Errorf("FindDuplicates = %+v, %v; want none", groups, err)
			}
		}}}
	}
	return []test{
		{"Groups", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			verified := fixedTime
			plain := createUser(t, st, "ada@example.test")
			upper := createUser(t, st, "ADA@Example.TEST")
			spaced := createUser(t, st, "  ada@example.test ")
			full, err := st.CreateUser(ctx, store.User{Email: "ａｄａ@ｅｘａｍｐｌｅ.test", EmailVerified: &verified})
			if err != nil {
				t.Fatal(err)
			}
			link(t, st, upper.ID, "github", "d-1")
			link(t, st, upper.ID, "google", "d-2")
			bob1 := createUser(t, st, "bob@example.test")
			bob2 := createUser(t, st, "Bob@example.test")
			link(t, st, bob2.ID, "github", "d-3")
			createUser(t, st, "carol@example.test")
			createUser(t, st, "adam@example.test")
			if !caps.EmailRequired {
				if _, err := st.CreateUser(ctx, store.User{Name: "no mail 1"}); err != nil {
					t.Fatal(err)
				}
				if _, err := st.CreateUser(ctx, store.User{Name: "no mail 2"}); err != nil {
					t.Fatal(err)
				}
			}
			before := Counts(t, st)
			groups, err := st.FindDuplicates(ctx)
			if err != nil {
				t.Fatalf("FindDuplicates: %v", err)
			}
			AssertCounts(t, st, before)
			if len(groups) != 2 {
				t.Fatalf("FindDuplicates found %d groups, want 2: %+v", len(groups), groups)
			}
			ada, bob := groups[0], groups[1]
			if ada.Key != "ada@example.test" || bob.Key != "bob@example.test" {
				t.Fatalf("group keys %q, %q", ada.Key, bob.Key)
			}
			if got, want := sortedStrings(ids(ada.Users)), sortedStrings([]string{plain.ID, upper.ID, spaced.ID, full.ID}); !slices.Equal(got, want) {
				t.Errorf("ada group = %v, want %v", got, want)
			}
			// A verified email wins over more accounts.
			if ada.SuggestedTarget != full.ID {
				t.Errorf("ada suggested target %s, want the verified user %s", ada.SuggestedTarget, full.ID)
			}
			// Without verified emails, the most linked accounts win.
			if got, want := sortedStrings(ids(bob.Users)), sortedStrings([]string{bob1.ID, bob2.ID}); !slices.Equal(got, want) {
				t.Errorf("bob group = %v, want %v", got, want)
			}
			if bob.SuggestedTarget != bob2.ID {
				t.Errorf("bob suggested target %s, want %s (it has an account)", bob.SuggestedTarget, bob2.ID)
			}
			for _, u := range ada.Users {
				if u.ID == upper.ID && len(u.Accounts) != 2 {
					t.Errorf("grouped user lists %d accounts, want 2", len(u.Accounts))
				}
			}
		}},
		{"None", func(t *testing.T, st store.Store) {
			createUser(t, st, "one@example.test")
			createUser(t, st, "two@example.test")
			groups, err := st.FindDuplicates(ctxOf(t))
			if err != nil || len(groups) != 0 {
				t.Errorf("FindDuplicates = %+v, %v; want none", groups, err)
			}
		}},
	}
}

func (s suite) mergeTests() []test {
	caps := s.caps
	type fixture struct {
		target, src1, src2, bystander store.User
		sessions                      []store.Session
	}
	setup := func(t *testing.T, st store.Store) fixture {
		ctx := ctxOf(t)
		var f fixture
		f.target = createUser(t, st, "target@example.test")
		f.target.Name = ""
		if _, err := st.UpdateUser(ctx, f.target); err != nil {
			t.Fatal(err)
		}
		verified := fixedTime
		var err error
		f.src1, err = st.CreateUser(ctx, store.User{Name: "Source One", Email: "src1@example.test", Image: "https://img.example.test/1.png", EmailVerified: &verified})
		if err != nil {
			t.Fatal(err)
		}
		f.src2 = createUser(t, st, "src2@example.test")
		f.bystander = createUser(t, st, "by@example.test")
		link(t, st, f.target.ID, "email", "target@example.test")
		link(t, st, f.src1.ID, "github", "m-1")
		link(t, st, f.src1.ID, "google", "m-2")
		link(t, st, f.src2.ID, "gitlab", "m-3")
		link(t, st, f.bystander.ID, "github", "m-4")
		f.sessions = []store.Session{
			newSession(t, st, f.src1.ID, time.Now().Add(time.Hour)),
			newSession(t, st, f.src1.ID, time.Now().Add(2*time.Hour)),
			newSession(t, st, f.src2.ID, time.Now().Add(3*time.Hour)),
			newSession(t, st, f.bystander.ID, time.Now().Add(4*time.Hour)),
		}
		return f
	}
	return []test{
		{"Merge", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			f := setup(t, st)
			before := coreCounts(t, st)
			plan, err := st.MergeUsers(ctx, f.target.ID, []string{f.src1.ID, f.src2.ID}, false)
			if err != nil {
				t.Fatalf("MergeUsers: %v", err)
			}
			if plan.Target != f.target.ID || len(plan.MovedAccounts) != 3 || plan.MovedSessions != 3 || plan.DryRun {
				t.Errorf("plan = %+v", plan)
			}
			if plan.FilledFields["name"] != "Source One" || plan.FilledFields["image"] != "https://img.example.test/1.png" {
				t.Errorf("filled fields = %v", plan.FilledFields)
			}
			if _, ok := plan.FilledFields["email"]; ok {
				t.Errorf("the target's email was replaced: %v", plan.FilledFields)
			}
			got := mustGetUser(t, st, f.target.ID)
			if got.Name != "Source One" || got.Image != "https://img.example.test/1.png" || got.Email != f.target.Email {
				t.Errorf("merged user = %s", fmtUser(got))
			}
			if got.EmailVerified != nil {
				t.Errorf("the target got the verification date of another address: %s", fmtUser(got))
			}
			for _, id := range []string{f.src1.ID, f.src2.ID} {
				_, err := st.GetUser(ctx, id)
				notFound(t, "merged source", err)
			}
			for _, k := range [][2]string{{"github", "m-1"}, {"google", "m-2"}, {"gitlab", "m-3"}, {"email", "target@example.test"}} {
				if owner, err := st.GetUserByAccount(ctx, k[0], k[1]); err != nil || owner.ID != f.target.ID {
					t.Errorf("account %s/%s belongs to %v (%v), want the target", k[0], k[1], owner.ID, err)
				}
			}
			if owner, err := st.GetUserByAccount(ctx, "github", "m-4"); err != nil || owner.ID != f.bystander.ID {
				t.Errorf("bystander's account moved: %v, %v", owner.ID, err)
			}
			for i, sess := range f.sessions {
				want := f.target.ID
				if i == 3 {
					want = f.bystander.ID
				}
				if _, owner, err := st.GetSessionAndUser(ctx, sess.Token); err != nil || owner.ID != want {
					t.Errorf("session %d belongs to %v (%v), want %s", i, owner.ID, err, want)
				}
			}
			if after, want := coreCounts(t, st), (core{before.Users - 2, before.Accounts, before.Sessions}); after != want {
				t.Errorf("counts after merge = %+v, want %+v", after, want)
			}
			if caps.Events {
				evs, err := st.ListEvents(ctx, store.EventQuery{UserID: f.target.ID, Type: store.EventMergeUsers})
				if err != nil || len(evs) != 1 {
					t.Fatalf("merge events = %+v, %v; want one", evs, err)
				}
				if !strings.Contains(evs[0].Detail["sources"], f.src1.ID) || !strings.Contains(evs[0].Detail["sources"], f.src2.ID) {
					t.Errorf("merge event detail = %v", evs[0].Detail)
				}
			}
		}},
		{"FillsVerifiedForSameAddress", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			if caps.UniqueEmail && caps.NormalizedEmails {
				// Two users cannot share an address here; fill the
				// email itself instead.
				target, err := st.CreateUser(ctx, store.User{Name: "No Mail"})
				if err != nil {
					if caps.EmailRequired {
						return
					}
					t.Fatal(err)
				}
				verified := fixedTime
				src, err := st.CreateUser(ctx, store.User{Email: "fill@example.test", EmailVerified: &verified})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := st.MergeUsers(ctx, target.ID, []string{src.ID}, false); err != nil {
					t.Fatal(err)
				}
				got := mustGetUser(t, st, target.ID)
				if got.Email != "fill@example.test" || !sameTimePtr(got.EmailVerified, &verified) {
					t.Errorf("merged user = %s", fmtUser(got))
				}
				return
			}
			target := createUser(t, st, "same@example.test")
			verified := fixedTime
			src, err := st.CreateUser(ctx, store.User{Email: "SAME@example.test", EmailVerified: &verified})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.MergeUsers(ctx, target.ID, []string{src.ID}, false); err != nil {
				t.Fatal(err)
			}
			got := mustGetUser(t, st, target.ID)
			if got.Email != "same@example.test" || !sameTimePtr(got.EmailVerified, &verified) {
				t.Errorf("merged user = %s", fmtUser(got))
			}
		}},
		{"DryRun", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			f := setup(t, st)
			before := Counts(t, st)
			plan, err := st.MergeUsers(ctx, f.target.ID, []string{f.src1.ID, f.src2.ID}, true)
			if err != nil {
				t.Fatalf("dry run: %v", err)
			}
			AssertCounts(t, st, before)
			if !plan.DryRun || len(plan.MovedAccounts) != 3 || plan.MovedSessions != 3 || plan.FilledFields["name"] != "Source One" {
				t.Errorf("dry-run plan = %+v", plan)
			}
			sameUser(t, mustGetUser(t, st, f.target.ID), f.target)
			sameUser(t, mustGetUser(t, st, f.src1.ID), f.src1)
			if owner, err := st.GetUserByAccount(ctx, "github", "m-1"); err != nil || owner.ID != f.src1.ID {
				t.Errorf("dry run moved an account: %v, %v", owner.ID, err)
			}
		}},
		{"Rejects", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			f := setup(t, st)
			cases := []struct {
				name    string
				target  string
				sources []string
				want    error
			}{
				{"into itself", f.target.ID, []string{f.target.ID}, store.ErrInvalid},
				{"into itself among others", f.target.ID, []string{f.src1.ID, f.target.ID}, store.ErrInvalid},
				{"no sources", f.target.ID, nil, store.ErrInvalid},
				{"source twice", f.target.ID, []string{f.src1.ID, f.src1.ID}, store.ErrInvalid},
				{"unknown target", "no-such-user", []string{f.src1.ID}, store.ErrNotFound},
				{"unknown numeric target", "987654321", []string{f.src1.ID}, store.ErrNotFound},
				{"unknown source after a good one", f.target.ID, []string{f.src1.ID, "no-such-user"}, store.ErrNotFound},
				{"unknown numeric source after a good one", f.target.ID, []string{f.src1.ID, "987654321"}, store.ErrNotFound},
			}
			for _, tc := range cases {
				for _, dry := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s/dry=%v", tc.name, dry), func(t *testing.T) {
						Reject(t, st, tc.want, func() error {
							_, err := st.MergeUsers(ctx, tc.target, tc.sources, dry)
							return err
						})
					})
				}
			}
			sameUser(t, mustGetUser(t, st, f.target.ID), f.target)
			sameUser(t, mustGetUser(t, st, f.src1.ID), f.src1)
			if owner, err := st.GetUserByAccount(ctx, "github", "m-1"); err != nil || owner.ID != f.src1.ID {
				t.Errorf("a rejected merge moved an account: %v, %v", owner.ID, err)
			}
			if _, owner, err := st.GetSessionAndUser(ctx, f.sessions[0].Token); err != nil || owner.ID != f.src1.ID {
				t.Errorf("a rejected merge moved a session: %v, %v", owner.ID, err)
			}
			if caps.Events {
				evs, _ := st.ListEvents(ctx, store.EventQuery{Type: store.EventMergeUsers})
				if len(evs) != 0 {
					t.Errorf("rejected merges recorded events: %+v", evs)
				}
			}
		}},
	}
}

func (s suite) eventTests() []test {
	caps := s.caps
	if !caps.Events {
		return []test{{"Unsupported", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			before := Counts(t, st)
			if err := st.RecordEvent(ctx, store.Event{Type: store.EventSignIn, UserID: "x"}); err != nil {
				t.Errorf("RecordEvent on a store without events: %v (want it dropped)", err)
			}
			AssertCounts(t, st, before)
			Reject(t, st, store.ErrUnsupported, func() error {
				_, err := st.ListEvents(ctx, store.EventQuery{})
				return err
			})
		}}}
	}
	return []test{{"RecordAndList", func(t *testing.T, st store.Store) {
		ctx := ctxOf(t)
		u := anyUser(t, st)
		base := fixedTime
		for i, typ := range []string{store.EventSignIn, store.EventSignOut, store.EventSignIn} {
			if err := st.RecordEvent(ctx, store.Event{Type: typ, UserID: u.ID, Actor: "test", CreatedAt: base.Add(time.Duration(i) * time.Minute),
				Detail: map[string]string{"n": fmt.Sprint(i), "odd": "x' OR '1'='1"}}); err != nil {
				t.Fatalf("RecordEvent: %v", err)
			}
		}
		if err := st.RecordEvent(ctx, store.Event{Type: store.EventSignIn, UserID: "someone-else"}); err != nil {
			t.Fatal(err)
		}
		evs, err := st.ListEvents(ctx, store.EventQuery{UserID: u.ID})
		if err != nil || len(evs) != 3 {
			t.Fatalf("ListEvents(user) = %+v, %v", evs, err)
		}
		if evs[0].Detail["n"] != "2" || evs[2].Detail["n"] != "0" || evs[0].Detail["odd"] != "x' OR '1'='1" {
			t.Errorf("events not newest first: %+v", evs)
		}
		if !evs[2].CreatedAt.Equal(base) || evs[0].ID == "" || evs[0].Actor != "test" {
			t.Errorf("event = %+v", evs[2])
		}
		signins, _ := st.ListEvents(ctx, store.EventQuery{Type: store.EventSignIn})
		if len(signins) != 3 {
			t.Errorf("ListEvents(type) = %d events, want 3", len(signins))
		}
		limited, _ := st.ListEvents(ctx, store.EventQuery{Limit: 2})
		if len(limited) != 2 {
			t.Errorf("ListEvents(limit 2) = %d events", len(limited))
		}
	}}}
}

func (s suite) txTests() []test {
	return []test{
		{"CommitAndRollback", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			var committed store.User
			err := st.WithTx(ctx, func(tx store.Store) error {
				var err error
				committed, err = tx.CreateUser(ctx, store.User{Email: "tx-commit@example.test"})
				if err != nil {
					return err
				}
				_, err = tx.LinkAccount(ctx, account(committed.ID, "github", "tx-1"))
				return err
			})
			if err != nil {
				t.Fatalf("WithTx: %v", err)
			}
			if owner, err := st.GetUserByAccount(ctx, "github", "tx-1"); err != nil || owner.ID != committed.ID {
				t.Errorf("committed account: %v, %v", owner.ID, err)
			}
			boom := errors.New("boom")
			Reject(t, st, boom, func() error {
				return st.WithTx(ctx, func(tx store.Store) error {
					u, err := tx.CreateUser(ctx, store.User{Email: "tx-rollback@example.test"})
					if err != nil {
						return err
					}
					if _, err := tx.LinkAccount(ctx, account(u.ID, "github", "tx-2")); err != nil {
						return err
					}
					if _, err := tx.CreateSession(ctx, store.Session{UserID: u.ID, Token: randomToken(), Expires: time.Now()}); err != nil {
						return err
					}
					// Nested WithTx joins the transaction.
					return tx.WithTx(ctx, func(tx2 store.Store) error {
						if _, err := tx2.GetUser(ctx, u.ID); err != nil {
							return err
						}
						return boom
					})
				})
			})
			_, err = st.GetUserByEmail(ctx, "tx-rollback@example.test")
			notFound(t, "user of a rolled back transaction", err)
		}},
		{"Panic", func(t *testing.T, st store.Store) {
			ctx := ctxOf(t)
			before := Counts(t, st)
			func() {
				defer func() {
					if recover() == nil {
						t.Error("the panic did not propagate")
					}
				}()
				_ = st.WithTx(ctx, func(tx store.Store) error {
					if _, err := tx.CreateUser(ctx, store.User{Email: "tx-panic@example.test"}); err != nil {
						return err
					}
					panic("boom")
				})
			}()
			AssertCounts(t, st, before)
			// The store still works (no connection or lock left behind).
			anyUser(t, st)
		}},
	}
}

// each collects what EachUser streams.
func each(t *testing.T, st store.Store, q store.UserQuery) []store.UserWithAccounts {
	t.Helper()
	var out []store.UserWithAccounts
	if err := st.EachUser(ctxOf(t), q, func(u store.UserWithAccounts) error {
		if u.Accounts == nil {
			t.Errorf("EachUser: user %s has nil Accounts, want an empty list", u.ID)
		}
		out = append(out, u)
		return nil
	}); err != nil {
		t.Fatalf("EachUser(%+v): %v", q, err)
	}
	return out
}

func accountKeys(accounts []store.Account) []string {
	var out []string
	for _, a := range accounts {
		out = append(out, a.UserID+"|"+a.Type+"|"+a.Provider+"|"+a.ProviderAccountID)
	}
	return out
}
