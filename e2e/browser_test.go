package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/authkit-dev/authkit/internal/testenv"
)

// browser is one headless Chromium for a whole test.
type browser struct {
	ctx context.Context // the browser's first tab; tabs are made from it
}

// startBrowser starts Debian's chromium headless, with a fresh profile and
// the flags this machine's closed network needs, and stops it when the
// test ends.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	exe := testenv.Command(t, "chromium")
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1024, 768),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// Registered after t.TempDir, so it runs first: Chromium is gone before
	// its profile is removed. Cancelling the allocator waits for the process.
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser, which lives as long as the context
	// of that run: so no timeout here (the allocator bounds the start).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium (%s): %v", exe, err)
	}
	return &browser{ctx: ctx}
}

// tab is a browser tab in a browser context of its own: its cookies are
// shared with no other tab, as if it were another person's browser.
type tab struct {
	ctx context.Context
}

func (b *browser) newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return &tab{ctx: ctx}
}

// page is what the tab showed at one step.
type page struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	Text  string `json:"text"`
	// Kind is the page recognised: op-login and op-consent (oidc-provider's
	// development interactions), devidp-login (the dev IdP's account
	// buttons), authkit-result (the loopback server's page), or other.
	Kind string `json:"kind"`
}

// user is who sits at the browser: what they type or choose on the
// providers' pages.
type user struct {
	// Login is typed on oidc-provider's sign-in form.
	Login string
	// Email picks the button on the dev IdP's login page.
	Email string
}

// snapshotJS reads the document once it has loaded and is not the one
// already acted on (marked with window.__e2eActed); null until then.
const snapshotJS = `(() => {
  if (window.__e2eActed || document.readyState !== "complete" || !document.body) return null;
  const q = (s) => document.querySelector(s) !== null;
  let kind = "other";
  if (q('form input[name="login"]') && q('form input[name="password"]')) kind = "op-login";
  else if (q('form input[name="prompt"][value="consent"]')) kind = "op-consent";
  else if (q('form[action="/devidp/login"] button[name="user"]')) kind = "devidp-login";
  else if (document.title === "authkit login") kind = "authkit-result";
  return {url: location.href, title: document.title, text: document.body.innerText, kind};
})()`

// snapshot waits for the next document and reads it.
func snapshot(ctx context.Context) (page, error) {
	for {
		p, err := chromedp.Run(ctx, chromedp.Evaluate[*page](snapshotJS))
		if err == nil && p != nil {
			return *p, nil
		}
		// Between two documents the evaluation can fail (the execution
		// context is being replaced); try again until ctx ends.
		select {
		case <-ctx.Done():
			if err == nil {
				err = errors.New("the page did not finish loading")
			}
			return page{}, fmt.Errorf("%w (last: %v)", context.Cause(ctx), err)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// markActed marks the current document, so that snapshot waits for the
// next one.
var markActed = chromedp.Evaluate[chromedp.Void](`window.__e2eActed = true`)

// signIn plays u at the browser: it opens the authorization URL and goes
// through the provider's pages (typing the login and any password on
// oidc-provider's form, confirming its consent page, or pressing u's
// button on the dev IdP's page) until authkit's loopback server shows its
// result page. It returns every page seen, in order.
func (tb *tab) signIn(authURL string, u user) ([]page, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	// Mark the document shown now (a blank tab, or the last sign-in's
	// result page), so that the first snapshot is of the provider's page.
	if err := chromedp.Do(ctx, markActed, chromedp.Navigate(authURL)); err != nil {
		return nil, fmt.Errorf("open the authorization URL: %w", err)
	}
	var seen []page
	for range 8 {
		p, err := snapshot(ctx)
		if err != nil {
			return seen, err
		}
		seen = append(seen, p)
		var act []chromedp.Action[chromedp.Void]
		switch p.Kind {
		case "authkit-result":
			return seen, nil
		case "op-login":
			act = append(act,
				chromedp.SendKeys(chromedp.CSS(`form input[name="login"]`), u.Login),
				chromedp.SendKeys(chromedp.CSS(`form input[name="password"]`), "any password"),
				markActed,
				chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
			)
		case "op-consent":
			act = append(act, markActed, chromedp.Click(chromedp.CSS(`form button[type="submit"]`)))
		case "devidp-login":
			if !strings.Contains(p.Text, u.Email) {
				return seen, fmt.Errorf("the dev IdP's login page has no button for %s", u.Email)
			}
			xpath := fmt.Sprintf(`//button[@name="user" and contains(., %q)]`, "("+u.Email+")")
			act = append(act, markActed, chromedp.Click(chromedp.Search(xpath)))
		default:
			return seen, fmt.Errorf("unexpected page %q at %s: %.300s", p.Title, p.URL, p.Text)
		}
		if err := chromedp.Do(ctx, act...); err != nil {
			return seen, fmt.Errorf("on %s: %w", p.Kind, err)
		}
	}
	return seen, errors.New("no result page after 8 pages")
}

// kinds lists the kinds of pages, for messages and comparisons.
func kinds(pages []page) []string {
	out := make([]string, len(pages))
	for i, p := range pages {
		out[i] = p.Kind
	}
	return out
}
