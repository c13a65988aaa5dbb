package flow_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/session"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

const (
	testSecret = "flow-test-secret-0123456789abcdef0123456789"
	baseURL    = "http://127.0.0.1:9/auth"
)

func boolPtr(b bool) *bool { return &b }

func newStore(t *testing.T) *sqlstore.Store { return newBenchStore(t) }

func newBenchStore(t testing.TB) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "authkit.db"), sqlstore.Options{Create: true, AllowUnmigrated: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func oidcProvider(idp *devidp.Server, id string) *providers.Provider {
	p := providers.NewOIDC(id, "Dev "+id, idp.Issuer())
	p.ClientID, p.ClientSecret = "authkit-test-client", "authkit-test-client-secret"
	return p
}

func githubProvider(t *testing.T, idp *devidp.Server) *providers.Provider {
	t.Helper()
	p := providers.GitHub()
	if err := p.SetBaseURL(idp.URL()); err != nil {
		t.Fatal(err)
	}
	p.ClientID, p.ClientSecret = "authkit-test-client", "authkit-test-client-secret"
	p.TrustEmail = true
	return p
}

func newEngine(t testing.TB, st store.Store, policy flow.LinkingPolicy, ps ...*providers.Provider) *flow.Engine {
	t.Helper()
	cfg := flow.Config{Providers: ps, Secrets: []string{testSecret}, BaseURL: baseURL, Linking: policy}
	if st != nil {
		cfg.Store = st
	}
	e, err := flow.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// browser plays the user agent: it follows the authorization URL to the
// provider, which approves at once, and returns the callback parameters.
func authorize(t *testing.T, start *flow.Start) url.Values { return authorizeB(t, start) }

func authorizeB(t testing.TB, start *flow.Start) url.Values {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(start.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("authorize answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !strings.HasPrefix(loc.String(), start.RedirectURI) {
		t.Fatalf("redirected to %s, not the redirect URI %s", loc, start.RedirectURI)
	}
	return loc.Query()
}

func signIn(t *testing.T, e *flow.Engine, providerID string, current string) (*flow.Result, error) {
	t.Helper()
	ctx := context.Background()
	start, err := e.BeginSignIn(ctx, providerID, flow.BeginOptions{})
	if err != nil {
		t.Fatal(err)
	}
	params := authorize(t, start)
	return e.HandleCallback(ctx, flow.CallbackRequest{ProviderID: providerID, Params: params, Cookies: start.Cookies, CurrentUserID: current})
}

type counts map[string]int64

func rowCounts(t *testing.T, st store.Store) counts {
	t.Helper()
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := counts{}
	for _, tc := range info.Tables {
		c[tc.Name] = tc.Rows
	}
	return c
}

func assertUnchanged(t *testing.T, st store.Store, before counts) {
	t.Helper()
	after := rowCounts(t, st)
	for name, n := range before {
		if after[name] != n {
			t.Fatalf("table %s went from %d to %d rows on a refused sign-in", name, n, after[name])
		}
	}
}

func TestOIDCFirstAndSecondLogin(t *testing.T) {
	idp := devidp.StartTest(t, devidp.Options{Users: []devidp.User{{Email: "Ada@Example.com", Name: "Ada Lovelace"}}})
	st := newStore(t)
	e := newEngine(t, st, flow.LinkNever, oidcProvider(idp, "dev"))

	first, err := signIn(t, e, "dev", "")
	if err != nil {
		t.Fatal(err)
	}
	if first.Decision.Kind != flow.NewUser || first.User.ID == "" || first.User.Email != "ada@example.com" || first.User.Name != "Ada Lovelace" {
		t.Fatalf("first login: %+v %+v", first.Decision, first.User)
	}
	if first.Account.Type != "oidc" || first.Account.Provider != "dev" || first.Account.ProviderAccountID == "" || first.IDTokenClaims["nonce"] == nil {
		t.Fatalf("account %+v, id token %v", first.Account, first.IDTokenClaims)
	}
	if first.Session.Strategy != flow.Database || !first.Session.Stored || len(first.Session.Cookies) != 1 || first.Session.Cookies[0].Name != "authjs.session-token" {
		t.Fatalf("session %+v", first.Session)
	}
	sess, user, err := st.GetSessionAndUser(context.Background(), first.Session.Token)
	if err != nil || user.ID != first.User.ID || sess.Expires.Before(time.Now().Add(29*24*time.Hour)) {
		t.Fatalf("stored session: %v %+v", err, sess)
	}

	second, err := signIn(t, e, "dev", "")
	if err != nil {
		t.Fatal(err)
	}
	if second.Decision.Kind != flow.ExistingUser || second.User.ID != first.User.ID || second.Session.Token == first.Session.Token {
		t.Fatalf("second login: %+v, new token %v", second.Decision, second.Session.Token != first.Session.Token)
	}
	c := rowCounts(t, st)
	if c["users"] != 1 || c["accounts"] != 1 || c["sessions"] != 2 {
		t.Fatalf("rows %v", c)
	}
	events, err := st.ListEvents(context.Background(), store.EventQuery{UserID: first.User.ID})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, ev := range events {
		kinds[ev.Type]++
	}
	if kinds[store.EventCreateUser] != 1 || kinds[store.EventLinkAccount] != 1 || kinds[store.EventSignIn] != 2 {
		t.Fatalf("events %v", kinds)
	}
}

func TestJWTSessionWithoutStore(t *testing.T) {
	idp := devidp.StartTest(t, devidp.Options{})
	e := newEngine(t, nil, "", oidcProvider(idp, "dev"))
	res, err := signIn(t, e, "dev", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Decision.Kind != flow.NoStore || res.Session.Strategy != flow.JWT {
		t.Fatalf("%+v", res.Decision)
	}
	codec, _ := session.NewAuthJS([]string{testSecret}, "authjs.session-token")
	tok, err := session.Decode(codec, res.Session.Token, time.Now())
	if err != nil || tok.Subject() != res.User.ID || tok.Claims["email"] != "dev@example.com" {
		t.Fatalf("the session cookie does not decode as an Auth.js session: %v %v", err, tok)
	}
	again, _ := signIn(t, e, "dev", "")
	if again.User.ID == res.User.ID {
		t.Fatal("without a store, each sign-in must name a fresh id (as Auth.js v5)")
	}
}

func TestGitHubShapeWithEmailsFallback(t *testing.T) {
	idp := devidp.StartTest(t, devidp.Options{Shape: devidp.ShapeGitHub, Users: []devidp.User{{Email: "grace@example.com", Name: ""}}})
	st := newStore(t)
	e := newEngine(t, st, "", githubProvider(t, idp))
	res, err := signIn(t, e, "github", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Profile.Email != "grace@example.com" || !res.Profile.EmailVerified || res.Account.Type != "oauth" || res.IDTokenClaims != nil {
		t.Fatalf("%+v %+v", res.Profile, res.Account)
	}
}

func TestLinkingPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy     flow.LinkingPolicy
		unverified bool
		trust      bool
		firstTrust bool
		want       flow.DecisionKind
	}{
		{flow.LinkNever, false, true, true, ""},
		{flow.LinkVerified, false, true, true, flow.Linked},
		{flow.LinkVerified, true, true, true, ""},
		{flow.LinkVerified, false, false, true, ""},
		{flow.LinkVerified, false, true, false, ""},
		{flow.LinkAlways, true, false, true, flow.Linked},
	} {
		name := string(tc.policy)
		if tc.unverified {
			name += "/unverified"
		}
		if !tc.trust {
			name += "/untrusted"
		}
		if !tc.firstTrust {
			name += "/existing-user-never-verified"
		}
		t.Run(name, func(t *testing.T) {
			oidc := devidp.StartTest(t, devidp.Options{Users: []devidp.User{{Email: "ada@example.com", Name: "Ada"}}})
			var fails []devidp.Failure
			if tc.unverified {
				fails = append(fails, devidp.FailUnverifiedEmail)
			}
			gh := devidp.StartTest(t, devidp.Options{Shape: devidp.ShapeGitHub, Users: []devidp.User{{Email: "ada@example.com", Name: "Ada"}}, Failures: fails})
			st := newStore(t)
			ghp := githubProvider(t, gh)
			ghp.TrustEmail = tc.trust
			first := oidcProvider(oidc, "dev")
			first.TrustEmail = tc.firstTrust
			e := newEngine(t, st, tc.policy, first, ghp)
			firstRes, err := signIn(t, e, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			if (firstRes.User.EmailVerified != nil) != tc.firstTrust {
				t.Fatalf("emailVerified %v for a user made by a provider trusted=%v", firstRes.User.EmailVerified, tc.firstTrust)
			}
			before := rowCounts(t, st)
			res, err := signIn(t, e, "github", "")
			if tc.want == "" {
				if flow.CodeOf(err) != flow.OAuthAccountNotLinked || !errors.Is(err, flow.ErrAccountNotLinked) || res != nil {
					t.Fatalf("want OAuthAccountNotLinked, got %v", err)
				}
				assertUnchanged(t, st, before)
				return
			}
			if err != nil || res.Decision.Kind != tc.want || res.User.ID != firstRes.User.ID {
				t.Fatalf("%v %+v", err, res)
			}
			if c := rowCounts(t, st); c["users"] != 1 || c["accounts"] != 2 {
				t.Fatalf("rows %v", c)
			}
		})
	}
}

func TestSignedInUserAddsProvider(t *testing.T) {
	oidc := devidp.StartTest(t, devidp.Options{Users: []devidp.User{{Email: "ada@example.com"}}})
	gh := devidp.StartTest(t, devidp.Options{Shape: devidp.ShapeGitHub, Users: []devidp.User{{Email: "someone-else@example.com"}}})
	st := newStore(t)
	e := newEngine(t, st, flow.LinkNever, oidcProvider(oidc, "dev"), githubProvider(t, gh))
	first, err := signIn(t, e, "dev", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := signIn(t, e, "github", first.User.ID)
	if err != nil || res.Decision.Kind != flow.Linked || res.User.ID != first.User.ID {
		t.Fatalf("%v %+v", err, res)
	}
	other := newEngine(t, st, flow.LinkNever, oidcProvider(oidc, "dev"), githubProvider(t, gh))
	stranger, err := st.CreateUser(context.Background(), store.User{Email: "stranger@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	before := rowCounts(t, st)
	res, err = signIn(t, other, "github", stranger.ID)
	if flow.CodeOf(err) != flow.OAuthAccountNotLinked || res != nil {
		t.Fatalf("an account of another user, signed in as a stranger: %v", err)
	}
	assertUnchanged(t, st, before)
}

func TestDryRunWritesNothing(t *testing.T) {
	idp := devidp.StartTest(t, devidp.Options{})
	st := newStore(t)
	e := newEngine(t, st, "", oidcProvider(idp, "dev"))
	before := rowCounts(t, st)
	ctx := context.Background()
	start, _ := e.BeginSignIn(ctx, "dev", flow.BeginOptions{})
	res, err := e.HandleCallback(ctx, flow.CallbackRequest{ProviderID: "dev", Params: authorize(t, start), Cookies: start.Cookies, DryRun: true})
	if err != nil || res.Decision.Kind != flow.NewUser || res.Session.Stored {
		t.Fatalf("%v %+v", err, res)
	}
	assertUnchanged(t, st, before)
}
