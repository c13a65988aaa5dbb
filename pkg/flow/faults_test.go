package flow_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/store"
)

// flakyStore fails session reads and writes while down is set, as a
// database that went away does.
type flakyStore struct {
	store.Store
	down atomic.Bool
}

func (f *flakyStore) GetSessionAndUser(ctx context.Context, token string) (store.Session, store.User, error) {
	if f.down.Load() {
		return store.Session{}, store.User{}, store.ErrUnavailable
	}
	return f.Store.GetSessionAndUser(ctx, token)
}

func (f *flakyStore) DeleteSession(ctx context.Context, token string) error {
	if f.down.Load() {
		return store.ErrUnavailable
	}
	return f.Store.DeleteSession(ctx, token)
}

func serveWith(t *testing.T, st store.Store, revocation bool) *app {
	t.Helper()
	idp := devidp.StartTest(t, devidp.Options{})
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cfg := flow.Config{Providers: []*providers.Provider{oidcProvider(idp, "dev")}, Secrets: []string{testSecret}, BaseURL: srv.URL + "/auth", Store: st}
	if revocation {
		cfg.Strategy, cfg.Revocation = flow.JWT, true
	}
	e, err := flow.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := flow.NewHandler(e, flow.HandlerOptions{})
	mux.Handle("/auth/", h)
	mux.Handle("/dashboard", h.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })))
	return &app{srv: srv, idp: idp, st: st}
}

// TestStoreDownKeepsTheSession: a database that fails answers 503 and
// keeps the session cookie (catalogue decision 9); once it is back, the
// session works again.
func TestStoreDownKeepsTheSession(t *testing.T) {
	st := &flakyStore{Store: newStore(t)}
	a := serveWith(t, st, false)
	c := browser(t)
	signInThroughHandler(t, c, a, "/")
	tok := csrf(t, c, a)
	st.down.Store(true)
	resp, body := do(t, c, "GET", a.srv.URL+"/auth/session", nil)
	if resp.StatusCode != 503 || strings.TrimSpace(body) != "null" || cookieNamed(resp, "authjs.session-token") != nil {
		t.Fatalf("/session with the database down: %d %s %v", resp.StatusCode, body, resp.Header.Values("Set-Cookie"))
	}
	if resp, _ := do(t, c, "GET", a.srv.URL+"/dashboard", nil); resp.StatusCode != 503 {
		t.Fatalf("a protected page with the database down: %d", resp.StatusCode)
	}
	if resp, _ := do(t, c, "POST", a.srv.URL+"/auth/signout", url.Values{"csrfToken": {tok}}); resp.StatusCode != 503 || cookieNamed(resp, "authjs.session-token") != nil {
		t.Fatalf("sign-out with the database down: %d", resp.StatusCode)
	}
	st.down.Store(false)
	if _, body := do(t, c, "GET", a.srv.URL+"/auth/session", nil); !strings.Contains(body, "dev@example.com") {
		t.Fatalf("the session did not survive the outage: %s", body)
	}
}

// TestSignInAgainEndsThePreviousSession: a new sign-in in a browser that
// holds a session ends that session (database row deleted, or the JWT's
// jti revoked, with every rolled copy).
func TestSignInAgainEndsThePreviousSession(t *testing.T) {
	t.Run("database", func(t *testing.T) {
		a := serveWith(t, newStore(t), false)
		c := browser(t)
		signInThroughHandler(t, c, a, "/")
		u, _ := url.Parse(a.srv.URL)
		old := c.Jar.Cookies(u)
		signInThroughHandler(t, c, a, "/")
		if n := rowCounts(t, a.st)["sessions"]; n != 1 {
			t.Fatalf("%d session rows after signing in twice", n)
		}
		stale := browser(t)
		stale.Jar.SetCookies(u, old)
		if _, body := do(t, stale, "GET", a.srv.URL+"/auth/session", nil); strings.TrimSpace(body) != "null" {
			t.Fatalf("the replaced session still reads: %s", body)
		}
	})
	t.Run("jwt with revocation", func(t *testing.T) {
		a := serveWith(t, newStore(t), true)
		c := browser(t)
		signInThroughHandler(t, c, a, "/")
		do(t, c, "GET", a.srv.URL+"/auth/session", nil)
		u, _ := url.Parse(a.srv.URL)
		rolled := c.Jar.Cookies(u)
		signInThroughHandler(t, c, a, "/")
		stale := browser(t)
		stale.Jar.SetCookies(u, rolled)
		if _, body := do(t, stale, "GET", a.srv.URL+"/auth/session", nil); strings.TrimSpace(body) != "null" {
			t.Fatalf("a rolled copy of the replaced session still reads: %s", body)
		}
		if _, body := do(t, c, "GET", a.srv.URL+"/auth/session", nil); !strings.Contains(body, "dev@example.com") {
			t.Fatalf("the new session does not read: %s", body)
		}
	})
}
