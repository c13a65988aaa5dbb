package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/clitest"
	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// Test-only credentials: the providers run on 127.0.0.1 for one test.
const (
	opClientID     = "authkit-e2e"
	opClientSecret = "e2e-op-client-secret-test-only"
	ghClientID     = "Iv1.e2e0000000000001"
	ghClientSecret = "e2e-github-client-secret-test-only"
	authSecret     = "e2e-auth-secret-test-only-0123456789abcdef"
)

// alice has an account at both providers, with the same verified email.
var alice = struct {
	user
	Name string
}{user: user{Login: "248289761001", Email: "alice@example.com"}, Name: "Alice Example"}

// fixture is what every subtest shares: one Chromium, one oidc-provider,
// one GitHub-shaped dev IdP.
type fixture struct {
	browser  *browser
	opIssuer string
	opPort   int
	gh       *devidp.Server
	ghAlice  devidp.User
}

// TestLogin signs in with `authkit login --save` through a real headless
// Chromium: against the certified OpenID provider oidc-provider (a first
// and a second login), then against a GitHub-shaped OAuth 2 provider with
// the same verified email under each linking policy, and checks the rows of
// a migrated SQLite store after each.
func TestLogin(t *testing.T) {
	began := time.Now()
	f := &fixture{browser: startBrowser(t)}
	// oidc-provider compares redirect URIs exactly, so the callback port
	// is chosen here and given both to it and to authkit login --port.
	f.opPort = freePort(t)
	f.opIssuer = startOIDCProvider(t, opConfig{
		ClientID: opClientID, ClientSecret: opClientSecret,
		RedirectURIs: []string{fmt.Sprintf("http://localhost:%d/api/auth/callback/op", f.opPort)},
		Login:        alice.Login, Email: alice.Email, Name: alice.Name,
	})
	f.gh = devidp.StartTest(t, devidp.Options{
		Shape: devidp.ShapeGitHub, LoginPage: true,
		ClientID: ghClientID, ClientSecret: ghClientSecret,
		Users: []devidp.User{
			{Email: "bob@example.com", Name: "Bob Other"},
			// The email is private on /user, so authkit reads the verified
			// primary address from /user/emails, as on github.com.
			{Email: alice.Email, Name: alice.Name, PrivateEmail: true},
		},
	})
	f.ghAlice = f.gh.Users()[1]
	t.Logf("chromium, oidc-provider (%s) and the GitHub-shaped dev IdP (%s) ready in %s",
		f.opIssuer, f.gh.URL(), time.Since(began).Round(time.Millisecond))

	t.Run("oidc first and second login", func(t *testing.T) {
		db := newDB(t)
		tb := f.browser.newTab(t)
		first := f.loginOIDC(t, tb, db)
		if got, want := kinds(first.pages), []string{"op-login", "op-consent", "authkit-result"}; !slices.Equal(got, want) {
			t.Fatalf("pages %v, want %v", got, want)
		}
		// The browser rendered oidc-provider's own pages.
		login, consent := first.pages[0], first.pages[1]
		if !strings.HasPrefix(login.URL, f.opIssuer+"/interaction/") || !strings.HasPrefix(login.Text, "Sign-in") {
			t.Errorf("sign-in page: %q at %s:\n%s", login.Title, login.URL, login.Text)
		}
		// (The layout's <title> is always "Sign-in"; the heading names the step.)
		if !strings.HasPrefix(consent.Text, "Authorize") || !strings.Contains(consent.Text, "email") || !strings.Contains(consent.Text, "profile") || !strings.Contains(consent.Text, "Continue") {
			t.Errorf("consent page: %q:\n%s", consent.Title, consent.Text)
		}
		f.checkResultPage(t, first, "op", f.opPort)
		uid := first.report.Linking.UserID
		if first.report.Linking.Kind != "new_user" || uid == "" || first.report.User.ID != uid {
			t.Fatalf("first login: linking %+v, user %+v; want a new user", first.report.Linking, first.report.User)
		}
		if a := first.report.Account; a.Provider != "op" || a.Type != "oidc" || a.ProviderAccountID != alice.Login {
			t.Errorf("account %+v, want op/oidc/%s", a, alice.Login)
		}
		if p := first.report.Profile; p.Email != alice.Email || !p.EmailVerified || p.Name != alice.Name {
			t.Errorf("profile %+v", p)
		}
		if s := first.report.Session; s.Strategy != "database" || !s.Stored {
			t.Errorf("session %+v, want a stored database session", s)
		}
		rows := readRows(t, db)
		rows.want(t, uid, 1, []string{"op/" + alice.Login}, 1)

		// The same browser again: oidc-provider remembers the sign-in and
		// the consent, so it sends the browser straight back.
		second := f.loginOIDC(t, tb, db)
		if got, want := kinds(second.pages), []string{"authkit-result"}; !slices.Equal(got, want) {
			t.Fatalf("second login pages %v, want %v", got, want)
		}
		f.checkResultPage(t, second, "op", f.opPort)
		if second.report.Linking.Kind != "existing_user" || second.report.Linking.UserID != uid {
			t.Fatalf("second login: linking %+v; want existing_user %s", second.report.Linking, uid)
		}
		rows = readRows(t, db)
		rows.want(t, uid, 1, []string{"op/" + alice.Login}, 2)
	})

	t.Run("github, linking never", func(t *testing.T) {
		db := newDB(t)
		tb := f.browser.newTab(t)
		uid := f.seedOIDC(t, tb, db)
		r := f.loginGitHub(t, tb, db, "--base-url", f.gh.URL(), "--linking", "never")
		f.checkGitHubPages(t, r)
		r.wantRefused(t, "OAuthAccountNotLinked")
		readRows(t, db).want(t, uid, 1, []string{"op/" + alice.Login}, 1)
	})

	t.Run("github, linking verified", func(t *testing.T) {
		db := newDB(t)
		tb := f.browser.newTab(t)
		uid := f.seedOIDC(t, tb, db)

		// --base-url makes github a GitHub Enterprise Server, whose
		// administrator decides which addresses count as verified, so
		// pkg/providers sets TrustEmail false: the verified policy does not
		// take its email_verified at its word and refuses to link.
		r := f.loginGitHub(t, tb, db, "--base-url", f.gh.URL(), "--linking", "verified")
		f.checkGitHubPages(t, r)
		r.wantRefused(t, "OAuthAccountNotLinked", "not trusted to verify emails")
		readRows(t, db).want(t, uid, 1, []string{"op/" + alice.Login}, 1)

		// authkit.yaml may trust a server one runs (trust_email: true with
		// base_url). Still, the user made by the OpenID provider, which is
		// not trusted for email, has an email nobody verified: linking onto
		// it would let whoever registered that address first take the
		// account over, so verified refuses.
		cfg := filepath.Join(t.TempDir(), "authkit.yaml")
		yaml := "providers:\n  - id: github\n    base_url: " + f.gh.URL() + "\n    trust_email: true\n" +
			"  - id: op\n    type: oidc\n    issuer: " + f.opIssuer + "\n    trust_email: true\n"
		if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		r = f.loginGitHub(t, tb, db, "--config", cfg, "--linking", "verified")
		f.checkGitHubPages(t, r)
		r.wantRefused(t, "OAuthAccountNotLinked", "nobody ever verified")
		readRows(t, db).want(t, uid, 1, []string{"op/" + alice.Login}, 1)

		// With both providers trusted, the first sign-in records the email
		// as verified, and the second provider's verified address links.
		db = newDB(t)
		uid = f.seedOIDC(t, tb, db, "--config", cfg)
		r = f.loginGitHub(t, tb, db, "--config", cfg, "--linking", "verified")
		f.checkGitHubPages(t, r)
		r.wantLinked(t, f, uid)
		readRows(t, db).want(t, uid, 1, []string{"github/" + f.ghAlice.ID, "op/" + alice.Login}, 2)
	})

	t.Run("github, linking always", func(t *testing.T) {
		db := newDB(t)
		tb := f.browser.newTab(t)
		uid := f.seedOIDC(t, tb, db)
		r := f.loginGitHub(t, tb, db, "--base-url", f.gh.URL(), "--linking", "always")
		f.checkGitHubPages(t, r)
		r.wantLinked(t, f, uid)
		readRows(t, db).want(t, uid, 1, []string{"github/" + f.ghAlice.ID, "op/" + alice.Login}, 2)
	})
	t.Logf("TestLogin took %s", time.Since(began).Round(time.Millisecond))
}

// loginRun is one `authkit login` with what the browser saw.
type loginRun struct {
	code           int
	stdout, stderr string
	report         report
	pages          []page
}

// report is the part of `authkit login --json` the tests read.
type report struct {
	Linking struct {
		Kind   string `json:"kind"`
		Reason string `json:"reason"`
		UserID string `json:"userId"`
	} `json:"linking"`
	User    store.User `json:"user"`
	Profile struct {
		Name          string `json:"name"`
		Email         string `json:"email"`
		EmailVerified bool   `json:"emailVerified"`
	} `json:"profile"`
	Account struct {
		Type              string `json:"type"`
		Provider          string `json:"provider"`
		ProviderAccountID string `json:"providerAccountId"`
	} `json:"account"`
	Session struct {
		Strategy string `json:"strategy"`
		Stored   bool   `json:"stored"`
	} `json:"session"`
	Saved bool `json:"saved"`
}

// login runs `authkit login --json --save args...` in-process with tb as the
// user's browser, played by u.
func (f *fixture) login(t *testing.T, tb *tab, u user, db string, args ...string) loginRun {
	t.Helper()
	var run loginRun
	var browseErr error
	opened := 0
	opts := clitest.Options{
		DatabaseURL: db,
		Env: map[string]string{
			"AUTH_SECRET": authSecret,
			"AUTH_OP_ID":  opClientID, "AUTH_OP_SECRET": opClientSecret,
			"AUTH_GITHUB_ID": ghClientID, "AUTH_GITHUB_SECRET": ghClientSecret,
		},
		// authkit calls this where it would open the system browser; it
		// returns once the loopback server's page is shown (the loopback
		// server is already listening, so the callback waits for it).
		OpenBrowser: func(url string) error {
			opened++
			run.pages, browseErr = tb.signIn(url, u)
			return browseErr
		},
	}
	began := time.Now()
	r := clitest.Run(opts, append([]string{"login", "--json", "--save", "--timeout", "20s"}, args...)...)
	run.code, run.stdout, run.stderr = r.Code, r.Stdout, r.Stderr
	t.Logf("authkit login %s: exit %d in %s, pages %v", strings.Join(args, " "), r.Code, time.Since(began).Round(time.Millisecond), kinds(run.pages))
	if opened != 1 {
		t.Fatalf("authkit opened the browser %d times, want once; exit %d\n%s", opened, r.Code, r.Stderr)
	}
	if browseErr != nil {
		t.Fatalf("the browser did not reach authkit's result page: %v\npages %v\nauthkit exit %d\n%s", browseErr, kinds(run.pages), r.Code, r.Stderr)
	}
	if r.Code == 0 {
		if err := json.Unmarshal([]byte(r.Stdout), &run.report); err != nil {
			t.Fatalf("authkit login --json printed no report: %v\n%s", err, r.Stdout)
		}
		if !run.report.Saved {
			t.Fatalf("report says saved=false with --save")
		}
	}
	return run
}

func (f *fixture) loginOIDC(t *testing.T, tb *tab, db string, extra ...string) loginRun {
	t.Helper()
	r := f.login(t, tb, alice.user, db, append([]string{"--provider", "op", "--issuer", f.opIssuer, "--port", strconv.Itoa(f.opPort)}, extra...)...)
	if r.code != 0 {
		t.Fatalf("authkit login --provider op: exit %d\n%s", r.code, r.stderr)
	}
	return r
}

func (f *fixture) loginGitHub(t *testing.T, tb *tab, db string, args ...string) loginRun {
	t.Helper()
	return f.login(t, tb, alice.user, db, append([]string{"--provider", "github"}, args...)...)
}

// seedOIDC signs alice in with the OpenID provider, a new user, and
// returns the user's id.
func (f *fixture) seedOIDC(t *testing.T, tb *tab, db string, extra ...string) string {
	t.Helper()
	r := f.loginOIDC(t, tb, db, extra...)
	if r.report.Linking.Kind != "new_user" || r.report.Linking.UserID == "" {
		t.Fatalf("seed login: linking %+v, want a new user", r.report.Linking)
	}
	readRows(t, db).want(t, r.report.Linking.UserID, 1, []string{"op/" + alice.Login}, 1)
	return r.report.Linking.UserID
}

// checkResultPage checks that the tab ended on authkit's loopback page at
// the provider's callback.
func (f *fixture) checkResultPage(t *testing.T, r loginRun, provider string, port int) {
	t.Helper()
	last := r.pages[len(r.pages)-1]
	prefix := fmt.Sprintf("/api/auth/callback/%s?", provider)
	if port > 0 {
		prefix = fmt.Sprintf("http://localhost:%d", port) + prefix
	}
	if !strings.Contains(last.URL, prefix) || !strings.Contains(last.Text, "Back to the terminal") {
		t.Errorf("last page %q at %s, want authkit's \"Back to the terminal\" at %s...:\n%s", last.Title, last.URL, prefix, last.Text)
	}
}

// checkGitHubPages checks that the browser saw the dev IdP's login page,
// pressed alice's button, and ended on authkit's page.
func (f *fixture) checkGitHubPages(t *testing.T, r loginRun) {
	t.Helper()
	if got, want := kinds(r.pages), []string{"devidp-login", "authkit-result"}; !slices.Equal(got, want) {
		t.Fatalf("pages %v, want %v", got, want)
	}
	p := r.pages[0]
	if !strings.HasPrefix(p.URL, f.gh.URL()+"/login/oauth/authorize?") ||
		!strings.Contains(p.Text, "Sign in to "+ghClientID) ||
		!strings.Contains(p.Text, "Sign in as "+alice.Name+" ("+alice.Email+")") ||
		!strings.Contains(p.Text, "Sign in as Bob Other (bob@example.com)") {
		t.Errorf("dev IdP login page at %s:\n%s", p.URL, p.Text)
	}
	f.checkResultPage(t, r, "github", 0)
}

func (r loginRun) wantRefused(t *testing.T, wants ...string) {
	t.Helper()
	if r.code != 4 {
		t.Fatalf("exit %d, want 4 (a refused sign-in)\n%s", r.code, r.stderr)
	}
	for _, w := range wants {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
}

func (r loginRun) wantLinked(t *testing.T, f *fixture, uid string) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	if r.report.Linking.Kind != "linked" || r.report.Linking.UserID != uid {
		t.Fatalf("linking %+v, want linked to %s", r.report.Linking, uid)
	}
	if a := r.report.Account; a.Provider != "github" || a.Type != "oauth" || a.ProviderAccountID != f.ghAlice.ID {
		t.Errorf("account %+v, want github/oauth/%s", a, f.ghAlice.ID)
	}
	if p := r.report.Profile; p.Email != alice.Email || !p.EmailVerified {
		t.Errorf("profile %+v, want %s verified", p, alice.Email)
	}
}

// rows is what the store holds.
type rows struct {
	users    []store.UserWithAccounts
	sessions []store.Session
}

// want checks that the store holds nUsers users, the first being uid with
// alice's email and exactly the accounts "provider/id", and nSessions
// sessions, all uid's.
func (r rows) want(t *testing.T, uid string, nUsers int, accounts []string, nSessions int) {
	t.Helper()
	if len(r.users) != nUsers {
		t.Fatalf("%d users in the store, want %d: %+v", len(r.users), nUsers, r.users)
	}
	u := r.users[0]
	if u.ID != uid || !strings.EqualFold(u.Email, alice.Email) || u.Name != alice.Name {
		t.Errorf("user %+v, want %s with %s named %s", u.User, uid, alice.Email, alice.Name)
	}
	var got []string
	for _, a := range u.Accounts {
		got = append(got, a.Provider+"/"+a.ProviderAccountID)
		if a.UserID != uid {
			t.Errorf("account %s/%s belongs to %s, want %s", a.Provider, a.ProviderAccountID, a.UserID, uid)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, accounts) {
		t.Errorf("accounts %v, want %v", got, accounts)
	}
	if len(r.sessions) != nSessions {
		t.Errorf("%d sessions in the store, want %d", len(r.sessions), nSessions)
	}
	for _, s := range r.sessions {
		if s.UserID != uid || !s.Expires.After(time.Now()) {
			t.Errorf("session %s of %s expiring %s; want %s's, not expired", s.ID, s.UserID, s.Expires, uid)
		}
	}
}

// readRows reads every user (with accounts) and session of db.
func readRows(t *testing.T, db string) rows {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	page, err := st.ListUsers(ctx, store.UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := st.ListSessions(ctx, store.SessionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return rows{users: page.Users, sessions: sessions}
}

// tableRows counts the rows of each table of st.
func tableRows(t *testing.T, st store.Store) map[string]int64 {
	t.Helper()
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, tc := range info.Tables {
		out[tc.Name] = tc.Rows
	}
	return out
}

// newDB creates a migrated SQLite database with `authkit db migrate`.
func newDB(t *testing.T) string {
	t.Helper()
	db := "sqlite:" + filepath.Join(t.TempDir(), "authkit.db")
	if r := clitest.Run(clitest.Options{DatabaseURL: db}, "db", "migrate"); r.Code != 0 {
		t.Fatalf("authkit db migrate: exit %d\n%s", r.Code, r.Stderr)
	}
	return db
}

// freePort returns a port of 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
