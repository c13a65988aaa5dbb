package flow_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/password"
	"github.com/authkit-dev/authkit/pkg/store"
)

// A burst of concurrent wrong guesses from one client at one account gets
// at most the pair's 3 free checks: each attempt is counted before its
// password is checked.
func TestPasswordThrottleHoldsUnderConcurrency(t *testing.T) {
	now := time.Now()
	a, _ := passwordAppWith(t, flow.JWT, &now, func(c *flow.Config) { c.PasswordLimiter = password.NewLimiter(-1, 0) }, flow.HandlerOptions{})
	e := a.h.Engine()
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.SignInWithPassword(context.Background(), "ada@example.com", "wrong guess", "203.0.113.9", flow.CallbackRequest{})
			key := "other"
			switch {
			case errors.Is(err, flow.ErrBadCredentials):
				key = "checked"
			case errors.Is(err, flow.ErrThrottled):
				key = "throttled"
			}
			mu.Lock()
			got[key]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got["checked"] != 3 || got["throttled"] != 37 {
		t.Fatalf("40 concurrent guesses: %v, want 3 checked and 37 throttled", got)
	}
}

// An email field of a megabyte is refused before any hashing or
// throttle bookkeeping.
func TestPasswordLongIdentifierRefused(t *testing.T) {
	now := time.Now()
	a, _ := passwordApp(t, flow.JWT, &now)
	work := computations()
	for i := range 50 {
		_, err := a.h.Engine().SignInWithPassword(context.Background(), strings.Repeat("a", 1<<20)+"@example.com", "pw", fmt.Sprint("198.51.100.", i), flow.CallbackRequest{})
		if !errors.Is(err, flow.ErrBadCredentials) {
			t.Fatalf("%v", err)
		}
	}
	if computations() != work {
		t.Fatal("a megabyte identifier ran argon2")
	}
}

// Per-client limits key on the peer, or behind trusted proxies on the
// right-most untrusted X-Forwarded-For hop; IPv6 clients count by /64.
func TestClientAddressForLimits(t *testing.T) {
	request := func(a *emailApp, email, xff string) string {
		c := browser(t)
		tok := csrf(t, c, a.app)
		resp, _ := do(t, c, "POST", a.srv.URL+"/auth/signin/email", url.Values{"csrfToken": {tok}, "email": {email}}, "X-Forwarded-For", xff)
		return resp.Header.Get("Location")
	}
	limited := func(loc string) bool { return strings.HasSuffix(loc, "error=EmailSignInError") }

	proxied := newEmailApp(t, newStore(t), flow.JWT, flow.HandlerOptions{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	for i := range 20 {
		if loc := request(proxied, fmt.Sprintf("u%d@example.com", i), fmt.Sprintf("6.6.6.6, 2001:db8:1:2::%x", i+1)); limited(loc) {
			t.Fatalf("link %d from one /64 refused early", i+1)
		}
	}
	if loc := request(proxied, "u99@example.com", "2001:db8:1:2:ffff::1"); !limited(loc) {
		t.Fatal("a 21st link from the same IPv6 /64 was not limited")
	}
	if loc := request(proxied, "u98@example.com", "2001:db8:1:3::1"); limited(loc) {
		t.Fatal("another /64 was limited")
	}
	if loc := request(proxied, "u97@example.com", "2001:db8:1:2::1, 198.51.100.4"); limited(loc) {
		t.Fatal("the right-most untrusted hop was not the client")
	}

	direct := newEmailApp(t, newStore(t), flow.JWT)
	for i := range 20 {
		request(direct, fmt.Sprintf("d%d@example.com", i), fmt.Sprintf("198.51.100.%d", i+1))
	}
	if loc := request(direct, "d99@example.com", "198.51.100.200"); !limited(loc) {
		t.Fatal("without trusted proxies, a forged X-Forwarded-For escaped the limit")
	}
}

// A SIWE nonce is not stored the way an email token is, so an Auth.js app
// on the same database cannot be made to accept one as a sign-in link.
func TestSIWENonceIsNotAnEmailToken(t *testing.T) {
	st := newStore(t)
	env := siweApp(t, st, flow.Database)
	_, ch := env.nonce(t, browser(t), "", "")
	if ch.Nonce == "" {
		t.Fatal("no nonce")
	}
	sum := sha256.Sum256([]byte(ch.Nonce + testSecret))
	if _, err := st.UseVerificationToken(context.Background(), "siwe-nonce", hex.EncodeToString(sum[:])); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the nonce is stored as an Auth.js email token would be: %v", err)
	}
}

// Callback URLs from a link or a form never leave the origin.
func TestEmailCallbackURLStaysOnOrigin(t *testing.T) {
	a := newEmailApp(t, newStore(t), flow.JWT)
	c := browser(t)
	tok := csrf(t, c, a.app)
	do(t, c, "POST", a.srv.URL+"/auth/signin/email", url.Values{"csrfToken": {tok}, "email": {"ada@example.com"}, "callbackUrl": {"https://evil.example/x"}})
	link := a.box.lastLink(t)
	u, _ := url.Parse(link)
	if cb := u.Query().Get("callbackUrl"); !strings.HasPrefix(cb, a.srv.URL) {
		t.Fatalf("the link carries callbackUrl %q", cb)
	}
	q := u.Query()
	q.Set("callbackUrl", "//evil.example/x")
	u.RawQuery = q.Encode()
	resp := a.confirm(t, c, u.String())
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, a.srv.URL) {
		t.Fatalf("after confirming a link with a foreign callbackUrl: %d %s", resp.StatusCode, loc)
	}
}

// A SignIn callback that panics refuses an email sign-in; the token is
// spent and nothing else is written.
func TestEmailCallbackPanicRefuses(t *testing.T) {
	st := newStore(t)
	a := newEmailApp(t, st, flow.Database)
	e, err := flow.New(flow.Config{Secrets: []string{testSecret}, BaseURL: a.srv.URL + "/auth", Store: st,
		Email: &flow.EmailConfig{Sender: a.box}, SignIn: func(context.Context, flow.SignInInput) error { panic("boom") }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SendSignInLink(context.Background(), "ada@example.com", "/", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(a.box.lastLink(t))
	before := rowCounts(t, st)
	res, err := e.SignInWithEmailToken(context.Background(), "ada@example.com", u.Query().Get("token"), flow.CallbackRequest{})
	if res != nil || !errors.Is(err, flow.ErrSignInRefused) || flow.CodeOf(err) != flow.AccessDenied || strings.Contains(err.Error(), "boom") {
		t.Fatalf("%v %v", res, err)
	}
	after := rowCounts(t, st)
	if after["users"] != before["users"] || after["sessions"] != before["sessions"] || after["verification_tokens"] != before["verification_tokens"]-1 {
		t.Fatalf("rows %v → %v", before, after)
	}
}
