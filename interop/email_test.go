package interop

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/mail"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// The email interop test: authkit's magic-link tokens are Auth.js's, both
// ways. The real Auth.js (@auth/express, its email provider under the id
// "email", database sessions, the real @auth/pg-adapter; express-email.mjs)
// and an authkit flow.Engine (sqlstore, authjs-pg profile) share one
// throwaway Postgres database in the pg-adapter schema and one secret.
// Links authkit mails are followed at Auth.js; links Auth.js "mails" (its
// sendVerificationRequest writes them to a file) are consumed by authkit,
// and each side then reads the other's database session.

// emailSecret is a test-only secret shared by both sides.
const emailSecret = "authkit-email-interop-test-secret-0123456789abcdef"

// emailOutbox is a mail.Sender that keeps what authkit sends.
type emailOutbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (o *emailOutbox) Send(_ context.Context, m mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

var authkitLinkPattern = regexp.MustCompile(`https?://\S+/auth/callback/email\?\S+`)

// lastLink is the sign-in link of the last message, which must be to.
func (o *emailOutbox) lastLink(t *testing.T, to string) string {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.sent) == 0 {
		t.Fatal("authkit sent no email")
	}
	m := o.sent[len(o.sent)-1]
	if m.To != to {
		t.Fatalf("authkit mailed %q, want %q", m.To, to)
	}
	link := authkitLinkPattern.FindString(m.Text)
	if link == "" {
		t.Fatalf("no sign-in link in authkit's message %q", m.Text)
	}
	return link
}

// authjsMail is one sendVerificationRequest call of express-email.mjs.
type authjsMail struct {
	Identifier string `json:"identifier"`
	URL        string `json:"url"`
	Token      string `json:"token"`
	Expires    string `json:"expires"`
}

// emailEnv is the shared state of the email interop test.
type emailEnv struct {
	db      *sql.DB // the shared database, for checks
	st      *sqlstore.Store
	authjs  string // Auth.js's origin
	outbox  string // the file Auth.js appends its links to
	box     *emailOutbox
	engine  *flow.Engine // BaseURL = Auth.js's /auth: its links point at Auth.js
	authkit string       // the origin of authkit's flow.Handler on the same store
}

// TestEmailInterop: magic-link tokens that authkit makes, Auth.js accepts,
// and the other way round, on one Postgres database in the pg-adapter
// schema; each side refuses what it should.
func TestEmailInterop(t *testing.T) {
	node := expressAuthNode(t)
	for _, p := range []string{"@auth/pg-adapter", "pg"} {
		if _, err := os.Stat(filepath.Join("node_modules", p, "package.json")); err != nil {
			testenv.Missing(t, "interop/node_modules/"+p+" is missing (run `npm ci` in interop/)")
		}
	}
	dbURL := testenv.PostgresURL(t)
	adapter(t, dbURL, "", "schema") // the pg-adapter tables, as pg-adapter.mjs creates them
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dbURL, sqlstore.Options{Schema: sqlstore.ProfileAuthjsPg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	env := &emailEnv{db: st.DB(), st: st, outbox: filepath.Join(t.TempDir(), "mail.jsonl"), box: &emailOutbox{}}
	env.authjs = startExpressEmail(t, node, dbURL, env.outbox)
	env.engine = newEmailEngine(t, st, env.box, env.authjs+"/auth", emailSecret)

	// authkit's own handler on the same store and secret, for the
	// confirmation page and for reading Auth.js's sessions.
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	env.authkit = srv.URL
	mux.Handle("/auth/", flow.NewHandler(newEmailEngine(t, st, &emailOutbox{}, srv.URL+"/auth", emailSecret), flow.HandlerOptions{}))

	t.Run("AuthkitLinkAtAuthjs", env.authkitLinkAtAuthjs)
	t.Run("AuthjsLinkAtAuthkit", env.authjsLinkAtAuthkit)
	t.Run("AuthjsLinkAtAuthkitHandler", env.authjsLinkAtAuthkitHandler)
	t.Run("Refusals", env.refusals)
	t.Run("Expired", env.expired)
	t.Run("IdentifierCaseInLink", env.identifierCaseInLink)
	t.Run("Normalisation", env.normalisation)
}

// startExpressEmail runs express-email.mjs on a free port of 127.0.0.1 and
// returns its origin.
func startExpressEmail(t *testing.T, node, dbURL, outbox string) string {
	t.Helper()
	cmd := exec.Command(node, "express-email.mjs", "0")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AUTH_") && !strings.HasPrefix(kv, "NEXTAUTH_") &&
			!strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "MAIL_OUTBOX=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "AUTH_SECRET="+emailSecret, "DATABASE_URL="+dbURL, "MAIL_OUTBOX="+outbox)
	var r struct {
		URL string `json:"url"`
	}
	stderr := testenv.StartReady(t, cmd, &r)
	if !strings.HasPrefix(r.URL, "http://127.0.0.1:") {
		t.Fatalf("express-email.mjs printed no URL\n%s", stderr.String())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("express-email.mjs stderr:\n%s", stderr.String())
		}
	})
	return r.URL
}

func newEmailEngine(t *testing.T, st *sqlstore.Store, sender mail.Sender, baseURL, secret string) *flow.Engine {
	t.Helper()
	e, err := flow.New(flow.Config{Secrets: []string{secret}, BaseURL: baseURL, Store: st, Strategy: flow.Database,
		Email: &flow.EmailConfig{Sender: sender}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// emailClient is an HTTP client with its own cookie jar that does not follow
// redirects.
func emailClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func emailDo(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func emailGet(t *testing.T, c *http.Client, u string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	return emailDo(t, c, req)
}

func emailPost(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return emailDo(t, c, req)
}

// emailCSRF gets a CSRF token (and its cookie, into c's jar) from the server at origin.
func emailCSRF(t *testing.T, c *http.Client, origin string) string {
	t.Helper()
	resp, body := emailGet(t, c, origin+"/auth/csrf")
	var v struct {
		CSRFToken string `json:"csrfToken"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &v) != nil || v.CSRFToken == "" {
		t.Fatalf("GET %s/auth/csrf: %d %s", origin, resp.StatusCode, body)
	}
	return v.CSRFToken
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "authjs.session-token" && c.Value != "" {
			return c
		}
	}
	return nil
}

// sessionEmail is the user email that GET origin/auth/session shows for
// the session token ("" for none).
func sessionEmail(t *testing.T, origin, token string) string {
	t.Helper()
	resp, body := emailGet(t, &http.Client{}, origin+"/auth/session", &http.Cookie{Name: "authjs.session-token", Value: token})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s/auth/session: %d %s", origin, resp.StatusCode, body)
	}
	var v struct {
		User struct {
			Email string `json:"email"`
		} `json:"user"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("GET %s/auth/session: %v: %s", origin, err, body)
	}
	return v.User.Email
}

// signInAtAuthjs asks Auth.js for a link to email (the sign-in form's
// POST) and returns what its sendVerificationRequest was given.
func (env *emailEnv) signInAtAuthjs(t *testing.T, email, callbackURL string) authjsMail {
	t.Helper()
	before := len(env.authjsMails(t))
	c := emailClient(t)
	tok := emailCSRF(t, c, env.authjs)
	resp, body := emailPost(t, c, env.authjs+"/auth/signin/email", url.Values{"csrfToken": {tok}, "email": {email}, "callbackUrl": {callbackURL}})
	want := env.authjs + "/auth/verify-request?provider=email&type=email"
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
		t.Fatalf("Auth.js POST /auth/signin/email: %d Location %q, want 302 to %s\n%s", resp.StatusCode, resp.Header.Get("Location"), want, body)
	}
	mails := env.authjsMails(t)
	if len(mails) != before+1 {
		t.Fatalf("Auth.js sent %d links for one sign-in", len(mails)-before)
	}
	return mails[len(mails)-1]
}

func (env *emailEnv) authjsMails(t *testing.T) []authjsMail {
	t.Helper()
	f, err := os.Open(env.outbox)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []authjsMail
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m authjsMail
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("outbox line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// authjsHash is what Auth.js stores of a token: hex(sha256(token + secret)).
func authjsHash(token, secret string) string {
	sum := sha256.Sum256([]byte(token + secret))
	return hex.EncodeToString(sum[:])
}

var emailTokenPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// parseLink checks that link is <origin>/auth/callback/email?... and
// returns its query.
func parseLink(t *testing.T, link, origin string) url.Values {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != origin+"/auth/callback/email" {
		t.Fatalf("link %q goes to %s, want %s/auth/callback/email", link, got, origin)
	}
	q := u.Query()
	if !emailTokenPattern.MatchString(q.Get("token")) {
		t.Fatalf("link %q: the token is not 64 hex characters", link)
	}
	return q
}

func (env *emailEnv) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := env.db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// tokenRows counts the verification_token rows of identifier and, when
// hash is not empty, that hash.
func (env *emailEnv) tokenRows(t *testing.T, identifier, hash string) int {
	t.Helper()
	if hash == "" {
		return env.count(t, `SELECT count(*) FROM verification_token WHERE identifier = $1`, identifier)
	}
	return env.count(t, `SELECT count(*) FROM verification_token WHERE identifier = $1 AND token = $2`, identifier, hash)
}

// verifiedUser is the id of the one users row with email, which must be
// verified; "" when there is none.
func (env *emailEnv) verifiedUser(t *testing.T, email string) string {
	t.Helper()
	rows, err := env.db.Query(`SELECT id::text, "emailVerified" IS NOT NULL FROM users WHERE email = $1`, email)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		var verified bool
		if err := rows.Scan(&id, &verified); err != nil {
			t.Fatal(err)
		}
		if !verified {
			t.Errorf("users row %s (%s) has no emailVerified", id, email)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	switch len(ids) {
	case 0:
		return ""
	case 1:
		return ids[0]
	}
	t.Fatalf("%d users rows for %s, want one", len(ids), email)
	return ""
}

// sessionUser is the "userId" of the sessions row with that token.
func (env *emailEnv) sessionUser(t *testing.T, token string) string {
	t.Helper()
	var id string
	err := env.db.QueryRow(`SELECT "userId"::text FROM sessions WHERE "sessionToken" = $1`, token).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// snapshot is every row of the four pg-adapter tables, to show that a
// refusal changed nothing.
func (env *emailEnv) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT identifier || ' ' || token || ' ' || expires::text FROM verification_token ORDER BY 1`,
		`SELECT id || ' ' || coalesce(email, '') || ' ' || coalesce("emailVerified"::text, '') FROM users ORDER BY id`,
		`SELECT id || ' ' || "userId" || ' ' || "sessionToken" || ' ' || expires::text FROM sessions ORDER BY id`,
		`SELECT id || ' ' || "userId" || ' ' || provider FROM accounts ORDER BY id`,
	} {
		rows, err := env.db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		rows.Close()
		b.WriteString("--\n")
	}
	return b.String()
}

// authkitLinkAtAuthjs: a link authkit mails (its BaseURL is Auth.js's) is
// accepted by Auth.js once, and its row is the one Auth.js would write.
func (env *emailEnv) authkitLinkAtAuthjs(t *testing.T) {
	ctx := context.Background()
	callbackURL := env.authjs + "/dashboard"
	// authkit normalises the address as Auth.js does (NFKC, trim, lower case).
	sent, err := env.engine.SendSignInLink(ctx, " Ada@Example.COM", callbackURL, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if sent.Identifier != "ada@example.com" {
		t.Fatalf("identifier %q, want ada@example.com", sent.Identifier)
	}
	link := env.box.lastLink(t, "ada@example.com")
	q := parseLink(t, link, env.authjs)
	if q.Get("email") != "ada@example.com" || q.Get("callbackUrl") != callbackURL {
		t.Fatalf("link %q: email %q, callbackUrl %q", link, q.Get("email"), q.Get("callbackUrl"))
	}
	// The row is Auth.js's: identifier, hex(sha256(token + secret)).
	if n := env.tokenRows(t, "ada@example.com", authjsHash(q.Get("token"), emailSecret)); n != 1 {
		t.Fatalf("%d verification_token rows for ada with Auth.js's hash of the token, want 1", n)
	}

	c := emailClient(t)
	resp, body := emailGet(t, c, link)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != callbackURL {
		t.Fatalf("Auth.js GET of authkit's link: %d Location %q, want 302 to %s\n%s", resp.StatusCode, resp.Header.Get("Location"), callbackURL, body)
	}
	ck := sessionCookie(resp)
	if ck == nil {
		t.Fatalf("Auth.js set no session cookie: %v", resp.Header.Values("Set-Cookie"))
	}
	uid := env.verifiedUser(t, "ada@example.com")
	if uid == "" {
		t.Fatal("Auth.js made no users row for ada@example.com")
	}
	if got := env.sessionUser(t, ck.Value); got != uid {
		t.Errorf("the sessions row of Auth.js's cookie belongs to %q, want ada %s", got, uid)
	}
	if n := env.tokenRows(t, "ada@example.com", ""); n != 0 {
		t.Errorf("%d verification_token rows left for ada, want 0 (used up)", n)
	}
	if got := sessionEmail(t, env.authjs, ck.Value); got != "ada@example.com" {
		t.Errorf("Auth.js /auth/session shows %q, want ada@example.com", got)
	}
	// authkit reads the database session Auth.js made.
	if got := sessionEmail(t, env.authkit, ck.Value); got != "ada@example.com" {
		t.Errorf("authkit /auth/session with Auth.js's session cookie shows %q, want ada@example.com", got)
	}

	// The same link a second time: Auth.js refuses it.
	resp, _ = emailGet(t, emailClient(t), link)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != env.authjs+"/auth/error?error=Verification" {
		t.Errorf("Auth.js GET of the used link: %d Location %q, want 302 to /auth/error?error=Verification", resp.StatusCode, loc)
	}
	if sessionCookie(resp) != nil {
		t.Error("Auth.js set a session cookie for the used link")
	}
}

// authjsLinkAtAuthkit: a link Auth.js makes is consumed by authkit's
// engine, which signs the user in with a session Auth.js reads.
func (env *emailEnv) authjsLinkAtAuthkit(t *testing.T) {
	ctx := context.Background()
	callbackURL := env.authjs + "/welcome"
	m := env.signInAtAuthjs(t, "Grace@Example.COM ", callbackURL)
	if m.Identifier != "grace@example.com" {
		t.Fatalf("Auth.js normalised the address to %q, want grace@example.com", m.Identifier)
	}
	if id, err := flow.NormalizeEmailIdentifier("Grace@Example.COM "); err != nil || id != m.Identifier {
		t.Errorf("authkit normalises the address to %q (%v), Auth.js to %q", id, err, m.Identifier)
	}
	q := parseLink(t, m.URL, env.authjs)
	if q.Get("token") != m.Token || q.Get("email") != "grace@example.com" || q.Get("callbackUrl") != callbackURL {
		t.Fatalf("Auth.js's link %q: token %q (sent %q), email %q, callbackUrl %q", m.URL, q.Get("token"), m.Token, q.Get("email"), q.Get("callbackUrl"))
	}
	if n := env.tokenRows(t, "grace@example.com", authjsHash(m.Token, emailSecret)); n != 1 {
		t.Fatalf("%d verification_token rows for grace with hex(sha256(token+secret)), want 1", n)
	}

	res, err := env.engine.SignInWithEmailToken(ctx, q.Get("email"), q.Get("token"), flow.CallbackRequest{})
	if err != nil {
		t.Fatalf("authkit refused Auth.js's link: %v", err)
	}
	if res.Decision.Kind != flow.NewUser || res.User.Email != "grace@example.com" || res.User.EmailVerified == nil {
		t.Errorf("authkit's sign-in: decision %v, user %+v", res.Decision, res.User)
	}
	if !res.Session.Stored || res.Session.Strategy != flow.Database || res.Session.Token == "" {
		t.Fatalf("authkit's session: %+v", res.Session)
	}
	if len(res.Session.Cookies) == 0 || res.Session.Cookies[0].Name != "authjs.session-token" || res.Session.Cookies[0].Value != res.Session.Token {
		t.Errorf("authkit's session cookies %v, want authjs.session-token = the session token", res.Session.Cookies)
	}
	uid := env.verifiedUser(t, "grace@example.com")
	if uid == "" || uid != res.User.ID {
		t.Fatalf("users row for grace: %q, authkit's user id %q", uid, res.User.ID)
	}
	// The session row holds the raw token, as Auth.js's createSession does.
	if got := env.sessionUser(t, res.Session.Token); got != uid {
		t.Errorf("sessions row with authkit's raw token belongs to %q, want grace %s", got, uid)
	}
	if n := env.tokenRows(t, "grace@example.com", ""); n != 0 {
		t.Errorf("%d verification_token rows left for grace, want 0", n)
	}
	if n := env.count(t, `SELECT count(*) FROM accounts WHERE "userId" = $1`, uid); n != 0 {
		t.Errorf("%d accounts rows for grace; the email sign-in writes none, as in Auth.js", n)
	}
	if got := sessionEmail(t, env.authjs, res.Session.Token); got != "grace@example.com" {
		t.Errorf("Auth.js /auth/session with authkit's session cookie shows %q, want grace@example.com", got)
	}

	// Auth.js now refuses its own link: authkit used it up.
	resp, _ := emailGet(t, emailClient(t), m.URL)
	if loc := resp.Header.Get("Location"); loc != env.authjs+"/auth/error?error=Verification" {
		t.Errorf("Auth.js GET of the link authkit used: %d Location %q, want /auth/error?error=Verification", resp.StatusCode, loc)
	}
	// And authkit refuses it a second time.
	if _, err := env.engine.SignInWithEmailToken(ctx, q.Get("email"), q.Get("token"), flow.CallbackRequest{}); !errors.Is(err, flow.ErrLinkInvalid) {
		t.Errorf("authkit's second use of the link: %v, want ErrLinkInvalid", err)
	}
}

// authjsLinkAtAuthkitHandler: Auth.js's link, opened at authkit's handler
// (origin swapped): the GET only shows the confirmation page and uses
// nothing; the page's POST signs in.
func (env *emailEnv) authjsLinkAtAuthkitHandler(t *testing.T) {
	m := env.signInAtAuthjs(t, "linus@example.com", env.authkit+"/after")
	link := env.authkit + strings.TrimPrefix(m.URL, env.authjs)
	hash := authjsHash(m.Token, emailSecret)

	c := emailClient(t)
	resp, body := emailGet(t, c, link)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, m.Token) {
		t.Fatalf("authkit GET of Auth.js's link: %d %s, want the confirmation page with the token\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if n := env.tokenRows(t, "linus@example.com", hash); n != 1 {
		t.Fatalf("authkit's GET used the token (%d rows left); it must only show the page", n)
	}
	tok := emailCSRF(t, c, env.authkit)
	resp, body = emailPost(t, c, env.authkit+"/auth/callback/email", url.Values{"csrfToken": {tok}, "email": {"linus@example.com"},
		"token": {m.Token}, "callbackUrl": {env.authkit + "/after"}})
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != env.authkit+"/after" {
		t.Fatalf("authkit POST /auth/callback/email: %d Location %q, want 302 to %s/after\n%s", resp.StatusCode, resp.Header.Get("Location"), env.authkit, body)
	}
	ck := sessionCookie(resp)
	if ck == nil {
		t.Fatalf("authkit set no session cookie: %v", resp.Header.Values("Set-Cookie"))
	}
	if n := env.tokenRows(t, "linus@example.com", ""); n != 0 {
		t.Errorf("%d verification_token rows left for linus, want 0", n)
	}
	if env.verifiedUser(t, "linus@example.com") == "" {
		t.Error("no users row for linus@example.com")
	}
	if got := sessionEmail(t, env.authjs, ck.Value); got != "linus@example.com" {
		t.Errorf("Auth.js /auth/session with the cookie authkit's handler set shows %q, want linus@example.com", got)
	}
}

// refusals: Auth.js's token with another address, or at an engine with
// another secret, is refused by authkit and changes nothing; Auth.js then
// still accepts it.
func (env *emailEnv) refusals(t *testing.T) {
	ctx := context.Background()
	callbackURL := env.authjs + "/again"
	grace := env.verifiedUser(t, "grace@example.com") // made by authkit
	m := env.signInAtAuthjs(t, "grace@example.com", callbackURL)
	before := env.snapshot(t)

	_, err := env.engine.SignInWithEmailToken(ctx, "eve@example.com", m.Token, flow.CallbackRequest{})
	if !errors.Is(err, flow.ErrLinkInvalid) || flow.CodeOf(err) != flow.Verification {
		t.Errorf("grace's token with eve@example.com: %v (code %q), want ErrLinkInvalid (Verification)", err, flow.CodeOf(err))
	}
	if after := env.snapshot(t); after != before {
		t.Errorf("the refusal for eve changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	other := newEmailEngine(t, env.st, &emailOutbox{}, env.authjs+"/auth", emailSecret+"-other")
	_, err = other.SignInWithEmailToken(ctx, "grace@example.com", m.Token, flow.CallbackRequest{})
	if !errors.Is(err, flow.ErrLinkInvalid) {
		t.Errorf("grace's token at an engine with another secret: %v, want ErrLinkInvalid", err)
	}
	if after := env.snapshot(t); after != before {
		t.Errorf("the refusal under another secret changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// The token is intact: Auth.js accepts its link.
	resp, body := emailGet(t, emailClient(t), m.URL)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != callbackURL || sessionCookie(resp) == nil {
		t.Errorf("Auth.js GET of its link after authkit's refusals: %d Location %q, want 302 to %s with a session\n%s",
			resp.StatusCode, resp.Header.Get("Location"), callbackURL, body)
	}
	if ck := sessionCookie(resp); ck != nil {
		// Auth.js signs in the user authkit made; no second users row.
		if got, uid := env.sessionUser(t, ck.Value), env.verifiedUser(t, "grace@example.com"); got != grace || uid != grace {
			t.Errorf("Auth.js's session for grace belongs to %q (users row %q), want authkit's grace %s", got, uid, grace)
		}
	}
	if env.count(t, `SELECT count(*) FROM users WHERE email = 'eve@example.com'`) != 0 {
		t.Error("a users row for eve@example.com exists")
	}
}

// expired: a token past its expires is refused by both, whoever made it.
func (env *emailEnv) expired(t *testing.T) {
	ctx := context.Background()
	// authkit's link, expired, at Auth.js.
	if _, err := env.engine.SendSignInLink(ctx, "ada@example.com", env.authjs+"/x", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	link := env.box.lastLink(t, "ada@example.com")
	if _, err := env.db.Exec(`UPDATE verification_token SET expires = now() - interval '1 minute' WHERE identifier = 'ada@example.com'`); err != nil {
		t.Fatal(err)
	}
	resp, _ := emailGet(t, emailClient(t), link)
	if loc := resp.Header.Get("Location"); loc != env.authjs+"/auth/error?error=Verification" {
		t.Errorf("Auth.js GET of authkit's expired link: %d Location %q, want /auth/error?error=Verification", resp.StatusCode, loc)
	}
	if n := env.tokenRows(t, "ada@example.com", ""); n != 0 {
		t.Errorf("%d verification_token rows left for ada after Auth.js's expired use, want 0", n)
	}

	// Auth.js's link, expired, at authkit.
	m := env.signInAtAuthjs(t, "grace@example.com", env.authjs+"/x")
	if _, err := env.db.Exec(`UPDATE verification_token SET expires = now() - interval '1 minute' WHERE identifier = 'grace@example.com'`); err != nil {
		t.Fatal(err)
	}
	if _, err := env.engine.SignInWithEmailToken(ctx, "grace@example.com", m.Token, flow.CallbackRequest{}); !errors.Is(err, flow.ErrLinkInvalid) {
		t.Errorf("authkit with Auth.js's expired token: %v, want ErrLinkInvalid", err)
	}
	// Both delete the expired row they looked up (useVerificationToken first).
	if n := env.tokenRows(t, "grace@example.com", ""); n != 0 {
		t.Errorf("%d verification_token rows left for grace after the expired use, want 0", n)
	}
}

// identifierCaseInLink documents a difference: Auth.js compares the
// link's email parameter as it is (its callback does not normalise it), so
// a link whose address was re-cased is refused and the token kept; authkit
// normalises the parameter and accepts it. Either way the token works
// only for the address it was made for.
func (env *emailEnv) identifierCaseInLink(t *testing.T) {
	ada := env.verifiedUser(t, "ada@example.com") // made by Auth.js
	m := env.signInAtAuthjs(t, "ada@example.com", env.authjs+"/x")
	u, err := url.Parse(m.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("email", "Ada@Example.com")
	u.RawQuery = q.Encode()
	resp, _ := emailGet(t, emailClient(t), u.String())
	if loc := resp.Header.Get("Location"); loc != env.authjs+"/auth/error?error=Verification" {
		t.Errorf("Auth.js GET with email=Ada@Example.com: %d Location %q, want /auth/error?error=Verification", resp.StatusCode, loc)
	}
	if n := env.tokenRows(t, "ada@example.com", authjsHash(m.Token, emailSecret)); n != 1 {
		t.Fatalf("Auth.js's refusal used the token (%d rows left)", n)
	}
	res, err := env.engine.SignInWithEmailToken(context.Background(), "Ada@Example.com", m.Token, flow.CallbackRequest{})
	if err != nil {
		t.Fatalf("authkit with email=Ada@Example.com: %v, want it normalised and accepted", err)
	}
	if res.Decision.Kind != flow.ExistingUser || res.User.ID != ada || res.User.Email != "ada@example.com" {
		t.Errorf("authkit signed in %+v (%v), want Auth.js's user ada %s", res.User, res.Decision.Kind, ada)
	}
}

// normalisation: what Auth.js's default normalizer and authkit's
// NormalizeEmailIdentifier make of the address typed into the sign-in
// form. Where authkit accepts an address, Auth.js stores the same
// identifier; authkit refuses some that Auth.js accepts (no dot in the
// domain, non-ASCII, spaces, a comma tail, consecutive dots), by design
// (see flow.NormalizeEmailIdentifier). "" is a refusal; Auth.js reports
// its own refusals as error=Configuration.
func (env *emailEnv) normalisation(t *testing.T) {
	for _, tc := range []struct{ in, authjs, authkit string }{
		{"  Mixed.Case@Example.COM\t", "mixed.case@example.com", "mixed.case@example.com"},
		{"\uff21da@example.com", "ada@example.com", "ada@example.com"}, // fullwidth A: NFKC
		{"first+tag@sub.example.org", "first+tag@sub.example.org", "first+tag@sub.example.org"},
		{`"q"@example.com`, "", ""},
		{"two@at@example.com", "", ""},
		{"user@localhost", "user@localhost", ""},
		{"a@b.example,evil.example", "a@b.example", ""},
		{"j\u00fcrgen@example.de", "j\u00fcrgen@example.de", ""},
		{"a b@example.com", "a b@example.com", ""},
		{"a..b@example.com", "a..b@example.com", ""},
	} {
		authkit, err := flow.NormalizeEmailIdentifier(tc.in)
		if err != nil {
			authkit = ""
		}
		if authkit != tc.authkit {
			t.Errorf("authkit normalises %q to %q, want %q", tc.in, authkit, tc.authkit)
		}
		before := len(env.authjsMails(t))
		c := emailClient(t)
		tok := emailCSRF(t, c, env.authjs)
		resp, _ := emailPost(t, c, env.authjs+"/auth/signin/email", url.Values{"csrfToken": {tok}, "email": {tc.in}})
		authjs := ""
		if mails := env.authjsMails(t); len(mails) > before {
			authjs = mails[len(mails)-1].Identifier
		} else if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != env.authjs+"/auth/error?error=Configuration" {
			// Auth.js's normalizer throws a plain Error, which it reports
			// as a server misconfiguration; authkit answers
			// /signin?error=EmailSignInError.
			t.Errorf("Auth.js sent no link for %q and answered %d Location %q, want 302 to /auth/error?error=Configuration", tc.in, resp.StatusCode, loc)
		}
		if authjs != tc.authjs {
			t.Errorf("Auth.js normalises %q to %q, want %q", tc.in, authjs, tc.authjs)
		}
		if authkit != "" && authkit != authjs {
			t.Errorf("%q: authkit stores %q, Auth.js %q", tc.in, authkit, authjs)
		}
	}
}
