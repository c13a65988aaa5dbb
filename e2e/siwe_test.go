package e2e_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/authkit-dev/authkit/internal/testenv"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/providers/siwe"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// siweKey is Hardhat's test account #1; it signs for the fake wallet.
const siweKey = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"

// fakeWalletJS is an EIP-1193 provider injected before the page's own
// scripts: it answers the account (in lower case, as wallets do) and
// chain 1, and has personal_sign done by the Go test through the exposed
// __authkitTestSign.
const fakeWalletJS = `(() => {
  const address = %q;
  window.ethereum = {
    request: async ({ method, params }) => {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [address];
        case "eth_chainId":
          return "0x1";
        case "personal_sign":
          return window.__authkitTestSign({ data: params[0], address: params[1] });
      }
      const err = new Error("unsupported method " + method);
      err.code = 4200;
      throw err;
    },
  };
})();`

// signRequest is what the fake wallet hands to Go.
type signRequest struct {
	Data    string `json:"data"`
	Address string `json:"address"`
}

// siweServer serves the flow handler with SIWE on at /auth and a plain
// home page at /, with a migrated SQLite store.
type siweServer struct {
	origin string
	st     store.Store
	logs   *testenv.Buffer
}

func startSIWEServer(t *testing.T) *siweServer {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, newDB(t), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e, err := flow.New(flow.Config{Secrets: []string{"e2e-siwe-secret-0123456789abcdef0123456789"}, BaseURL: srv.URL + "/auth", Store: st,
		SIWE: &flow.SIWEConfig{Statement: "Sign in to the authkit end-to-end test."}})
	if err != nil {
		t.Fatal(err)
	}
	logs := &testenv.Buffer{}
	mux.Handle("/auth/", flow.NewHandler(e, flow.HandlerOptions{Logger: slog.New(slog.NewTextHandler(logs, nil))}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!DOCTYPE html><title>Home</title><p>The home page.</p>")
	})
	return &siweServer{origin: srv.URL, st: st, logs: logs}
}

func (s *siweServer) rows(t *testing.T) map[string]int64 { return tableRows(t, s.st) }

// TestSIWE signs in with Ethereum in a real headless Chromium: the
// built-in sign-in page, its wallet script under the page's CSP, a fake
// EIP-1193 wallet injected before load whose signatures Go makes with a
// test key, the nonce and callback routes, and the store. Then the same
// page without a wallet: it says so, and nothing is written.
func TestSIWE(t *testing.T) {
	b := startBrowser(t)
	srv := startSIWEServer(t)
	key, _ := hex.DecodeString(siweKey)
	priv := secp256k1.PrivKeyFromBytes(key)
	address := siwe.PubkeyAddress(priv.PubKey())
	signInURL := srv.origin + "/auth/signin?callbackUrl=" + url.QueryEscape(srv.origin+"/")
	const button = `form[data-provider-type="siwe"] button[type="button"]`

	t.Run("wallet", func(t *testing.T) {
		tb := b.newTab(t)
		ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
		defer cancel()
		var mu sync.Mutex
		var signed []string
		sign := func(ctx context.Context, req signRequest) (string, error) {
			msg, err := hex.DecodeString(strings.TrimPrefix(req.Data, "0x"))
			if err != nil {
				return "", fmt.Errorf("personal_sign data is not hex: %w", err)
			}
			if !strings.EqualFold(req.Address, address) {
				return "", fmt.Errorf("personal_sign for %s, the wallet is %s", req.Address, address)
			}
			mu.Lock()
			signed = append(signed, string(msg))
			mu.Unlock()
			c := ecdsa.SignCompact(priv, siwe.PersonalHash(msg), false) // v || r || s
			return "0x" + hex.EncodeToString(append(c[1:65:65], c[0])), nil
		}
		inject := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
				Source: fmt.Sprintf(fakeWalletJS, strings.ToLower(address))})
			return err
		})
		if err := chromedp.Do(ctx, chromedp.ExposeFunc("__authkitTestSign", sign), inject); err != nil {
			t.Fatal(err)
		}
		p := mustPage(t, "open the sign-in page")(tb.open(ctx, signInURL))
		if !strings.Contains(p.Text, "Sign in with Ethereum") {
			t.Fatalf("the sign-in page has no wallet button:\n%s", p.Text)
		}
		before := srv.rows(t)
		p = mustPage(t, "press Sign in with Ethereum")(tb.act(ctx, markActed, chromedp.Click(chromedp.CSS(button))))
		if p.URL != srv.origin+"/" || p.Title != "Home" {
			t.Fatalf("after signing: %q at %s, want the home page:\n%s\nserver log:\n%s", p.Title, p.URL, p.Text, srv.logs)
		}
		mu.Lock()
		if len(signed) != 1 {
			t.Fatalf("the wallet signed %d messages", len(signed))
		}
		m, err := siwe.Parse(signed[0])
		mu.Unlock()
		if err != nil || m.Address != address || m.URI != srv.origin || m.Domain != strings.TrimPrefix(srv.origin, "http://") || m.ChainID != 1 {
			t.Fatalf("signed message %+v: %v", m, err)
		}

		p = mustPage(t, "open /auth/session")(tb.open(ctx, srv.origin+"/auth/session"))
		s := parseSession(t, ctx, p)
		if s == nil || s.User.Name != address[:6]+"…"+address[38:] || s.User.Email != "" {
			t.Fatalf("/auth/session: %+v:\n%s", s, p.Text)
		}
		rows := srv.rows(t)
		if rows["users"] != before["users"]+1 || rows["accounts"] != before["accounts"]+1 || rows["sessions"] != before["sessions"]+1 || rows["verification_tokens"] != 0 {
			t.Fatalf("rows %v, before %v", rows, before)
		}
		u, err := srv.st.GetUserByAccount(context.Background(), "siwe", "eip155:1:"+address)
		if err != nil {
			t.Fatalf("no siwe account eip155:1:%s: %v", address, err)
		}
		users, err := srv.st.ListUsers(context.Background(), store.UserQuery{Provider: "siwe"})
		if err != nil || len(users.Users) != 1 || users.Users[0].ID != u.ID || len(users.Users[0].Accounts) != 1 ||
			users.Users[0].Accounts[0].Provider != "siwe" || users.Users[0].Accounts[0].ProviderAccountID != "eip155:1:"+address {
			t.Fatalf("users with a siwe account: %+v (%v)", users.Users, err)
		}
		for _, leak := range []string{m.Nonce, "csrfToken"} {
			if strings.Contains(srv.logs.String(), leak) {
				t.Errorf("the server's log shows %q:\n%s", leak, srv.logs)
			}
		}
	})

	t.Run("no wallet", func(t *testing.T) {
		tb := b.newTab(t)
		ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
		defer cancel()
		p := mustPage(t, "open the sign-in page")(tb.open(ctx, signInURL))
		before := srv.rows(t)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(button))); err != nil {
			t.Fatal(err)
		}
		const want = "No Ethereum wallet found in this browser."
		var status string
		for {
			var err error
			status, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('form[data-provider-type="siwe"] [role="status"]').textContent`))
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(status, want) {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("the status region says %q, want %q", status, want)
			case <-time.After(25 * time.Millisecond):
			}
		}
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
		if err != nil || href != p.URL {
			t.Fatalf("the page moved to %s (%v)", href, err)
		}
		if rows := srv.rows(t); fmt.Sprint(rows) != fmt.Sprint(before) {
			t.Fatalf("rows %v, before %v", rows, before)
		}
	})
}
