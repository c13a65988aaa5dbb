package devidp

import (
	"crypto/rand"
	"time"
)

// Lifetimes.
const (
	codeTTL        = 60 * time.Second
	accessTokenTTL = time.Hour
	pendingTTL     = 10 * time.Minute
	// refreshTTL is the absolute lifetime of a refresh token (and of the
	// memory of a rotated one, for reuse detection).
	refreshTTL = 30 * 24 * time.Hour
	// usedCodeMemory is how long a redeemed code is remembered, so that
	// its replay is recognised (and its tokens revoked) rather than
	// answered as an unknown code.
	usedCodeMemory = 10 * time.Minute
)

// authRequest is a validated authorization request.
type authRequest struct {
	clientID    string
	redirectURI string
	state       string
	hasState    bool
	nonce       string
	scope       string
	challenge   string
	loginHint   string
	issued      time.Time
}

// grant is an authorization code and what it was issued for. origin ties
// every token issued from it together, for revocation.
type grant struct {
	req      authRequest
	user     int
	authTime time.Time
	issued   time.Time
	used     bool
}

// token is an access or refresh token.
type token struct {
	user     int
	clientID string
	scope    string
	nonce    string
	authTime time.Time
	issued   time.Time
	expires  time.Time // access tokens; refresh tokens live refreshTTL from issued
	origin   string    // the code the family started from
	used     bool      // a rotated refresh token
}

// grants holds the provider's state. The Server's mutex guards it.
type grants struct {
	pending map[string]*authRequest
	codes   map[string]*grant
	access  map[string]*token
	refresh map[string]*token
}

func newGrants() grants {
	return grants{pending: map[string]*authRequest{}, codes: map[string]*grant{},
		access: map[string]*token{}, refresh: map[string]*token{}}
}

// sweep forgets what has expired, so that a long-running provider stays
// small.
func (g *grants) sweep(now time.Time) {
	for k, p := range g.pending {
		if now.Sub(p.issued) > pendingTTL {
			delete(g.pending, k)
		}
	}
	for k, c := range g.codes {
		if now.Sub(c.issued) > usedCodeMemory {
			delete(g.codes, k)
		}
	}
	for k, t := range g.access {
		if now.After(t.expires) {
			delete(g.access, k)
		}
	}
	for k, t := range g.refresh {
		if now.Sub(t.issued) > refreshTTL {
			delete(g.refresh, k)
		}
	}
}

// revoke deletes every token issued from the code origin (RFC 6749
// §4.1.2: a code used twice revokes what it gave).
func (g *grants) revoke(origin string) {
	for k, t := range g.access {
		if t.origin == origin {
			delete(g.access, k)
		}
	}
	for k, t := range g.refresh {
		if t.origin == origin {
			delete(g.refresh, k)
		}
	}
}

// randomToken returns prefix and 32 random bytes in base64url.
func randomToken(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return prefix + b64(b)
}
