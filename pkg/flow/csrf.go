package flow

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
)

// csrfToken reads the double-submit cookie as Auth.js writes it,
// "<token>|<sha256hex(token + secret)>" with the secrets joined by ","
// (as JavaScript joins an array), and returns its token; when the cookie
// is missing or does not verify, a new token and the cookie to set.
func (e *Engine) csrfToken(r *http.Request) (token string, set *http.Cookie) {
	if c, err := r.Cookie(e.names.CSRFToken); err == nil {
		v := c.Value
		if strings.Contains(v, "%") {
			if d, err := url.QueryUnescape(v); err == nil {
				v = d
			}
		}
		if tok, hash, ok := strings.Cut(v, "|"); ok && len(tok) == 64 && subtle.ConstantTimeCompare([]byte(hash), []byte(e.secretHash(tok))) == 1 {
			return tok, nil
		}
	}
	b := make([]byte, 32)
	rand.Read(b)
	token = hex.EncodeToString(b)
	return token, &http.Cookie{Name: e.names.CSRFToken, Value: token + "%7C" + e.secretHash(token), Path: "/",
		HttpOnly: true, Secure: e.secure, SameSite: http.SameSiteLaxMode}
}

// secretHash is Auth.js's createHash(value + secret): hex(sha256), the
// secrets joined with "," as Auth.js joins an array. It signs the CSRF
// cookie and is what the store keeps of an email token.
func (e *Engine) secretHash(value string) string {
	sum := sha256.Sum256([]byte(value + strings.Join(e.cfg.Secrets, ",")))
	return hex.EncodeToString(sum[:])
}

// csrfVerified: a POST from this origin whose body csrfToken equals the
// token of a valid CSRF cookie.
func (e *Engine) csrfVerified(r *http.Request, body url.Values) bool {
	if r.Method != http.MethodPost || !e.sameOrigin(r) {
		return false
	}
	c, err := r.Cookie(e.names.CSRFToken)
	if err != nil {
		return false
	}
	tok, set := e.csrfToken(r)
	if set != nil || c == nil {
		return false
	}
	given := body.Get("csrfToken")
	return given != "" && subtle.ConstantTimeCompare([]byte(given), []byte(tok)) == 1
}

// sameOrigin is the defence in depth next to the CSRF token: a
// state-changing POST that the browser marks as cross-site, or whose
// Origin is another origin, is refused. Requests without these headers
// (non-browser clients) rely on the token alone.
func (e *Engine) sameOrigin(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && !strings.EqualFold(o, e.base.Scheme+"://"+e.base.Host) {
		return false
	}
	return true
}
