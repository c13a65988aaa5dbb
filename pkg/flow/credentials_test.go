package flow_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/password"
	"github.com/authkit-dev/authkit/pkg/session"
	"github.com/authkit-dev/authkit/pkg/store"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

func passwordApp(t *testing.T, strategy flow.Strategy, now *time.Time) (*app, store.User) {
	t.Helper()
	return passwordAppWith(t, strategy, now, nil, flow.HandlerOptions{})
}

// passwordAppWith serves a handler with password sign-in at /auth, for
// ada@example.com (password "correct horse battery"); configure may change
// the engine's configuration first.
func passwordAppWith(t *testing.T, strategy flow.Strategy, now *time.Time, configure func(*flow.Config), opts flow.HandlerOptions) (*app, store.User) {
	t.Helper()
	st := newStore(t)
	u, err := st.CreateUser(context.Background(), store.User{Email: "ada@example.com", Name: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := password.Hash("correct horse battery")
	if err := st.SetPassword(context.Background(), u.ID, hash); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cfg := flow.Config{Secrets: []string{testSecret}, BaseURL: srv.URL + "/auth", Store: st, Strategy: strategy,
		Credentials: true, Now: func() time.Time { return *now }}
	if configure != nil {
		configure(&cfg)
	}
	e, err := flow.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := flow.NewHandler(e, opts)
	mux.Handle("/auth/", h)
	return &app{srv: srv, st: st, h: h}, u
}

func postPassword(t *testing.T, c *http.Client, a *app, email, pw string) *http.Response {
	t.Helper()
	tok := csrf(t, c, a)
	resp, _ := do(t, c, "POST", a.srv.URL+"/auth/callback/credentials", url.Values{"csrfToken": {tok}, "email": {email}, "password": {pw}, "callbackUrl": {"/home"}})
	return resp
}

func TestPasswordSignIn(t *testing.T) {
	for _, strategy := range []flow.Strategy{flow.Database, flow.JWT} {
		t.Run(string(strategy), func(t *testing.T) {
			now := time.Now()
			a, _ := passwordApp(t, strategy, &now)
			c := browser(t)
			if _, body := do(t, c, "GET", a.srv.URL+"/auth/signin", nil); !strings.Contains(body, `name="password"`) || !strings.Contains(body, "/auth/callback/credentials") {
				t.Fatal("the sign-in page has no password form")
			}
			before := rowCounts(t, a.st)
			for _, tc := range [][2]string{{"ada@example.com", "wrong"}, {"nobody@example.com", "correct horse battery"}, {"", ""}, {"ada@example.com", strings.Repeat("x", 5000)}} {
				resp := postPassword(t, c, a, tc[0], tc[1])
				if resp.Header.Get("Location") != a.srv.URL+"/auth/signin?error=CredentialsSignin&code=credentials" || cookieNamed(resp, "authjs.session-token") != nil {
					t.Fatalf("%q: %d %s", tc[0], resp.StatusCode, resp.Header.Get("Location"))
				}
			}
			assertUnchanged(t, a.st, before)
			now = now.Add(time.Hour)
			resp := postPassword(t, c, a, "ADA@example.com", "correct horse battery")
			if resp.Header.Get("Location") != a.srv.URL+"/home" || cookieNamed(resp, "authjs.session-token") == nil {
				t.Fatalf("sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			if _, body := do(t, c, "GET", a.srv.URL+"/auth/session", nil); !strings.Contains(body, "ada@example.com") {
				t.Fatalf("session %s", body)
			}
			wantRows := int64(0)
			if strategy == flow.Database {
				wantRows = 1
			}
			if n := rowCounts(t, a.st)["sessions"]; n != wantRows {
				t.Fatalf("%d session rows", n)
			}
		})
	}
}

func TestPasswordSignInThrottles(t *testing.T) {
	now := time.Now()
	a, _ := passwordApp(t, flow.Database, &now)
	c := browser(t)
	for range 3 {
		postPassword(t, c, a, "ada@example.com", "wrong")
	}
	if resp := postPassword(t, c, a, "ada@example.com", "correct horse battery"); cookieNamed(resp, "authjs.session-token") != nil {
		t.Fatal("the right password was accepted right after three failures")
	}
	now = now.Add(5 * time.Second)
	if resp := postPassword(t, c, a, "ada@example.com", "correct horse battery"); cookieNamed(resp, "authjs.session-token") == nil {
		t.Fatalf("still refused after the delay: %s", resp.Header.Get("Location"))
	}
}

func TestPasswordSignInRehashesBcrypt(t *testing.T) {
	now := time.Now()
	a, u := passwordApp(t, flow.Database, &now)
	old, _ := bcrypt.GenerateFromPassword([]byte("imported password"), bcrypt.MinCost)
	if err := a.st.SetPassword(context.Background(), u.ID, string(old)); err != nil {
		t.Fatal(err)
	}
	if resp := postPassword(t, browser(t), a, "ada@example.com", "imported password"); cookieNamed(resp, "authjs.session-token") == nil {
		t.Fatalf("bcrypt sign-in: %s", resp.Header.Get("Location"))
	}
	if h, _ := a.st.PasswordHash(context.Background(), u.ID); !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("not rehashed: %.10s", h)
	}
}

func TestPasswordSignInNeedsCSRF(t *testing.T) {
	now := time.Now()
	a, _ := passwordApp(t, flow.Database, &now)
	resp, _ := do(t, browser(t), "POST", a.srv.URL+"/auth/callback/credentials", url.Values{"email": {"ada@example.com"}, "password": {"correct horse battery"}})
	if resp.Header.Get("Location") != a.srv.URL+"/auth/signin?error=MissingCSRF" || cookieNamed(resp, "authjs.session-token") != nil {
		t.Fatalf("%s", resp.Header.Get("Location"))
	}
}

// computations is how many argon2id (or bcrypt) computations the process's
// password limiter, the one the engine uses, has run.
func computations() uint64 { return password.Default().Stats().Completed }

// phc makes an argon2id PHC string with the given cost.
func phc(pw string, memKiB, passes uint32) string {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte(pw), salt, passes, memKiB, 1, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=1$%s$%s", memKiB, passes, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// setPassword stores the hash as the user's password.
func setPassword(t *testing.T, st store.Store, userID, hash string) {
	t.Helper()
	if err := st.SetPassword(context.Background(), userID, hash); err != nil {
		t.Fatal(err)
	}
}

// Catalogue 123: an unknown user, a user without a password and a wrong
// password get the same answer (status, Location, body, cookies, error)
// and the same work: one argon2id computation each, counted, not timed.
func TestPasswordUnknownUserLooksLikeWrongPassword(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	a, _ := passwordApp(t, flow.Database, &now)
	if _, err := a.st.CreateUser(ctx, store.User{Email: "nopass@example.com"}); err != nil {
		t.Fatal(err)
	}
	before := rowCounts(t, a.st)
	type answer struct {
		Status           int
		Location, Body   string
		Cookies          string
		HTTPWork, Work   uint64
		Error            string
		Code             flow.ErrorCode
		BadCredentialsIs bool
	}
	var answers []answer
	cases := []struct{ name, email string }{
		{"wrong password", "ada@example.com"}, {"unknown user", "nobody@example.com"}, {"no password", "nopass@example.com"},
	}
	for _, tc := range cases {
		now = now.Add(time.Hour) // past any backoff
		c := browser(t)
		tok := csrf(t, c, a)
		work := computations()
		resp, body := do(t, c, "POST", a.srv.URL+"/auth/callback/credentials",
			url.Values{"csrfToken": {tok}, "email": {tc.email}, "password": {"a wrong guess 123"}, "callbackUrl": {"/home"}})
		var names []string
		for _, ck := range resp.Cookies() {
			names = append(names, ck.Name)
		}
		slices.Sort(names)
		ans := answer{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: body, Cookies: strings.Join(names, ","), HTTPWork: computations() - work}
		work = computations()
		res, err := a.h.Engine().SignInWithPassword(ctx, tc.email, "a wrong guess 123", "192.0.2.1", flow.CallbackRequest{})
		ans.Work = computations() - work
		assertRejected(t, res, err, flow.CredentialsSignin, flow.ErrBadCredentials)
		ans.Error, ans.Code, ans.BadCredentialsIs = err.Error(), flow.CodeOf(err), errors.Is(err, flow.ErrBadCredentials)
		if ans.Work != 1 || ans.HTTPWork != 1 {
			t.Errorf("%s: %d argon2 computations in the engine, %d through HTTP; want 1 each", tc.name, ans.Work, ans.HTTPWork)
		}
		if strings.Contains(ans.Cookies, "session-token") {
			t.Errorf("%s: a session cookie was set (%s)", tc.name, ans.Cookies)
		}
		answers = append(answers, ans)
	}
	for i, ans := range answers[1:] {
		if ans != answers[0] {
			t.Errorf("%s answered\n%+v\nbut %s answered\n%+v", cases[i+1].name, ans, cases[0].name, answers[0])
		}
	}
	assertUnchanged(t, a.st, before)
}

// Catalogue 130: the login identifier is normalised as at registration
// (store.NormalizeEmail): "Admin@X.com " signs in admin@x.com and cannot
// be registered as a second account, and every spelling shares one
// throttle count.
func TestPasswordIdentifierNormalised(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	a, _ := passwordApp(t, flow.Database, &now)
	e := a.h.Engine()
	admin, err := a.st.CreateUser(ctx, store.User{Email: "admin@x.com", Name: "Admin"})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := password.Hash("admin password 1")
	setPassword(t, a.st, admin.ID, h)
	if _, err := a.st.CreateUser(ctx, store.User{Email: "Admin@X.com "}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("registering \"Admin@X.com \" next to admin@x.com: %v, want ErrConflict", err)
	}
	users := rowCounts(t, a.st)["users"]
	for i, email := range []string{"Admin@X.com ", " ADMIN@x.COM", "\uff41\uff44\uff4d\uff49\uff4e@\uff58.com", "admin@x.com"} {
		res, err := e.SignInWithPassword(ctx, email, "admin password 1", fmt.Sprintf("192.0.2.%d", i+1), flow.CallbackRequest{})
		if err != nil || res.User.ID != admin.ID {
			t.Fatalf("%q: %v, %+v; want admin@x.com signed in", email, err, res)
		}
	}
	c := browser(t)
	if resp := postPassword(t, c, a, "Admin@X.com ", "admin password 1"); cookieNamed(resp, "authjs.session-token") == nil {
		t.Fatalf("\"Admin@X.com \" through the form: %s", resp.Header.Get("Location"))
	}
	if _, body := do(t, c, "GET", a.srv.URL+"/auth/session", nil); !strings.Contains(body, `"email":"admin@x.com"`) {
		t.Fatalf("session %s", body)
	}
	if n := rowCounts(t, a.st)["users"]; n != users {
		t.Fatalf("%d users after signing in with other spellings, want %d", n, users)
	}

	// Ten failures under three spellings, each from its own address,
	// throttle the one account.
	now = now.Add(time.Hour)
	spellings := []string{"Admin@X.com", " admin@x.com ", "\uff21\uff24\uff2d\uff29\uff2e@x.com"}
	for i := range 10 {
		email := spellings[i%3]
		_, err := e.SignInWithPassword(ctx, email, "wrong", fmt.Sprintf("198.51.100.%d", i+1), flow.CallbackRequest{})
		if !errors.Is(err, flow.ErrBadCredentials) {
			t.Fatalf("%q: %v", email, err)
		}
	}
	work := computations()
	if _, err := e.SignInWithPassword(ctx, "admin@x.com", "admin password 1", "198.51.100.99", flow.CallbackRequest{}); !errors.Is(err, flow.ErrThrottled) || flow.CodeOf(err) != flow.CredentialsSignin {
		t.Fatalf("after ten failures under other spellings: %v, want ErrThrottled", err)
	}
	if computations() != work {
		t.Fatal("a throttled attempt ran argon2")
	}
}

// Catalogue 126: passwords over password.MaxLength (1 KiB, 1 MB, 10 MB)
// are refused without any hashing, through the engine and the form; 64
// characters and exactly MaxLength bytes are accepted.
func TestPasswordLengthLimits(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	a, u := passwordApp(t, flow.Database, &now)
	e := a.h.Engine()
	before := rowCounts(t, a.st)
	for _, n := range []int{password.MaxLength + 1, 1_000_000, 10 << 20} {
		now = now.Add(time.Hour)
		work := computations()
		res, err := e.SignInWithPassword(ctx, "ada@example.com", strings.Repeat("x", n), "192.0.2.1", flow.CallbackRequest{})
		assertRejected(t, res, err, flow.CredentialsSignin, flow.ErrBadCredentials)
		if d := computations() - work; d != 0 {
			t.Errorf("%d bytes: %d argon2 computations, want none", n, d)
		}
	}
	// Through the form: a 1,000,000-byte password fits the handler's 1 MiB
	// body limit and is refused as a wrong password, without hashing.
	now = now.Add(time.Hour)
	work := computations()
	resp := postPassword(t, browser(t), a, "ada@example.com", strings.Repeat("x", 1_000_000))
	if resp.Header.Get("Location") != a.srv.URL+"/auth/signin?error=CredentialsSignin&code=credentials" || cookieNamed(resp, "authjs.session-token") != nil {
		t.Fatalf("1 MB through the form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if d := computations() - work; d != 0 {
		t.Errorf("1 MB through the form: %d argon2 computations, want none", d)
	}
	assertUnchanged(t, a.st, before)
	for _, pw := range []string{strings.Repeat("p4ss", 16), strings.Repeat("\u00e9", password.MaxLength/2)} {
		now = now.Add(time.Hour)
		h, err := password.Hash(pw)
		if err != nil {
			t.Fatal(err)
		}
		setPassword(t, a.st, u.ID, h)
		if _, err := e.SignInWithPassword(ctx, "ada@example.com", pw, "192.0.2.1", flow.CallbackRequest{}); err != nil {
			t.Errorf("a password of %d characters, %d bytes: %v", utf8.RuneCountInString(pw), len(pw), err)
		}
	}
}

// Catalogue 127: one rule at set and at sign-in, NFKC: a password set
// composed signs in decomposed; case, NUL, bidi marks and emoji are kept;
// nothing is trimmed. Through the form, as a browser sends it.
func TestPasswordUnicodeRule(t *testing.T) {
	now := time.Now()
	a, u := passwordApp(t, flow.Database, &now)
	cases := []struct {
		set, try string
		ok       bool
	}{
		{"Caf\u00e9-Cr\u00e8me 2024", "Cafe\u0301-Cre\u0300me 2024", true}, // decomposed
		{"Caf\u00e9-Cr\u00e8me 2024", "caf\u00e9-cr\u00e8me 2024", false},  // no case folding
		{"\uff30\uff41\uff53\uff53-\uff17\uff17", "Pass-77", true},         // full-width
		{"pass\x00w\U0001F511rd\u200f!", "pass\x00w\U0001F511rd\u200f!", true},
		{"pass\x00w\U0001F511rd\u200f!", "pass\x00w\U0001F511rd!", false},   // the RLM counts
		{"pass\x00w\U0001F511rd\u200f!", "passw\U0001F511rd\u200f!", false}, // so does NUL
		{"trailing space ", "trailing space", false},
	}
	for _, tc := range cases {
		now = now.Add(time.Hour)
		h, err := password.Hash(tc.set)
		if err != nil {
			t.Fatal(err)
		}
		setPassword(t, a.st, u.ID, h)
		resp := postPassword(t, browser(t), a, "ada@example.com", tc.try)
		if got := cookieNamed(resp, "authjs.session-token") != nil; got != tc.ok {
			t.Errorf("set %q, signed in with %q: signed in %v, want %v (%s)", tc.set, tc.try, got, tc.ok, resp.Header.Get("Location"))
		}
	}
}

// Catalogue 128: an imported bcrypt hash of a 72-byte password does not
// accept that password with more bytes after it (bcrypt reads only 72),
// and the refusal writes nothing; the exact password signs in and is
// rehashed to argon2id, which then tells the two apart.
func TestPasswordBcryptNeverTruncated(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	a, u := passwordApp(t, flow.Database, &now)
	e := a.h.Engine()
	pw72 := strings.Repeat("b", 70) + "72"
	old, err := bcrypt.GenerateFromPassword([]byte(pw72), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	setPassword(t, a.st, u.ID, string(old))
	before := rowCounts(t, a.st)
	res, err := e.SignInWithPassword(ctx, "ada@example.com", pw72+" and more", "192.0.2.1", flow.CallbackRequest{})
	assertRejected(t, res, err, flow.CredentialsSignin, flow.ErrBadCredentials)
	assertUnchanged(t, a.st, before)
	if h, _ := a.st.PasswordHash(ctx, u.ID); h != string(old) {
		t.Fatal("a refused sign-in changed the stored hash")
	}
	if _, err := e.SignInWithPassword(ctx, "ada@example.com", pw72, "192.0.2.1", flow.CallbackRequest{}); err != nil {
		t.Fatalf("the exact 72 bytes: %v", err)
	}
	h, _ := a.st.PasswordHash(ctx, u.ID)
	if !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("not rehashed: %.10s", h)
	}
	if ok, _, _ := password.Verify(pw72+" and more", h); ok {
		t.Fatal("the argon2id rehash accepts the longer password")
	}
}

// Catalogue 129: after 3 failures an account is throttled, with a wait
// that doubles from 1 s up to 15 minutes after the last failure (on the
// engine's clock), and refused attempts run no argon2. Reaching the cap
// does not start a fresh count; the right password still signs in after
// the wait (no permanent lockout) and clears the count; a day without
// failures forgets it. An address is throttled the same way across
// accounts.
func TestPasswordThrottleBackoff(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	a, _ := passwordApp(t, flow.JWT, &now)
	e := a.h.Engine()
	n := 0
	addr := func() string { n++; return fmt.Sprintf("10.0.%d.%d", n/250, n%250+1) }
	try := func(pw string) error {
		_, err := e.SignInWithPassword(ctx, "ada@example.com", pw, addr(), flow.CallbackRequest{})
		return err
	}
	const right = "correct horse battery"
	want := func(step string, err, reason error) {
		t.Helper()
		if reason == nil && err != nil || reason != nil && (!errors.Is(err, reason) || flow.CodeOf(err) != flow.CredentialsSignin) {
			t.Fatalf("%s: %v, want %v", step, err, reason)
		}
	}
	const free = 10 // failures of one account from anywhere before it slows down
	for i := range free {
		want(fmt.Sprintf("failure %d", i+1), try("wrong"), flow.ErrBadCredentials)
	}
	work := computations()
	want("right password after 10 failures", try(right), flow.ErrThrottled)
	if computations() != work {
		t.Fatal("a throttled attempt ran argon2")
	}
	wait := time.Second
	for failures := free; failures < free+13; failures++ {
		now = now.Add(wait - time.Millisecond)
		want(fmt.Sprintf("%d failures, %s after the last", failures, wait-time.Millisecond), try("wrong"), flow.ErrThrottled)
		now = now.Add(time.Millisecond)
		want(fmt.Sprintf("%d failures, %s after the last", failures, wait), try("wrong"), flow.ErrBadCredentials)
		wait = min(2*wait, 15*time.Minute)
	}
	// Past the cap the count goes on: no free attempts again.
	now = now.Add(16 * time.Minute)
	want("16 minutes after the 23rd failure", try("wrong"), flow.ErrBadCredentials)
	want("right after the 24th failure", try("wrong"), flow.ErrThrottled)
	now = now.Add(15*time.Minute - time.Millisecond)
	want("just before 15 minutes", try(right), flow.ErrThrottled)
	now = now.Add(time.Millisecond)
	want("the right password after the wait", try(right), nil)
	for i := range free {
		want(fmt.Sprintf("after a success, failure %d is free", i+1), try("wrong"), flow.ErrBadCredentials)
	}
	want("an 11th failure right away", try("wrong"), flow.ErrThrottled)
	now = now.Add(24*time.Hour + time.Second)
	for i := range free {
		want(fmt.Sprintf("a day later, failure %d is free", i+1), try("wrong"), flow.ErrBadCredentials)
	}

	// One address guessing at other accounts is throttled for every account
	// after 20 failures.
	now = now.Add(48 * time.Hour)
	for i := range 20 {
		_, err := e.SignInWithPassword(ctx, fmt.Sprintf("nobody%d@example.com", i), "guess", "203.0.113.7", flow.CallbackRequest{})
		want("guessing from one address", err, flow.ErrBadCredentials)
	}
	_, err := e.SignInWithPassword(ctx, "ada@example.com", right, "203.0.113.7", flow.CallbackRequest{})
	want("that address, another account", err, flow.ErrThrottled)
	_, err = e.SignInWithPassword(ctx, "ada@example.com", right, "203.0.113.8", flow.CallbackRequest{})
	want("another address", err, nil)

	// One address guessing one account slows down after 3 failures, while
	// the account still works from elsewhere.
	now = now.Add(48 * time.Hour)
	for i := range 3 {
		_, err := e.SignInWithPassword(ctx, "ada@example.com", "wrong", "192.0.2.50", flow.CallbackRequest{})
		want(fmt.Sprintf("pair failure %d", i+1), err, flow.ErrBadCredentials)
	}
	_, err = e.SignInWithPassword(ctx, "ada@example.com", right, "192.0.2.50", flow.CallbackRequest{})
	want("the same address and account", err, flow.ErrThrottled)
	_, err = e.SignInWithPassword(ctx, "ada@example.com", right, "192.0.2.51", flow.CallbackRequest{})
	want("the account from another address", err, nil)
}

// Catalogue 134: the submitted password appears in no log line, error,
// redirect, body or cookie, on every refusal path.
func TestPasswordNeverLogged(t *testing.T) {
	ctx := context.Background()
	const canary = "canary-Pw-0d6c1e"
	logs := &testenv.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	now := time.Now()
	a, _ := passwordAppWith(t, flow.Database, &now, func(c *flow.Config) {
		c.SignIn = func(ctx context.Context, in flow.SignInInput) error {
			if in.User != nil && in.User.Email == "eve@example.com" {
				return errors.New("eve is suspended")
			}
			return nil
		}
	}, flow.HandlerOptions{Logger: logger})
	eve, err := a.st.CreateUser(ctx, store.User{Email: "eve@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := password.Hash(canary + "-eve")
	setPassword(t, a.st, eve.ID, h)
	leaks := func(where, s string) {
		t.Helper()
		if strings.Contains(s, canary) {
			t.Errorf("%s shows the password: %.300s", where, s)
		}
	}
	attempts := []struct{ email, pw string }{
		{"ada@example.com", canary},                     // wrong password
		{"nobody@example.com", canary},                  // unknown user
		{"ada@example.com", strings.Repeat(canary, 80)}, // too long
		{"ada@example.com", canary},                     // throttled (the 4th failure from this address)
	}
	for _, at := range attempts {
		c := browser(t)
		tok := csrf(t, c, a)
		resp, body := do(t, c, "POST", a.srv.URL+"/auth/callback/credentials",
			url.Values{"csrfToken": {tok}, "email": {at.email}, "password": {at.pw}, "callbackUrl": {"/home"}})
		leaks("the redirect", resp.Header.Get("Location"))
		leaks("the body", body)
		leaks("the cookies", strings.Join(resp.Header.Values("Set-Cookie"), "\n"))
	}
	now = now.Add(time.Hour)
	resp := postPassword(t, browser(t), a, "eve@example.com", canary+"-eve") // refused by the SignIn callback
	if !strings.Contains(resp.Header.Get("Location"), "AccessDenied") {
		t.Fatalf("eve: %s", resp.Header.Get("Location"))
	}
	leaks("the redirect", resp.Header.Get("Location"))
	// The engine's errors, the same paths.
	for _, at := range append(attempts, struct{ email, pw string }{"eve@example.com", canary + "-eve"}) {
		now = now.Add(time.Hour)
		if _, err := a.h.Engine().SignInWithPassword(ctx, at.email, at.pw, "192.0.2.1", flow.CallbackRequest{}); err == nil {
			t.Fatalf("%s signed in", at.email)
		} else {
			leaks("the error", err.Error())
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.h.Engine().SignInWithPassword(cancelled, "ada@example.com", canary, "192.0.2.1", flow.CallbackRequest{}); err == nil {
		t.Fatal("signed in with a cancelled context")
	} else {
		leaks("the error", err.Error())
	}
	out := logs.String()
	if strings.Count(out, "sign-in failed") < len(attempts)+1 {
		t.Fatalf("the handler logged %d refusals, want %d:\n%s", strings.Count(out, "sign-in failed"), len(attempts)+1, out)
	}
	leaks("the log", out)
}

// Catalogue 135: a SignIn callback that errors or panics, or a JWT
// callback that errors or panics, refuses the sign-in: AccessDenied, no
// session cookie, /session null, no row written, no rehash, and the panic
// value nowhere in the error (never a "session with an error").
func TestPasswordCallbackRefusalIsRejected(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name      string
		strategy  flow.Strategy
		configure func(*flow.Config)
	}{
		{"SignIn error", flow.Database, func(c *flow.Config) {
			c.SignIn = func(context.Context, flow.SignInInput) error { return errors.New("not today") }
		}},
		{"SignIn panic", flow.Database, func(c *flow.Config) {
			c.SignIn = func(context.Context, flow.SignInInput) error { panic("boom-secret-value") }
		}},
		{"SignIn panic, JWT sessions", flow.JWT, func(c *flow.Config) {
			c.SignIn = func(context.Context, flow.SignInInput) error { panic(errors.New("boom-secret-value")) }
		}},
		{"JWT callback error", flow.JWT, func(c *flow.Config) {
			c.JWT = func(context.Context, flow.JWTInput) (session.Claims, error) { return nil, errors.New("no claims") }
		}},
		{"JWT callback panic", flow.JWT, func(c *flow.Config) {
			c.JWT = func(context.Context, flow.JWTInput) (session.Claims, error) { panic("boom-secret-value") }
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Now()
			a, u := passwordAppWith(t, tc.strategy, &now, tc.configure, flow.HandlerOptions{Logger: slog.New(slog.DiscardHandler)})
			// An imported bcrypt hash: a sign-in that went through would
			// rehash it.
			old, _ := bcrypt.GenerateFromPassword([]byte("correct horse battery"), bcrypt.MinCost)
			setPassword(t, a.st, u.ID, string(old))
			before := rowCounts(t, a.st)
			res, err := a.h.Engine().SignInWithPassword(ctx, "ada@example.com", "correct horse battery", "192.0.2.1", flow.CallbackRequest{})
			assertRejected(t, res, err, flow.AccessDenied, flow.ErrSignInRefused)
			if strings.Contains(err.Error(), "boom") {
				t.Errorf("the error shows the panic's value: %v", err)
			}
			c := browser(t)
			resp := postPassword(t, c, a, "ada@example.com", "correct horse battery")
			if resp.Header.Get("Location") != a.srv.URL+"/auth/error?error=AccessDenied" || cookieNamed(resp, "authjs.session-token") != nil {
				t.Fatalf("through the form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			if _, body := do(t, c, "GET", a.srv.URL+"/auth/session", nil); strings.TrimSpace(body) != "null" {
				t.Fatalf("/session after the refusal: %s", body)
			}
			assertUnchanged(t, a.st, before)
			if h, _ := a.st.PasswordHash(ctx, u.ID); h != string(old) {
				t.Fatal("a refused sign-in rehashed the password")
			}
		})
	}
}

// Catalogue 131: when the argon2 budget stays full past the wait bound,
// the handler answers 503 with Retry-After, and the engine's error
// matches password.ErrBusy (code Configuration) for a known and an unknown user alike, runs no hashing,
// writes nothing, sets no session cookie, and does not count against the
// throttle.
func TestPasswordSignInBusy(t *testing.T) {
	ctx := context.Background()
	l := password.NewLimiter(1, 20*time.Millisecond) // one computation at a time
	defer password.SetDefault(password.SetDefault(l))
	now := time.Now()
	a, _ := passwordAppWith(t, flow.Database, &now, nil, flow.HandlerOptions{Logger: slog.New(slog.DiscardHandler)})
	e := a.h.Engine()
	// Hold the budget with a slow verification: 64 MiB and 8 passes take
	// far longer than the attempts below wait.
	slow := phc("slow", 64<<10, 8)
	held := make(chan struct{})
	go func() {
		defer close(held)
		l.Verify(ctx, "slow", slow)
	}()
	for l.Stats().Running != 1 {
		time.Sleep(time.Millisecond)
	}
	before := rowCounts(t, a.st)
	c := browser(t)
	tok := csrf(t, c, a)
	resp, _ := do(t, c, "POST", a.srv.URL+"/auth/callback/credentials",
		url.Values{"csrfToken": {tok}, "email": {"ada@example.com"}, "password": {"correct horse battery"}, "callbackUrl": {"/home"}})
	if cookieNamed(resp, "authjs.session-token") != nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("busy through the form: %d %s, want 503 with Retry-After and no session", resp.StatusCode, resp.Header.Get("Location"))
	}
	work := l.Stats().Completed
	for i, email := range []string{"ada@example.com", "nobody@example.com", "ada@example.com", "ada@example.com", "ada@example.com"} {
		res, err := e.SignInWithPassword(ctx, email, "correct horse battery", "192.0.2.1", flow.CallbackRequest{})
		if res != nil || !errors.Is(err, password.ErrBusy) || flow.CodeOf(err) != flow.Configuration {
			t.Fatalf("attempt %d (%s) with the budget full: %v, %v; want Configuration wrapping password.ErrBusy", i+1, email, res, err)
		}
	}
	if s := l.Stats(); s.Running != 1 || s.Completed != work {
		t.Fatalf("limiter %+v: the slow verification should still hold the budget and nothing else should have run", s)
	}
	<-held
	assertUnchanged(t, a.st, before)
	// Six busy answers were not failures: no throttling now.
	if _, err := e.SignInWithPassword(ctx, "ada@example.com", "correct horse battery", "192.0.2.1", flow.CallbackRequest{}); err != nil {
		t.Fatalf("once the budget is free: %v", err)
	}
}

// Catalogue 132: each password sign-in issues a fresh session token: not
// a planted one, and not the previous session's, which ends.
func TestPasswordSignInIssuesAFreshSession(t *testing.T) {
	now := time.Now()
	a, _ := passwordApp(t, flow.Database, &now)
	c := browser(t)
	origin, _ := url.Parse(a.srv.URL)
	c.Jar.SetCookies(origin, []*http.Cookie{{Name: "authjs.session-token", Value: "planted-by-an-attacker", Path: "/"}})
	first := cookieNamed(postPassword(t, c, a, "ada@example.com", "correct horse battery"), "authjs.session-token")
	if first == nil || first.Value == "planted-by-an-attacker" {
		t.Fatalf("first sign-in: cookie %v", first)
	}
	second := cookieNamed(postPassword(t, c, a, "ada@example.com", "correct horse battery"), "authjs.session-token")
	if second == nil || second.Value == first.Value {
		t.Fatalf("second sign-in: cookie %v, want a new token", second)
	}
	if n := rowCounts(t, a.st)["sessions"]; n != 1 {
		t.Fatalf("%d session rows, want 1: signing in again ends the previous session", n)
	}
	stale := browser(t)
	stale.Jar.SetCookies(origin, []*http.Cookie{{Name: "authjs.session-token", Value: first.Value, Path: "/"}})
	if _, body := do(t, stale, "GET", a.srv.URL+"/auth/session", nil); strings.TrimSpace(body) != "null" {
		t.Fatalf("the previous token still reads a session: %s", body)
	}
}

// After a refused password the browser is sent to the sign-in page
// without a callbackUrl in the query (as Auth.js does); the page must
// still send the next attempt where the sign-in began (the
// authjs.callback-url cookie), not to the origin.
func TestPasswordRetryKeepsTheCallbackURL(t *testing.T) {
	now := time.Now()
	a, _ := passwordApp(t, flow.Database, &now)
	c := browser(t)
	target := a.srv.URL + "/dashboard?tab=2"
	do(t, c, "GET", a.srv.URL+"/auth/signin?callbackUrl="+url.QueryEscape(target), nil)
	tok := csrf(t, c, a)
	resp, _ := do(t, c, "POST", a.srv.URL+"/auth/callback/credentials",
		url.Values{"csrfToken": {tok}, "email": {"ada@example.com"}, "password": {"wrong"}, "callbackUrl": {target}})
	errorPage := resp.Header.Get("Location")
	if errorPage != a.srv.URL+"/auth/signin?error=CredentialsSignin&code=credentials" {
		t.Fatalf("a wrong password: %s", errorPage)
	}
	_, body := do(t, c, "GET", errorPage, nil)
	want := `name="callbackUrl" value="` + strings.ReplaceAll(target, "&", "&amp;") + `"`
	if !strings.Contains(body, want) {
		t.Errorf("the sign-in page after the error lacks %s: the next attempt would not end at %s", want, target)
	}
	resp, _ = do(t, c, "POST", a.srv.URL+"/auth/callback/credentials",
		url.Values{"csrfToken": {tok}, "email": {"ada@example.com"}, "password": {"correct horse battery"}, "callbackUrl": {formValue(body, "callbackUrl")}})
	if resp.Header.Get("Location") != target {
		t.Fatalf("the retry ended at %s, want %s", resp.Header.Get("Location"), target)
	}
}

// formValue is the value of the first hidden input with this name in an
// HTML page, unescaped.
func formValue(page, name string) string {
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}
