package flow_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/mail"
	"github.com/authkit-dev/authkit/pkg/store"
)

// outbox is a mail.Sender that keeps what it was given, or refuses.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
	fail error
}

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		return o.fail
	}
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) messages() []mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]mail.Message(nil), o.sent...)
}

var linkPattern = regexp.MustCompile(`https?://\S+/auth/callback/email\?\S+`)

func (o *outbox) lastLink(t *testing.T) string {
	t.Helper()
	ms := o.messages()
	if len(ms) == 0 {
		t.Fatal("no email was sent")
	}
	link := linkPattern.FindString(ms[len(ms)-1].Text)
	if link == "" {
		t.Fatalf("no link in %q", ms[len(ms)-1].Text)
	}
	return link
}

type emailApp struct {
	*app
	box *outbox
	e   *flow.Engine
	now *time.Time
}

func newEmailApp(t *testing.T, st store.Store, strategy flow.Strategy, opts ...flow.HandlerOptions) *emailApp {
	t.Helper()
	now := time.Now()
	a := &emailApp{app: &app{st: st}, box: &outbox{}, now: &now}
	mux := http.NewServeMux()
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	var err error
	a.e, err = flow.New(flow.Config{Secrets: []string{testSecret}, BaseURL: a.srv.URL + "/auth", Store: st, Strategy: strategy,
		Email: &flow.EmailConfig{Sender: a.box, From: "Acme <no-reply@example.com>"}, Now: func() time.Time { return *a.now }})
	if err != nil {
		t.Fatal(err)
	}
	var o flow.HandlerOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	a.h = flow.NewHandler(a.e, o)
	mux.Handle("/auth/", a.h)
	return a
}

func (a *emailApp) requestLink(t *testing.T, c *http.Client, email string) *http.Response {
	t.Helper()
	tok := csrf(t, c, a.app)
	resp, _ := do(t, c, "POST", a.srv.URL+"/auth/signin/email", url.Values{"csrfToken": {tok}, "email": {email}, "callbackUrl": {"/welcome"}})
	return resp
}

// confirm opens the link (the confirmation page) and presses its button.
func (a *emailApp) confirm(t *testing.T, c *http.Client, link string) *http.Response {
	t.Helper()
	resp, page := do(t, c, "GET", link, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, `action="`+a.srv.URL+`/auth/callback/email"`) {
		t.Fatalf("the link did not open the confirmation page: %d %s", resp.StatusCode, page)
	}
	form := url.Values{}
	for _, m := range regexp.MustCompile(`name="(\w+)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		form.Set(m[1], strings.ReplaceAll(m[2], "&amp;", "&"))
	}
	resp, _ = do(t, c, "POST", a.srv.URL+"/auth/callback/email", form)
	return resp
}

func assertNoSession(t *testing.T, resp *http.Response) {
	t.Helper()
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, "authjs.session-token") && c.MaxAge >= 0 && c.Value != "" {
			t.Fatalf("a session cookie was set on a refusal: %s", c.Name)
		}
	}
}

func TestEmailSignIn(t *testing.T) {
	for _, strategy := range []flow.Strategy{flow.Database, flow.JWT} {
		t.Run(string(strategy), func(t *testing.T) {
			a := newEmailApp(t, newStore(t), strategy)
			c := browser(t)
			if _, page := do(t, c, "GET", a.srv.URL+"/auth/signin", nil); !strings.Contains(page, `action="`+a.srv.URL+`/auth/signin/email"`) {
				t.Fatal("the sign-in page has no email form")
			}
			resp := a.requestLink(t, c, "  Ada@Example.COM ")
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != a.srv.URL+"/auth/verify-request?provider=email&type=email" {
				t.Fatalf("link request: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			assertNoSession(t, resp)
			m := a.box.messages()[0]
			if m.To != "ada@example.com" || m.Subject != "Sign in to "+strings.TrimPrefix(a.srv.URL, "http://") || !strings.Contains(m.HTML, "ada@example.com") {
				t.Fatalf("message %+v", m)
			}
			link := a.box.lastLink(t)
			u, _ := url.Parse(link)
			raw := u.Query().Get("token")
			if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(raw) || u.Query().Get("email") != "ada@example.com" || u.Query().Get("callbackUrl") != a.srv.URL+"/welcome" {
				t.Fatalf("link %s", link)
			}
			if _, err := a.st.UseVerificationToken(context.Background(), "ada@example.com", raw); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the raw token is in the store: %v", err)
			}
			before := rowCounts(t, a.st)
			if before["verification_tokens"] != 1 || before["users"] != 0 {
				t.Fatalf("rows after the request: %v", before)
			}
			for _, method := range []string{"HEAD", "GET", "GET"} {
				resp, _ := do(t, browser(t), method, link, nil)
				assertNoSession(t, resp)
			}
			assertUnchanged(t, a.st, before)

			resp = a.confirm(t, c, link)
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != a.srv.URL+"/welcome" || cookieNamed(resp, "authjs.session-token") == nil {
				t.Fatalf("confirm: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			if _, body := do(t, c, "GET", a.srv.URL+"/auth/session", nil); !strings.Contains(body, `"email":"ada@example.com"`) {
				t.Fatalf("session %s", body)
			}
			u2, err := a.st.GetUserByEmail(context.Background(), "ada@example.com")
			if err != nil || u2.EmailVerified == nil {
				t.Fatalf("user %+v %v", u2, err)
			}
			after := rowCounts(t, a.st)
			if after["verification_tokens"] != 0 || after["accounts"] != 0 || after["users"] != 1 {
				t.Fatalf("rows after sign-in: %v", after)
			}
			evs, _ := a.st.ListEvents(context.Background(), store.EventQuery{UserID: u2.ID})
			if len(evs) != 2 || evs[0].Type != store.EventSignIn || evs[1].Type != store.EventCreateUser {
				t.Fatalf("events %+v", evs)
			}

			before = rowCounts(t, a.st)
			other := browser(t)
			resp = a.confirm(t, other, link)
			if resp.Header.Get("Location") != a.srv.URL+"/auth/error?error=Verification" {
				t.Fatalf("second use: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			assertNoSession(t, resp)
			assertUnchanged(t, a.st, before)
		})
	}
}

func TestEmailSignInExistingUser(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	grace, _ := st.CreateUser(ctx, store.User{Email: "grace@example.com", Name: "Grace"})
	a := newEmailApp(t, st, flow.Database)
	c := browser(t)
	a.requestLink(t, c, "ada@example.com")
	if resp := a.confirm(t, c, a.box.lastLink(t)); cookieNamed(resp, "authjs.session-token") == nil {
		t.Fatal("ada was not signed in")
	}
	if n := rowCounts(t, st)["sessions"]; n != 1 {
		t.Fatalf("%d sessions", n)
	}
	a.requestLink(t, c, "grace@example.com")
	if resp := a.confirm(t, c, a.box.lastLink(t)); resp.Header.Get("Location") != a.srv.URL+"/welcome" {
		t.Fatalf("grace: %s", resp.Header.Get("Location"))
	}
	g, _ := st.GetUserByEmail(ctx, "grace@example.com")
	if g.ID != grace.ID || g.EmailVerified == nil || g.Name != "Grace" {
		t.Fatalf("grace %+v", g)
	}
	sessions, _ := st.ListSessions(ctx, store.SessionQuery{})
	if len(sessions) != 1 || sessions[0].UserID != grace.ID {
		t.Fatalf("ada's session was not ended when grace signed in: %+v", sessions)
	}
	evs, _ := st.ListEvents(ctx, store.EventQuery{UserID: grace.ID, Type: store.EventUpdateUser})
	if len(evs) != 1 {
		t.Fatalf("no user.update event: %+v", evs)
	}
}

func TestEmailLinksRefused(t *testing.T) {
	a := newEmailApp(t, newStore(t), flow.Database)
	c := browser(t)
	a.requestLink(t, c, "ada@example.com")
	link := a.box.lastLink(t)
	u, _ := url.Parse(link)
	q := u.Query()
	a.requestLink(t, c, "eve@example.com")
	eveLink, _ := url.Parse(a.box.lastLink(t))
	post := func(form url.Values, withCSRF bool) *http.Response {
		b := browser(t)
		if withCSRF {
			form.Set("csrfToken", csrf(t, b, a.app))
		}
		resp, _ := do(t, b, "POST", a.srv.URL+"/auth/callback/email", form)
		return resp
	}
	wrong := strings.Repeat("0", 64)
	cases := []struct {
		name  string
		form  url.Values
		csrf  bool
		where string
	}{
		{"no csrf", url.Values{"email": {"ada@example.com"}, "token": {q.Get("token")}}, false, "/auth/signin?error=MissingCSRF"},
		{"another address", url.Values{"email": {"eve@example.com"}, "token": {q.Get("token")}}, true, "/auth/error?error=Verification"},
		{"eve's token for ada", url.Values{"email": {"ada@example.com"}, "token": {eveLink.Query().Get("token")}}, true, "/auth/error?error=Verification"},
		{"wrong token", url.Values{"email": {"ada@example.com"}, "token": {wrong}}, true, "/auth/error?error=Verification"},
		{"short token", url.Values{"email": {"ada@example.com"}, "token": {q.Get("token")[:63]}}, true, "/auth/error?error=Verification"},
		{"no token", url.Values{"email": {"ada@example.com"}}, true, "/auth/error?error=Verification"},
		{"bad address", url.Values{"email": {"ada@example.com\r\nbcc: e@evil.com"}, "token": {q.Get("token")}}, true, "/auth/error?error=Verification"},
	}
	before := rowCounts(t, a.st)
	for _, tc := range cases {
		resp := post(tc.form, tc.csrf)
		if resp.Header.Get("Location") != a.srv.URL+tc.where {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, resp.Header.Get("Location"))
		}
		assertNoSession(t, resp)
	}
	assertUnchanged(t, a.st, before)

	*a.now = a.now.Add(24 * time.Hour)
	resp := post(url.Values{"email": {"ada@example.com"}, "token": {q.Get("token")}}, true)
	if resp.Header.Get("Location") != a.srv.URL+"/auth/error?error=Verification" {
		t.Fatalf("expired at the boundary: %s", resp.Header.Get("Location"))
	}
	assertNoSession(t, resp)
	after := rowCounts(t, a.st)
	if after["verification_tokens"] != before["verification_tokens"]-1 || after["users"] != 0 || after["sessions"] != 0 {
		t.Fatalf("the expired token was not deleted, or something was written: %v → %v", before, after)
	}
}

func TestEmailAddressesRefused(t *testing.T) {
	a := newEmailApp(t, newStore(t), flow.JWT)
	c := browser(t)
	before := rowCounts(t, a.st)
	for _, addr := range []string{"", "ada", "a@x.com,b@y.com", `"e@attacker.com"@victim.com`, "victim@x.com\r\nBcc: e@evil.com",
		strings.Repeat("a", 1024) + "@example.com", "ada@@example.com", "ada@exam@ple.com", "vіctim@example.com", "ada@localhost",
		"ada @example.com", "<ada@example.com>", "ada@example.com>", "ada@-example.com", ".ada@example.com"} {
		resp := a.requestLink(t, c, addr)
		if resp.Header.Get("Location") != a.srv.URL+"/auth/signin?error=EmailSignInError" {
			t.Errorf("%q: %d %s", addr, resp.StatusCode, resp.Header.Get("Location"))
		}
		assertNoSession(t, resp)
	}
	if n := len(a.box.messages()); n != 0 {
		t.Fatalf("%d messages sent to refused addresses", n)
	}
	assertUnchanged(t, a.st, before)
}

func TestNormalizeEmailIdentifier(t *testing.T) {
	for in, want := range map[string]string{
		"Victim@X.COM ":        "victim@x.com",
		"victim＠x.com":         "victim@x.com",
		"ＡＤＡ@example.com":      "ada@example.com",
		"o'brien+tag@ex.co.uk": "o'brien+tag@ex.co.uk",
	} {
		got, err := flow.NormalizeEmailIdentifier(in)
		if err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
		if again, _ := flow.NormalizeEmailIdentifier(got); again != got {
			t.Errorf("%q is not its own normal form", got)
		}
	}
	for _, in := range []string{"a@b", "a@b..c", "a..b@c.d", "a@b.c,d@e.f", "ä@example.com", "ada@exämple.com", "a\x00@b.c", strings.Repeat("a", 65) + "@b.c"} {
		if got, err := flow.NormalizeEmailIdentifier(in); !errors.Is(err, flow.ErrBadEmail) || flow.CodeOf(err) != flow.EmailSignInError {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
}

func TestEmailSameAnswerForUnknownAddresses(t *testing.T) {
	st := newStore(t)
	st.CreateUser(context.Background(), store.User{Email: "known@example.com"})
	a := newEmailApp(t, st, flow.JWT)
	known := a.requestLink(t, browser(t), "known@example.com")
	unknown := a.requestLink(t, browser(t), "unknown@example.com")
	if known.StatusCode != unknown.StatusCode || known.Header.Get("Location") != unknown.Header.Get("Location") {
		t.Fatalf("known %d %s, unknown %d %s", known.StatusCode, known.Header.Get("Location"), unknown.StatusCode, unknown.Header.Get("Location"))
	}
	if n := rowCounts(t, st)["users"]; n != 1 {
		t.Fatalf("a link request made a user: %d", n)
	}
}

func TestEmailRateLimits(t *testing.T) {
	a := newEmailApp(t, newStore(t), flow.JWT)
	for i := range 5 {
		if resp := a.requestLink(t, browser(t), "ada@example.com"); !strings.Contains(resp.Header.Get("Location"), "verify-request") {
			t.Fatalf("link %d refused: %s", i+1, resp.Header.Get("Location"))
		}
	}
	before := rowCounts(t, a.st)
	resp := a.requestLink(t, browser(t), "ada@example.com")
	if resp.Header.Get("Location") != a.srv.URL+"/auth/signin?error=EmailSignInError" || len(a.box.messages()) != 5 {
		t.Fatalf("sixth link for one address: %s, %d sent", resp.Header.Get("Location"), len(a.box.messages()))
	}
	assertUnchanged(t, a.st, before)
	for i := range 14 {
		a.requestLink(t, browser(t), "user"+string(rune('a'+i))+"@example.com")
	}
	if resp := a.requestLink(t, browser(t), "zed@example.com"); resp.Header.Get("Location") != a.srv.URL+"/auth/signin?error=EmailSignInError" {
		t.Fatalf("one client asked for more than 20 links: %s", resp.Header.Get("Location"))
	}
	*a.now = a.now.Add(time.Hour)
	if resp := a.requestLink(t, browser(t), "ada@example.com"); !strings.Contains(resp.Header.Get("Location"), "verify-request") {
		t.Fatalf("the limit did not end after an hour: %s", resp.Header.Get("Location"))
	}
}

func TestEmailSendFailureLeavesNothing(t *testing.T) {
	a := newEmailApp(t, newStore(t), flow.Database)
	a.box.fail = errors.New("authkit: cannot send the sign-in email: 554 transaction failed")
	before := rowCounts(t, a.st)
	resp := a.requestLink(t, browser(t), "ada@example.com")
	if resp.Header.Get("Location") != a.srv.URL+"/auth/signin?error=EmailSignInError" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	assertNoSession(t, resp)
	assertUnchanged(t, a.st, before)
}

func TestEmailTokenUsedOnce(t *testing.T) {
	stores := map[string]func(*testing.T) store.Store{"sqlite": func(t *testing.T) store.Store { return newStore(t) }, "postgres": openPostgres}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			a := newEmailApp(t, st, flow.Database)
			addr := "double-" + strings.ToLower(name) + "-" + time.Now().Format("150405.000000000") + "@example.com"
			if _, err := a.e.SendSignInLink(context.Background(), addr, "/", "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(a.box.lastLink(t))
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok := 0
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := a.e.SignInWithEmailToken(context.Background(), addr, u.Query().Get("token"), flow.CallbackRequest{})
					if err == nil {
						mu.Lock()
						ok++
						mu.Unlock()
					} else if !errors.Is(err, flow.ErrLinkInvalid) {
						t.Errorf("a second click failed otherwise: %v", err)
					}
				}()
			}
			wg.Wait()
			if ok != 1 {
				t.Fatalf("%d of 8 concurrent clicks signed in", ok)
			}
			sessions, _ := st.ListSessions(context.Background(), store.SessionQuery{})
			n := 0
			for _, s := range sessions {
				if usr, _ := st.GetUser(context.Background(), s.UserID); usr.Email == addr {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d sessions for %s", n, addr)
			}
		})
	}
}

// The link's host comes from the base URL, whatever Host or forwarding
// headers the request carries (CVE-2022-31127 class).
func TestEmailLinkHostFromConfig(t *testing.T) {
	a := newEmailApp(t, newStore(t), flow.JWT)
	c := browser(t)
	tok := csrf(t, c, a.app)
	do(t, c, "POST", a.srv.URL+"/auth/signin/email", url.Values{"csrfToken": {tok}, "email": {"ada@example.com"}},
		"Host", "evil.example", "X-Forwarded-Host", "evil.example", "Forwarded", "host=evil.example")
	m := a.box.messages()
	if len(m) != 1 || strings.Contains(m[0].Text+m[0].HTML+m[0].Subject, "evil") || !strings.HasPrefix(a.box.lastLink(t), a.srv.URL+"/auth/callback/email?") {
		t.Fatalf("messages %+v", m)
	}
}

// Issuing a link deletes the verification tokens that expired, at most
// once per ten minutes.
func TestExpiredTokensArePruned(t *testing.T) {
	st := newStore(t)
	a := newEmailApp(t, st, flow.JWT)
	ctx := context.Background()
	st.CreateVerificationToken(ctx, store.VerificationToken{Identifier: "old@example.com", Token: "h1", Expires: a.now.Add(-time.Hour)})
	if _, err := a.e.SendSignInLink(ctx, "ada@example.com", "/", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for rowCounts(t, st)["verification_tokens"] != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the expired token was not deleted: %v", rowCounts(t, st))
		}
		time.Sleep(10 * time.Millisecond)
	}
	st.CreateVerificationToken(ctx, store.VerificationToken{Identifier: "old@example.com", Token: "h2", Expires: a.now.Add(-time.Hour)})
	a.e.SendSignInLink(ctx, "grace@example.com", "/", "192.0.2.1")
	time.Sleep(100 * time.Millisecond)
	if n := rowCounts(t, st)["verification_tokens"]; n != 3 {
		t.Fatalf("pruned again within ten minutes: %d rows", n)
	}
}
