package flow_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/providers/siwe"
	"github.com/authkit-dev/authkit/pkg/store"
)

// Two well-known test keys (Hardhat's accounts #1 and #2); never use them
// for anything of value.
var (
	walletKey  = mustKey("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
	walletKey2 = mustKey("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
)

func mustKey(h string) *secp256k1.PrivateKey {
	b, err := hex.DecodeString(h)
	if err != nil {
		panic(err)
	}
	return secp256k1.PrivKeyFromBytes(b)
}

func walletAddress(k *secp256k1.PrivateKey) string { return siwe.PubkeyAddress(k.PubKey()) }

// personalSign is what a wallet's personal_sign answers: the EIP-191
// signature r || s || v (v 27 or 28) in hex.
func personalSign(k *secp256k1.PrivateKey, message string) string {
	c := ecdsa.SignCompact(k, siwe.PersonalHash([]byte(message)), false) // v || r || s
	return "0x" + hex.EncodeToString(append(c[1:65:65], c[0]))
}

type siweEnv struct {
	*app
	e    *flow.Engine
	now  *time.Time
	logs *testenv.Buffer
}

// siweApp serves an engine with SIWE on (chains 1 and 10) and the dev IdP
// as provider "dev", at /auth of a loopback server.
func siweApp(t testing.TB, st store.Store, strategy flow.Strategy) *siweEnv {
	t.Helper()
	now := time.Now()
	env := &siweEnv{app: &app{}, now: &now, logs: &testenv.Buffer{}}
	env.idp = devidp.StartTest(t, devidp.Options{Users: []devidp.User{{Email: "ada@example.com", Name: "Ada"}}})
	mux := http.NewServeMux()
	env.srv = httptest.NewServer(mux)
	t.Cleanup(env.srv.Close)
	cfg := flow.Config{Providers: []*providers.Provider{oidcProvider(env.idp, "dev")}, Secrets: []string{testSecret}, BaseURL: env.srv.URL + "/auth",
		Strategy: strategy, SIWE: &flow.SIWEConfig{ChainIDs: []uint64{1, 10}, Statement: "Sign in to the test app."},
		Now: func() time.Time { return *env.now }}
	if st != nil {
		cfg.Store, env.st = st, st
	}
	e, err := flow.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env.e = e
	env.h = flow.NewHandler(e, flow.HandlerOptions{Logger: slog.New(slog.NewTextHandler(env.logs, nil))})
	mux.Handle("/auth/", env.h)
	return env
}

type challenge struct {
	flow.SIWEChallenge
	Error string `json:"error"`
}

// nonce asks for a challenge as the wallet script does.
func (env *siweEnv) nonce(t *testing.T, c *http.Client, address string, chain string) (*http.Response, challenge) {
	t.Helper()
	tok := csrf(t, c, env.app)
	resp, body := do(t, c, "POST", env.srv.URL+"/auth/siwe/nonce", url.Values{"csrfToken": {tok}, "address": {address}, "chainId": {chain}})
	var ch challenge
	if err := json.Unmarshal([]byte(body), &ch); err != nil {
		t.Fatalf("nonce: %d %s", resp.StatusCode, body)
	}
	return resp, ch
}

// post submits a signed message to the callback, as the script does
// without X-Auth-Return-Redirect.
func (env *siweEnv) post(t *testing.T, c *http.Client, message, signature string) *http.Response {
	t.Helper()
	tok := csrf(t, c, env.app)
	resp, _ := do(t, c, "POST", env.srv.URL+"/auth/callback/siwe", url.Values{"csrfToken": {tok}, "message": {message}, "signature": {signature}, "callbackUrl": {"/home"}})
	return resp
}

// signInWallet runs the whole browser flow for key k on chain 1.
func (env *siweEnv) signInWallet(t *testing.T, c *http.Client, k *secp256k1.PrivateKey) (*http.Response, string, string) {
	t.Helper()
	resp, ch := env.nonce(t, c, strings.ToLower(walletAddress(k)), "0x1")
	if resp.StatusCode != http.StatusOK || ch.Message == "" {
		t.Fatalf("nonce: %d %+v", resp.StatusCode, ch)
	}
	sig := personalSign(k, ch.Message)
	return env.post(t, c, ch.Message, sig), ch.Message, sig
}

func (env *siweEnv) sessionJSON(t *testing.T, c *http.Client) map[string]any {
	t.Helper()
	_, body := do(t, c, "GET", env.srv.URL+"/auth/session", nil)
	var s map[string]any
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatalf("session: %s", body)
	}
	return s
}

// sessionSet reports whether resp sets a session cookie (or a chunk of
// one) to a value; clearing one is allowed.
func sessionSet(resp *http.Response) bool {
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, "authjs.session-token") && c.Value != "" && c.MaxAge >= 0 {
			return true
		}
	}
	return false
}

// assertSpent checks rows: users, accounts, sessions, events and the rest
// unchanged, and verification_tokens fewer by spent (the nonce consumed).
func assertSpent(t *testing.T, st store.Store, before counts, spent int64) {
	t.Helper()
	if st == nil {
		return
	}
	after := rowCounts(t, st)
	for name, n := range before {
		want := n
		if name == "verification_tokens" {
			want = n - spent
		}
		if after[name] != want {
			t.Fatalf("table %s went from %d to %d rows, want %d", name, n, after[name], want)
		}
	}
}

func accountsOf(t *testing.T, st store.Store, userID string) []store.Account {
	t.Helper()
	page, err := st.ListUsers(context.Background(), store.UserQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range page.Users {
		if u.ID == userID {
			return u.Accounts
		}
	}
	t.Fatalf("no user %s", userID)
	return nil
}

func TestSIWESignIn(t *testing.T) {
	stores := map[string]func(t *testing.T) store.Store{
		"sqlite":   func(t *testing.T) store.Store { return newStore(t) },
		"postgres": openPostgres,
	}
	for name, open := range stores {
		for _, strategy := range []flow.Strategy{flow.Database, flow.JWT} {
			t.Run(name+"/"+string(strategy), func(t *testing.T) {
				st := open(t)
				env := siweApp(t, st, strategy)
				c := browser(t)
				addr := walletAddress(walletKey)
				if _, body := do(t, c, "GET", env.srv.URL+"/auth/signin", nil); !strings.Contains(body, `data-nonce-url="`+env.srv.URL+`/auth/siwe/nonce"`) ||
					!strings.Contains(body, `<script src="`+env.srv.URL+`/auth/siwe/wallet.js" defer></script>`) {
					t.Fatalf("the sign-in page has no wallet button:\n%s", body)
				}

				resp, ch := env.nonce(t, c, strings.ToLower(addr), "10")
				nc := cookieNamed(resp, "authjs.siwe-nonce")
				if resp.StatusCode != 200 || nc == nil || !nc.HttpOnly || nc.SameSite != http.SameSiteLaxMode || nc.MaxAge != 300 || nc.Path != "/" {
					t.Fatalf("nonce: %d, cookie %+v", resp.StatusCode, nc)
				}
				if resp.Header.Get("Cache-Control") != "private, no-cache, no-store" {
					t.Errorf("nonce Cache-Control %q", resp.Header.Get("Cache-Control"))
				}
				host := strings.TrimPrefix(env.srv.URL, "http://")
				if ch.Domain != host || ch.URI != env.srv.URL || ch.ChainID != 10 || ch.Version != "1" || len(ch.Nonce) < 16 ||
					ch.Statement != "Sign in to the test app." || ch.IssuedAt == "" || ch.ExpirationTime == "" {
					t.Fatalf("challenge %+v", ch)
				}
				m, err := siwe.Parse(ch.Message)
				if err != nil || m.Address != addr || m.Nonce != ch.Nonce || m.ChainID != 10 || m.Scheme != "http" {
					t.Fatalf("message %v %+v:\n%s", err, m, ch.Message)
				}
				before := rowCounts(t, st)
				if before["verification_tokens"] != 1 {
					t.Fatalf("the nonce was not recorded: %v", before)
				}

				resp = env.post(t, c, ch.Message, personalSign(walletKey, ch.Message))
				if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != env.srv.URL+"/home" || !sessionSet(resp) {
					t.Fatalf("sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
				}
				if c := cookieNamed(resp, "authjs.siwe-nonce"); c == nil || c.MaxAge >= 0 {
					t.Errorf("the nonce cookie was not cleared: %+v", c)
				}
				s := env.sessionJSON(t, c)
				user, _ := s["user"].(map[string]any)
				if user["name"] != addr[:6]+"…"+addr[38:] || user["email"] != nil {
					t.Fatalf("session %v", s)
				}
				rows := rowCounts(t, st)
				wantSessions := int64(0)
				if strategy == flow.Database {
					wantSessions = 1
				}
				if rows["users"] != 1 || rows["accounts"] != 1 || rows["sessions"] != wantSessions || rows["verification_tokens"] != 0 {
					t.Fatalf("rows %v", rows)
				}
				u, err := st.GetUserByAccount(context.Background(), flow.SIWEProviderID, "eip155:10:"+addr)
				if err != nil || u.Email != "" {
					t.Fatalf("account: %v %+v", err, u)
				}
				if a := accountsOf(t, st, u.ID); len(a) != 1 || a[0].Type != "credentials" || a[0].Provider != "siwe" || a[0].ProviderAccountID != "eip155:10:"+addr {
					t.Fatalf("accounts %+v", a)
				}
				events, _ := st.ListEvents(context.Background(), store.EventQuery{UserID: u.ID})
				kinds := map[string]int{}
				for _, ev := range events {
					kinds[ev.Type]++
				}
				if kinds[store.EventCreateUser] != 1 || kinds[store.EventLinkAccount] != 1 || kinds[store.EventSignIn] != 1 {
					t.Fatalf("events %v", kinds)
				}

				// The same wallet again, in another browser: the same user.
				c2 := browser(t)
				resp, _, _ = env.signInWallet(t, c2, walletKey)
				if !sessionSet(resp) {
					t.Fatalf("second sign-in: %s", resp.Header.Get("Location"))
				}
				if _, err := st.GetUserByAccount(context.Background(), flow.SIWEProviderID, "eip155:1:"+addr); err != nil {
					t.Fatalf("chain 1 account: %v", err)
				}
				// eip155:1 and eip155:10 are two accounts (CAIP-10): the
				// second browser used chain 1, so a second user.
				if rows := rowCounts(t, st); rows["users"] != 2 {
					t.Fatalf("rows %v", rows)
				}
				c3 := browser(t)
				resp, ch = env.nonce(t, c3, addr, "10")
				if resp = env.post(t, c3, ch.Message, personalSign(walletKey, ch.Message)); !sessionSet(resp) {
					t.Fatal("third sign-in refused")
				}
				if rows := rowCounts(t, st); rows["users"] != 2 || rows["accounts"] != 2 {
					t.Fatalf("the same wallet and chain made another user: %v", rows)
				}
				if s := env.sessionJSON(t, c3); s["user"].(map[string]any)["name"] != user["name"] {
					t.Fatalf("session %v", s)
				}
			})
		}
	}
}

func TestSIWEWithoutStore(t *testing.T) {
	env := siweApp(t, nil, "")
	c := browser(t)
	resp, ch := env.nonce(t, c, walletAddress(walletKey), "1")
	nonceCookie := cookieNamed(resp, "authjs.siwe-nonce")
	sig := personalSign(walletKey, ch.Message)
	if resp = env.post(t, c, ch.Message, sig); !sessionSet(resp) || resp.Header.Get("Location") != env.srv.URL+"/home" {
		t.Fatalf("sign-in: %s", resp.Header.Get("Location"))
	}
	// The in-memory used-set refuses the replay, even with a new CSRF
	// token and the nonce cookie put back.
	u, _ := url.Parse(env.srv.URL)
	c.Jar.SetCookies(u, []*http.Cookie{nonceCookie})
	logged := len(env.logs.String())
	resp = env.post(t, c, ch.Message, sig)
	if sessionSet(resp) || resp.Header.Get("Location") != env.srv.URL+"/auth/signin?error=CredentialsSignin" {
		t.Fatalf("replay: %s", resp.Header.Get("Location"))
	}
	if line := env.logs.String()[logged:]; !strings.Contains(line, "the nonce was used already") {
		t.Fatalf("log %q", line)
	}
}

func TestSIWELinking(t *testing.T) {
	st := newStore(t)
	env := siweApp(t, st, flow.Database)
	ctx := context.Background()

	// Ada signs in with the dev IdP, then adds her wallet: a POST with CSRF.
	c := browser(t)
	if resp := signInThroughHandler(t, c, env.app, "/home"); !sessionSet(resp) {
		t.Fatalf("OIDC sign-in: %s", resp.Header.Get("Location"))
	}
	ada, err := st.GetUserByEmail(ctx, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	resp, _, _ := env.signInWallet(t, c, walletKey)
	if !sessionSet(resp) {
		t.Fatalf("link: %s", resp.Header.Get("Location"))
	}
	u, err := st.GetUserByAccount(ctx, flow.SIWEProviderID, siwe.AccountID(1, walletAddress(walletKey)))
	if err != nil || u.ID != ada.ID {
		t.Fatalf("the wallet is linked to %+v (%v), want Ada %s", u, err, ada.ID)
	}
	if rows := rowCounts(t, st); rows["users"] != 1 || rows["accounts"] != 2 || rows["sessions"] != 1 {
		t.Fatalf("rows %v (the previous session must be ended)", rows)
	}
	if s := env.sessionJSON(t, c); s["user"].(map[string]any)["email"] != "ada@example.com" {
		t.Fatalf("session %v", s)
	}

	// The wallet alone, in a fresh browser, signs Ada in.
	c2 := browser(t)
	env.signInWallet(t, c2, walletKey)
	if s := env.sessionJSON(t, c2); s["user"].(map[string]any)["email"] != "ada@example.com" {
		t.Fatalf("session %v", s)
	}

	// Bob's wallet signs Bob in; then, signed in as Ada, Bob's wallet is
	// refused (it belongs to another user) and nothing is written.
	c3 := browser(t)
	env.signInWallet(t, c3, walletKey2)
	resp, ch := env.nonce(t, c, walletAddress(walletKey2), "1")
	before := rowCounts(t, st)
	resp = env.post(t, c, ch.Message, personalSign(walletKey2, ch.Message))
	if sessionSet(resp) || resp.Header.Get("Location") != env.srv.URL+"/auth/signin?error=OAuthAccountNotLinked" {
		t.Fatalf("another user's wallet: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	assertSpent(t, st, before, 1)
	if s := env.sessionJSON(t, c); s["user"].(map[string]any)["email"] != "ada@example.com" {
		t.Fatalf("Ada's session was lost: %v", s)
	}

	// A link needs the POST and its CSRF token (catalogue 149): a GET
	// callback is refused, and so is a POST without the token.
	resp, ch = env.nonce(t, c, walletAddress(walletKey2), "10")
	before = rowCounts(t, st)
	sig := personalSign(walletKey2, ch.Message)
	q := url.Values{"message": {ch.Message}, "signature": {sig}}
	resp, _ = do(t, c, "GET", env.srv.URL+"/auth/callback/siwe?"+q.Encode(), nil)
	if sessionSet(resp) || resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != env.srv.URL+"/auth/error?error=Configuration" {
		t.Fatalf("GET callback: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = do(t, c, "POST", env.srv.URL+"/auth/callback/siwe", q)
	if sessionSet(resp) || resp.Header.Get("Location") != env.srv.URL+"/auth/signin?error=MissingCSRF" {
		t.Fatalf("POST without CSRF: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A token from another browser does not do either.
	resp, _ = do(t, c, "POST", env.srv.URL+"/auth/callback/siwe", url.Values{"message": {ch.Message}, "signature": {sig}, "csrfToken": {csrf(t, browser(t), env.app)}})
	if sessionSet(resp) || resp.Header.Get("Location") != env.srv.URL+"/auth/signin?error=MissingCSRF" {
		t.Fatalf("POST with a foreign CSRF token: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	assertSpent(t, st, before, 0)
	if _, err := st.GetUserByAccount(ctx, flow.SIWEProviderID, siwe.AccountID(10, walletAddress(walletKey2))); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the wallet was linked: %v", err)
	}
}

func TestSIWENonceEndpoint(t *testing.T) {
	st := newStore(t)
	env := siweApp(t, st, flow.Database)
	c := browser(t)
	before := rowCounts(t, st)
	// No CSRF token: 403, no cookie, nothing recorded.
	resp, body := do(t, c, "POST", env.srv.URL+"/auth/siwe/nonce", url.Values{"address": {walletAddress(walletKey)}})
	if resp.StatusCode != http.StatusForbidden || cookieNamed(resp, "authjs.siwe-nonce") != nil || !strings.Contains(body, "MissingCSRF") {
		t.Fatalf("no CSRF: %d %s", resp.StatusCode, body)
	}
	for _, tc := range []struct{ address, chain, want string }{
		{"0x1234", "1", "InvalidAddress"},
		{"0x" + strings.Repeat("z", 40), "", "InvalidAddress"},
		{walletAddress(walletKey), "5", "UnsupportedChain"},
		{walletAddress(walletKey), "0x", "UnsupportedChain"},
		{walletAddress(walletKey), "one", "UnsupportedChain"},
	} {
		resp, ch := env.nonce(t, c, tc.address, tc.chain)
		if resp.StatusCode != http.StatusBadRequest || ch.Error != tc.want || cookieNamed(resp, "authjs.siwe-nonce") != nil {
			t.Errorf("%s/%s: %d %+v", tc.address, tc.chain, resp.StatusCode, ch)
		}
	}
	assertSpent(t, st, before, 0)
	// Without an address: the fields only, for clients that build the
	// message themselves.
	resp, ch := env.nonce(t, c, "", "")
	if resp.StatusCode != 200 || ch.Message != "" || ch.ChainID != 1 || len(ch.ChainIDs) != 2 {
		t.Fatalf("fields only: %d %+v", resp.StatusCode, ch)
	}
	// GET is not allowed; unknown sub-routes are 404.
	if resp, _ := do(t, c, "GET", env.srv.URL+"/auth/siwe/nonce", nil); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET nonce: %d", resp.StatusCode)
	}
	if resp, _ := do(t, c, "GET", env.srv.URL+"/auth/siwe/other", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET other: %d", resp.StatusCode)
	}
}

func TestSIWEWalletScript(t *testing.T) {
	env := siweApp(t, nil, "")
	c := browser(t)
	resp, body := do(t, c, "GET", env.srv.URL+"/auth/siwe/wallet.js", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || !strings.Contains(body, "personal_sign") ||
		resp.Header.Get("Cache-Control") != "public, max-age=3600" || resp.Header.Get("X-Content-Type-Options") != "nosniff" || len(resp.Cookies()) != 0 {
		t.Fatalf("wallet.js: %d %v", resp.StatusCode, resp.Header)
	}
	etag := resp.Header.Get("ETag")
	if resp, _ := do(t, c, "GET", env.srv.URL+"/auth/siwe/wallet.js", nil, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	// The sign-in page allows the script, and connections, from itself only.
	resp, _ = do(t, c, "GET", env.srv.URL+"/auth/signin", nil)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'; connect-src 'self'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

// siweCase is one message or signature the server must refuse.
type siweCase struct {
	name   string
	reason error // flow's sentinel
	cause  error // siwe's sentinel, when the message is at fault
	// edit changes the message before it is signed.
	edit func(m *siwe.Message, now time.Time)
	// text changes the text before it is signed (formats Message cannot
	// make).
	text func(s string) string
	// after changes the text after it is signed.
	after func(s string) string
	// sig replaces the signature, given the good one.
	sig func(good, text string) string
}

func siweCases(base string) []siweCase {
	host := strings.TrimPrefix(base, "http://")
	at := func(d time.Duration, now time.Time) string { return now.Add(d).UTC().Format(time.RFC3339) }
	sigBytes := func(s string) []byte { b, _ := hex.DecodeString(s[2:]); return b }
	msgErr, sigErr := flow.ErrSIWEMessage, siwe.ErrSignature
	return []siweCase{
		// 136: domain and scheme.
		{name: "wrong domain", reason: msgErr, cause: siwe.ErrDomain, edit: func(m *siwe.Message, _ time.Time) { m.Domain = "evil.example.com" }},
		{name: "domain without port", reason: msgErr, cause: siwe.ErrDomain, edit: func(m *siwe.Message, _ time.Time) { m.Domain = "127.0.0.1" }},
		{name: "wrong scheme", reason: msgErr, cause: siwe.ErrDomain, edit: func(m *siwe.Message, _ time.Time) { m.Scheme = "https" }},
		{name: "homoglyph domain", reason: msgErr, cause: siwe.ErrMalformed, text: func(s string) string { return strings.Replace(s, "127.0.0.1", "12７.0.0.1", 1) }},
		// 137: chain.
		{name: "wrong chain", reason: msgErr, cause: siwe.ErrChain, edit: func(m *siwe.Message, _ time.Time) { m.ChainID = 5 }},
		// 138: nonce.
		{name: "other nonce", reason: msgErr, cause: siwe.ErrNonce, edit: func(m *siwe.Message, _ time.Time) { m.Nonce = siwe.NewNonce() }},
		{name: "short nonce", reason: msgErr, cause: siwe.ErrMalformed, edit: func(m *siwe.Message, _ time.Time) { m.Nonce = "abc1234" }},
		// 139: times.
		{name: "expired", reason: msgErr, cause: siwe.ErrExpired, edit: func(m *siwe.Message, now time.Time) { m.ExpirationTime = at(-time.Minute, now) }},
		{name: "not yet valid", reason: msgErr, cause: siwe.ErrNotYetValid, edit: func(m *siwe.Message, now time.Time) { m.NotBefore = at(10*time.Minute, now) }},
		{name: "issued in the future", reason: msgErr, cause: siwe.ErrNotYetValid, edit: func(m *siwe.Message, now time.Time) { m.IssuedAt = at(10*time.Minute, now) }},
		{name: "issued too long ago", reason: msgErr, cause: siwe.ErrExpired, edit: func(m *siwe.Message, now time.Time) { m.IssuedAt = at(-time.Hour, now); m.ExpirationTime = "" }},
		// 140: URI and version.
		{name: "wrong URI", reason: msgErr, cause: siwe.ErrURI, edit: func(m *siwe.Message, _ time.Time) { m.URI = base + "/auth/signin" }},
		{name: "other origin URI", reason: msgErr, cause: siwe.ErrURI, edit: func(m *siwe.Message, _ time.Time) { m.URI = "https://" + host }},
		{name: "version 2", reason: msgErr, cause: siwe.ErrMalformed, edit: func(m *siwe.Message, _ time.Time) { m.Version = "2" }},
		// 141: address.
		{name: "lower-case address", reason: msgErr, cause: siwe.ErrMalformed, edit: func(m *siwe.Message, _ time.Time) { m.Address = strings.ToLower(m.Address) }},
		{name: "wrong checksum", reason: msgErr, cause: siwe.ErrMalformed, edit: func(m *siwe.Message, _ time.Time) {
			b := []byte(m.Address)
			for i := 2; i < len(b); i++ {
				if c := b[i]; c >= 'a' && c <= 'f' {
					b[i] = c - 32
					break
				}
			}
			m.Address = string(b)
		}},
		{name: "signed by another key", reason: msgErr, cause: sigErr, sig: func(_, text string) string { return personalSign(walletKey2, text) }},
		// 142: signature shapes.
		{name: "no signature", reason: msgErr, cause: sigErr, sig: func(string, string) string { return "" }},
		{name: "0x", reason: msgErr, cause: sigErr, sig: func(string, string) string { return "0x" }},
		{name: "0x00", reason: msgErr, cause: sigErr, sig: func(string, string) string { return "0x00" }},
		{name: "64 bytes", reason: msgErr, cause: sigErr, sig: func(g, _ string) string { return g[:130] }},
		{name: "66 bytes", reason: msgErr, cause: sigErr, sig: func(g, _ string) string { return g + "00" }},
		{name: "non-hex", reason: msgErr, cause: sigErr, sig: func(g, _ string) string { return "0x" + strings.Repeat("zz", 65) }},
		{name: "huge signature", reason: msgErr, cause: sigErr, sig: func(g, _ string) string { return g + strings.Repeat("ab", 100_000) }},
		// 143: recovery byte.
		{name: "v=29", reason: msgErr, cause: sigErr, sig: func(g, _ string) string { return g[:130] + "1d" }},
		{name: "v=54", reason: msgErr, cause: sigErr, sig: func(g, _ string) string { return g[:130] + "36" }},
		// 144: high-s.
		{name: "high-s", reason: msgErr, cause: sigErr, sig: func(g, _ string) string {
			b := sigBytes(g)
			var s secp256k1.ModNScalar
			s.SetByteSlice(b[32:64])
			s.Negate()
			sb := s.Bytes()
			copy(b[32:64], sb[:])
			b[64] = 55 - b[64]
			return "0x" + hex.EncodeToString(b)
		}},
		// 145: malformed text, signed as it is.
		{name: "CRLF", reason: msgErr, cause: siwe.ErrMalformed, text: func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }},
		{name: "trailing newline", reason: msgErr, cause: siwe.ErrMalformed, text: func(s string) string { return s + "\n" }},
		{name: "missing blank line", reason: msgErr, cause: siwe.ErrMalformed, text: func(s string) string { return strings.Replace(s, "\n\n", "\n", 1) }},
		{name: "duplicated field", reason: msgErr, cause: siwe.ErrMalformed, text: func(s string) string {
			return strings.Replace(s, "\nIssued At: ", "\nChain ID: 1\nIssued At: ", 1)
		}},
		{name: "fields out of order", reason: msgErr, cause: siwe.ErrMalformed, text: func(s string) string {
			l := strings.Split(s, "\n")
			for i := range l {
				if strings.HasPrefix(l[i], "Version: ") {
					l[i], l[i+1] = l[i+1], l[i]
					break
				}
			}
			return strings.Join(l, "\n")
		}},
		{name: "unknown field", reason: msgErr, cause: siwe.ErrMalformed, text: func(s string) string { return s + "\nFoo: bar" }},
		{name: "statement with a newline", reason: msgErr, cause: siwe.ErrMalformed, text: func(s string) string {
			return strings.Replace(s, "Sign in to the test app.", "Sign in\nto the test app.", 1)
		}},
		{name: "1 MB statement", reason: msgErr, cause: siwe.ErrMalformed, text: func(s string) string {
			return strings.Replace(s, "Sign in to the test app.", strings.Repeat("a", 1_000_000), 1)
		}},
		{name: "10k resources", reason: msgErr, cause: siwe.ErrMalformed, text: func(s string) string {
			return s + "\nResources:" + strings.Repeat("\n- https://x.example", 10_000)
		}},
		{name: "empty message", reason: msgErr, cause: siwe.ErrMalformed, text: func(string) string { return "" }},
		// 146: the signature covers the exact bytes received.
		{name: "changed after signing", reason: msgErr, cause: sigErr, after: func(s string) string {
			return strings.Replace(s, "Sign in to the test app.", "Sign in to the test app!", 1)
		}},
		// 147: an ERC-1271 contract signature is not a 65-byte EOA one.
		{name: "ERC-1271 signature", reason: msgErr, cause: sigErr, sig: func(string, string) string { return "0x" + strings.Repeat("11", 160) }},
	}
}

// buildSigned makes the text and signature of a case from a challenge.
func (tc siweCase) buildSigned(ch flow.SIWEChallenge, now time.Time) (string, string) {
	m := siwe.Message{Scheme: ch.Scheme, Domain: ch.Domain, Address: walletAddress(walletKey), Statement: ch.Statement, URI: ch.URI,
		Version: ch.Version, ChainID: ch.ChainID, Nonce: ch.Nonce, IssuedAt: ch.IssuedAt, ExpirationTime: ch.ExpirationTime}
	if tc.edit != nil {
		tc.edit(&m, now)
	}
	text := m.String()
	if tc.text != nil {
		text = tc.text(text)
	}
	sig := personalSign(walletKey, text)
	if tc.after != nil {
		text = tc.after(text)
	}
	if tc.sig != nil {
		sig = tc.sig(sig, text)
	}
	return text, sig
}

// TestSIWERejects: every item of catalogue 2i through the engine (a typed
// error, no result, nothing written but the spent nonce) and through the
// handler (a redirect to the sign-in page with CredentialsSignin, no
// session cookie, the nonce cookie cleared, the reason logged without the
// signature or the nonce), with a store and without.
func TestSIWERejects(t *testing.T) {
	for _, withStore := range []bool{true, false} {
		name := "sqlite"
		if !withStore {
			name = "no-store"
		}
		t.Run(name, func(t *testing.T) {
			var st store.Store
			if withStore {
				st = newStore(t)
			}
			env := siweApp(t, st, "")
			ctx := context.Background()
			var spent int64
			if withStore {
				spent = 1
			}
			for _, tc := range siweCases(env.srv.URL) {
				t.Run(tc.name, func(t *testing.T) {
					// The engine.
					ch, cookie, err := env.e.SIWENonce(ctx)
					if err != nil {
						t.Fatal(err)
					}
					text, sig := tc.buildSigned(ch, *env.now)
					var before counts
					if st != nil {
						before = rowCounts(t, st)
					}
					res, err := env.e.SignInWithEthereum(ctx, text, sig, flow.CallbackRequest{Cookies: []*http.Cookie{cookie}})
					assertRejected(t, res, err, flow.CredentialsSignin, tc.reason)
					if tc.cause != nil && !errors.Is(err, tc.cause) {
						t.Fatalf("got %v; want the cause %v", err, tc.cause)
					}
					assertSpent(t, st, before, spent)
					// The nonce is spent although the message failed: the
					// right message on it is refused now.
					ok, _ := siweCase{}.buildSigned(ch, *env.now)
					res, err = env.e.SignInWithEthereum(ctx, ok, personalSign(walletKey, ok), flow.CallbackRequest{Cookies: []*http.Cookie{cookie}})
					assertRejected(t, res, err, flow.CredentialsSignin, flow.ErrSIWENonce)

					// The handler.
					c := browser(t)
					_, hc := env.nonce(t, c, "", "")
					text, sig = tc.buildSigned(hc.SIWEChallenge, *env.now)
					if st != nil {
						before = rowCounts(t, st)
					}
					logged := len(env.logs.String())
					resp := env.post(t, c, text, sig)
					if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != env.srv.URL+"/auth/signin?error=CredentialsSignin" || sessionSet(resp) {
						t.Fatalf("handler: %d %s, session set %v", resp.StatusCode, resp.Header.Get("Location"), sessionSet(resp))
					}
					if nc := cookieNamed(resp, "authjs.siwe-nonce"); nc == nil || nc.MaxAge >= 0 {
						t.Fatalf("the nonce cookie was not cleared: %+v", nc)
					}
					assertSpent(t, st, before, spent)
					line := env.logs.String()[logged:]
					if !strings.Contains(line, "provider=siwe code=CredentialsSignin") {
						t.Fatalf("log %q", line)
					}
					sigHex := strings.TrimPrefix(sig, "0x")
					sigHex = sigHex[:min(len(sigHex), 32)]
					for _, secret := range []string{hc.Nonce, sigHex, testSecret} {
						if len(secret) >= 8 && strings.Contains(line, secret) {
							t.Fatalf("the log shows a nonce, signature or secret: %q", line)
						}
					}
				})
			}
		})
	}
}

// TestSIWENonceBinding: catalogue 138 and 148. A nonce serves once, in
// the browser it was issued to, before it expires, whatever the store.
func TestSIWENonceBinding(t *testing.T) {
	for _, withStore := range []bool{true, false} {
		name := "sqlite"
		if !withStore {
			name = "no-store"
		}
		t.Run(name, func(t *testing.T) {
			var st store.Store
			if withStore {
				st = newStore(t)
			}
			env := siweApp(t, st, flow.JWT)
			ctx := context.Background()
			req := func(cookies ...*http.Cookie) flow.CallbackRequest { return flow.CallbackRequest{Cookies: cookies} }
			sign := func(ch flow.SIWEChallenge) (string, string) { return siweCase{}.buildSigned(ch, *env.now) }
			reject := func(t *testing.T, res *flow.Result, err error, reason, cause error) {
				t.Helper()
				assertRejected(t, res, err, flow.CredentialsSignin, reason)
				if cause != nil && !errors.Is(err, cause) {
					t.Fatalf("got %v; want %v", err, cause)
				}
			}

			t.Run("another browser's nonce", func(t *testing.T) {
				a, ac, _ := env.e.SIWENonce(ctx)
				_, bc, _ := env.e.SIWENonce(ctx)
				text, sig := sign(a)
				res, err := env.e.SignInWithEthereum(ctx, text, sig, req(bc))
				reject(t, res, err, flow.ErrSIWEMessage, siwe.ErrNonce)
				// B's nonce is spent by the attempt; A's is still good.
				if _, err := env.e.SignInWithEthereum(ctx, text, sig, req(ac)); err != nil {
					t.Fatalf("A's own sign-in: %v", err)
				}
			})
			t.Run("no cookie", func(t *testing.T) {
				a, _, _ := env.e.SIWENonce(ctx)
				text, sig := sign(a)
				res, err := env.e.SignInWithEthereum(ctx, text, sig, req())
				reject(t, res, err, flow.ErrSIWENonce, nil)
			})
			t.Run("forged cookie", func(t *testing.T) {
				other, err := flow.New(flow.Config{Secrets: []string{"another-secret-0123456789abcdef0123456789"}, BaseURL: env.srv.URL + "/auth",
					SIWE: &flow.SIWEConfig{ChainIDs: []uint64{1}}})
				if err != nil {
					t.Fatal(err)
				}
				a, ac, _ := other.SIWENonce(ctx)
				text, sig := sign(a)
				res, err := env.e.SignInWithEthereum(ctx, text, sig, req(ac))
				reject(t, res, err, flow.ErrSIWENonce, nil)
				tampered := *ac
				tampered.Value = ac.Value[:len(ac.Value)-4] + "AAAA"
				res, err = env.e.SignInWithEthereum(ctx, text, sig, req(&tampered))
				reject(t, res, err, flow.ErrSIWENonce, nil)
			})
			t.Run("a state cookie is not a nonce cookie", func(t *testing.T) {
				a, ac, _ := env.e.SIWENonce(ctx)
				text, sig := sign(a)
				renamed := *ac
				renamed.Name = "authjs.state"
				res, err := env.e.SignInWithEthereum(ctx, text, sig, req(&renamed))
				reject(t, res, err, flow.ErrSIWENonce, nil)
			})
			t.Run("replay after success", func(t *testing.T) {
				a, ac, _ := env.e.SIWENonce(ctx)
				text, sig := sign(a)
				if _, err := env.e.SignInWithEthereum(ctx, text, sig, req(ac)); err != nil {
					t.Fatal(err)
				}
				res, err := env.e.SignInWithEthereum(ctx, text, sig, req(ac))
				reject(t, res, err, flow.ErrSIWENonce, nil)
			})
			t.Run("expired nonce", func(t *testing.T) {
				// One second late: within the JWE's 15 s clock tolerance
				// and the message's 30 s leeway, but the nonce is exact.
				a, ac, _ := env.e.SIWENonce(ctx)
				text, sig := sign(a)
				*env.now = env.now.Add(5*time.Minute + time.Second)
				defer func() { *env.now = env.now.Add(-5*time.Minute - time.Second) }()
				res, err := env.e.SignInWithEthereum(ctx, text, sig, req(ac))
				reject(t, res, err, flow.ErrSIWENonce, nil)
			})
			if withStore {
				t.Run("one use across instances", func(t *testing.T) {
					// A second engine on the same database and secret: the
					// nonce one instance accepted is spent for the other.
					twin, err := flow.New(flow.Config{Secrets: []string{testSecret}, BaseURL: env.srv.URL + "/auth", Store: st, Strategy: flow.JWT,
						SIWE: &flow.SIWEConfig{ChainIDs: []uint64{1, 10}, Statement: "Sign in to the test app."}, Now: func() time.Time { return *env.now }})
					if err != nil {
						t.Fatal(err)
					}
					a, ac, _ := env.e.SIWENonce(ctx)
					text, sig := sign(a)
					if _, err := twin.SignInWithEthereum(ctx, text, sig, req(ac)); err != nil {
						t.Fatal(err)
					}
					res, err := env.e.SignInWithEthereum(ctx, text, sig, req(ac))
					reject(t, res, err, flow.ErrSIWENonce, nil)
				})
			}

			t.Run("replay after logout", func(t *testing.T) {
				c := browser(t)
				resp, ch := env.nonce(t, c, walletAddress(walletKey), "1")
				nonceCookie := cookieNamed(resp, "authjs.siwe-nonce")
				sig := personalSign(walletKey, ch.Message)
				if resp = env.post(t, c, ch.Message, sig); !sessionSet(resp) {
					t.Fatal("sign-in refused")
				}
				tok := csrf(t, c, env.app)
				if resp, _ := do(t, c, "POST", env.srv.URL+"/auth/signout", url.Values{"csrfToken": {tok}}); resp.StatusCode != http.StatusFound {
					t.Fatalf("sign-out: %d", resp.StatusCode)
				}
				if s := env.sessionJSON(t, c); s != nil {
					t.Fatalf("still signed in: %v", s)
				}
				// Whoever kept the message, the signature and even the nonce
				// cookie gets nothing: the nonce is spent.
				u, _ := url.Parse(env.srv.URL)
				c.Jar.SetCookies(u, []*http.Cookie{nonceCookie})
				var before counts
				if st != nil {
					before = rowCounts(t, st)
				}
				resp = env.post(t, c, ch.Message, sig)
				if sessionSet(resp) || resp.Header.Get("Location") != env.srv.URL+"/auth/signin?error=CredentialsSignin" {
					t.Fatalf("replay after logout: %s", resp.Header.Get("Location"))
				}
				assertSpent(t, st, before, 0)
				if !strings.Contains(env.logs.String(), "nonce was used already") {
					t.Fatalf("the log does not say why:\n%s", env.logs)
				}
			})
		})
	}
}

// TestSIWEConcurrentUse: the same signed message and nonce cookie sent
// many times at once signs in exactly once (the nonce is spent in one
// statement, or under the used-set's lock).
func TestSIWEConcurrentUse(t *testing.T) {
	stores := map[string]func(t *testing.T) store.Store{
		"sqlite":   func(t *testing.T) store.Store { return newStore(t) },
		"postgres": openPostgres,
		"no-store": func(t *testing.T) store.Store { return nil },
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			env := siweApp(t, open(t), flow.JWT)
			ctx := context.Background()
			ch, cookie, err := env.e.SIWENonce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			text, sig := siweCase{}.buildSigned(ch, *env.now)
			const n = 8
			errs := make(chan error, n)
			for range n {
				go func() {
					_, err := env.e.SignInWithEthereum(ctx, text, sig, flow.CallbackRequest{Cookies: []*http.Cookie{cookie}})
					errs <- err
				}()
			}
			ok := 0
			for range n {
				if err := <-errs; err == nil {
					ok++
				} else if !errors.Is(err, flow.ErrSIWENonce) {
					t.Errorf("a loser got %v, want ErrSIWENonce", err)
				}
			}
			if ok != 1 {
				t.Fatalf("%d sign-ins succeeded, want 1", ok)
			}
		})
	}
}

// TestSIWEConfig: the engine refuses settings it cannot honour.
func TestSIWEConfig(t *testing.T) {
	for _, c := range []flow.SIWEConfig{
		{ChainIDs: []uint64{0}},
		{NonceTTL: time.Hour},
		{NonceTTL: -time.Second},
		{Domain: "https://app.example.com"},
		{Domain: "app example.com"},
		{Statement: "two\nlines"},
		{Statement: "café"},
	} {
		if _, err := flow.New(flow.Config{Secrets: []string{testSecret}, BaseURL: baseURL, SIWE: &c}); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	e, err := flow.New(flow.Config{Secrets: []string{testSecret}, BaseURL: "https://auth.example.com/api/auth", SIWE: &flow.SIWEConfig{Domain: "app.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	ch, c, err := e.SIWENonce(context.Background())
	if err != nil || ch.Domain != "app.example.com" || ch.URI != "https://app.example.com" || ch.Scheme != "https" || c.Name != "__Secure-authjs.siwe-nonce" || !c.Secure {
		t.Fatalf("%v %+v %+v", err, ch, c)
	}
	if _, err := flow.New(flow.Config{Secrets: []string{testSecret}, BaseURL: baseURL}); err != nil {
		t.Fatal(err)
	}
	off, _ := flow.New(flow.Config{Secrets: []string{testSecret}, BaseURL: baseURL})
	if _, _, err := off.SIWENonce(context.Background()); flow.CodeOf(err) != flow.Configuration {
		t.Fatalf("SIWE off: %v", err)
	}
	if _, err := off.SignInWithEthereum(context.Background(), "", "", flow.CallbackRequest{}); flow.CodeOf(err) != flow.Configuration {
		t.Fatalf("SIWE off: %v", err)
	}
}

// BenchmarkSIWESignIn is a whole SIWE sign-in through the engine with a
// SQLite store and database sessions: the nonce (sealed cookie and its
// row), then the callback (the row spent, parse, verify with public-key
// recovery, account lookup, session row, event). The wallet's signing is
// not timed.
func BenchmarkSIWESignIn(b *testing.B) {
	for _, tc := range []struct {
		name  string
		store bool
	}{{"jwt-no-store", false}, {"database-sqlite", true}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := flow.Config{Secrets: []string{testSecret}, BaseURL: baseURL, SIWE: &flow.SIWEConfig{}}
			if tc.store {
				cfg.Store = newBenchStore(b)
			}
			e, err := flow.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			addr := walletAddress(walletKey)
			b.ReportAllocs()
			for b.Loop() {
				ch, cookie, err := e.SIWENonce(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if ch, err = ch.WithAddress(addr, 0); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				sig := personalSign(walletKey, ch.Message)
				b.StartTimer()
				if _, err := e.SignInWithEthereum(ctx, ch.Message, sig, flow.CallbackRequest{Cookies: []*http.Cookie{cookie}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestSIWENoncesLimitedPerClient(t *testing.T) {
	env := siweApp(t, newStore(t), flow.JWT)
	c := browser(t)
	for i := range 120 {
		if resp, _ := env.nonce(t, c, "", ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("nonce %d: %d", i+1, resp.StatusCode)
		}
	}
	before := rowCounts(t, env.st)
	resp, ch := env.nonce(t, c, "", "")
	if resp.StatusCode != http.StatusTooManyRequests || ch.Error != "TooManyRequests" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("nonce 121: %d %+v", resp.StatusCode, ch)
	}
	assertUnchanged(t, env.st, before)
	*env.now = env.now.Add(time.Hour)
	if resp, _ := env.nonce(t, c, "", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("an hour later: %d", resp.StatusCode)
	}
}

func TestProvidersListsEmailAndWallet(t *testing.T) {
	env := siweApp(t, newStore(t), flow.JWT)
	_, body := do(t, browser(t), "GET", env.srv.URL+"/auth/providers", nil)
	var got map[string]map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got["siwe"]["type"] != "credentials" || got["siwe"]["callbackUrl"] != env.srv.URL+"/auth/callback/siwe" || got["dev"]["type"] != "oidc" || got["email"] != nil {
		t.Fatalf("providers %s", body)
	}
	a := newEmailApp(t, newStore(t), flow.JWT)
	_, body = do(t, browser(t), "GET", a.srv.URL+"/auth/providers", nil)
	got = nil
	json.Unmarshal([]byte(body), &got)
	if got["email"]["type"] != "email" || got["email"]["signinUrl"] != a.srv.URL+"/auth/signin/email" || got["siwe"] != nil {
		t.Fatalf("providers %s", body)
	}
}
