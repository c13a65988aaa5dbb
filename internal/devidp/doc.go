// Package devidp is a local OAuth 2 / OpenID Connect identity provider for
// development and tests: `authkit dev idp` runs it, and tests start it in
// process (New, then Start or Handler).
//
// It imitates a generic OpenID provider or a real provider's shape
// (Google, GitHub, Discord: their paths, JSON members, status codes and
// error bodies), so that provider mapping code runs against it unchanged.
// It approves the first user (or the one named by login_hint) at once, or
// shows a login page with one button per user. It checks what a real
// provider checks (client, redirect URI, single-use codes that expire,
// PKCE S256, client authentication) and can be told to misbehave in named
// ways (Failure), so that a client's defences can be tested: wrong iss,
// bad signatures, expired tokens, nonce mismatch, access denied, failing
// or slow token endpoints, and more.
//
// It listens on 127.0.0.1 only, keeps every secret out of its logs, and
// keeps a log of the requests it received (Requests) so that a test can
// assert that a client made no token request after a bad callback.
package devidp
