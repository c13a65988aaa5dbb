// Package e2e holds authkit's end-to-end tests: `authkit login` run
// in-process against identity providers on 127.0.0.1, with a real headless
// Chromium (driven through github.com/chromedp/chromedp) as the user's
// browser, and a real SQLite store checked afterwards; and `authkit serve
// --dev` driven through its protected page, sign-in, /auth/session and
// sign-out in the same browser, with JWT and database sessions.
//
// The OpenID provider is the certified Node implementation oidc-provider
// (pinned in interop/package.json, configured by interop/oidc-provider.mjs);
// the GitHub-shaped OAuth 2 provider is authkit's own internal/devidp with its
// login page. The tests need chromium, node and interop/node_modules (`make
// interop`); without them they skip, or fail under AUTHKIT_REQUIRE_ALL=1.
package e2e
