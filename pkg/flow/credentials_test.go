package flow_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/password"
	"github.com/authkit-dev/authkit/pkg/store"
	"golang.org/x/crypto/bcrypt"
)

func passwordApp(t *testing.T, strategy flow.Strategy, now *time.Time) (*app, store.User) {
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
	e, err := flow.New(flow.Config{Secrets: []string{testSecret}, BaseURL: srv.URL + "/auth", Store: st, Strategy: strategy,
		Credentials: true, Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/auth/", flow.NewHandler(e, flow.HandlerOptions{}))
	return &app{srv: srv, st: st}, u
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
