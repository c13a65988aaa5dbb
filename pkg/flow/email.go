package flow

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/authkit-dev/authkit/pkg/mail"
	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/templates"
	"golang.org/x/text/unicode/norm"
)

// EmailProviderID is the provider id of email (magic link) sign-in, as
// Auth.js v4's Email provider.
const EmailProviderID = "email"

// The error codes of the email sign-in, as Auth.js names them.
const (
	// Verification: the link is unknown, used, expired or for another
	// address.
	Verification ErrorCode = "Verification"
	// EmailSignInError: the link could not be sent (a bad address, too
	// many requests, the mail server refused).
	EmailSignInError ErrorCode = "EmailSignInError"
)

// The reasons of an email sign-in refusal.
var (
	ErrBadEmail      = errors.New("not a valid email address")
	ErrLinkInvalid   = errors.New("the sign-in link is unknown, used, expired or for another address")
	ErrMailFailed    = errors.New("the sign-in email could not be sent")
	ErrLinkRateLimit = errors.New("too many sign-in links requested; wait and try again")
)

// EmailConfig configures the email (magic link) sign-in.
type EmailConfig struct {
	// Sender delivers the sign-in links.
	Sender mail.Sender
	// From is the sender address of the messages; "authkit
	// <no-reply@HOST>" of the base URL's host when empty.
	From string
	// MaxAge is how long a link stays valid; 24 hours (Auth.js's default)
	// when zero.
	MaxAge time.Duration
	// PerAddress is how many links one address may be sent per hour; 5
	// when zero.
	PerAddress int
	// PerClient is how many links one client address may request per
	// hour; 20 when zero.
	PerClient int
}

const (
	defaultEmailMaxAge = 24 * time.Hour
	emailRateWindow    = time.Hour
	maxEmailLength     = 254
)

var emailProvider = &providers.Provider{ID: EmailProviderID, Name: "Email", Kind: providers.Email}

// NormalizeEmailIdentifier turns what a user typed into the address a
// link is sent to and stored under: NFKC, trimmed and lower-cased as
// Auth.js does, then held to a strict shape that Auth.js does not check:
// ASCII only (unicode look-alikes are refused, not guessed), exactly one
// "@", a dot-atom local part of at most 64 bytes, a domain of LDH labels
// with at least one dot, at most 254 bytes in all; no quotes, commas,
// spaces or control characters, so one address and only that one ever
// reaches the mail server.
func NormalizeEmailIdentifier(raw string) (string, error) {
	if len(raw) > 4*maxEmailLength {
		return "", fail(EmailSignInError, ErrBadEmail, "the address is longer than %d bytes", maxEmailLength)
	}
	s := strings.ToLower(strings.TrimSpace(norm.NFKC.String(raw)))
	if len(s) > maxEmailLength {
		return "", fail(EmailSignInError, ErrBadEmail, "the address is longer than %d bytes", maxEmailLength)
	}
	for _, r := range s {
		if r > 0x7e || r <= 0x20 {
			return "", fail(EmailSignInError, ErrBadEmail, "the address has a character other than printable ASCII; write it in plain ASCII (punycode for international domains)")
		}
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || strings.Contains(domain, "@") {
		return "", fail(EmailSignInError, ErrBadEmail, "an address has exactly one @")
	}
	if !dotAtom(local) || len(local) > 64 {
		return "", fail(EmailSignInError, ErrBadEmail, "the part before @ must be letters, digits, dots and !#$%%&'*+/=?^_`{|}~- (no quotes), at most 64 characters")
	}
	if !hostName(domain) {
		return "", fail(EmailSignInError, ErrBadEmail, "the part after @ must be a domain name such as example.com")
	}
	return s, nil
}

func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || strings.IndexByte("!#$%&'*+/=?^_`{|}~-", c) >= 0) {
			return false
		}
	}
	return true
}

func hostName(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 || len(s) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// rateLimit counts events per key in fixed windows. It is per engine, in
// memory.
type rateLimit struct {
	mu   sync.Mutex
	keys map[string]*window
}

type window struct {
	start time.Time
	count int
	limit int
}

// allow counts one event for key and says whether it is within limit.
func (l *rateLimit) allow(key string, limit int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.keys == nil {
		l.keys = map[string]*window{}
	}
	w := l.keys[key]
	if w == nil && len(l.keys) >= throttleKeys && !l.evict(now) {
		return false
	}
	if w == nil || now.Sub(w.start) >= emailRateWindow {
		w = &window{start: now, limit: limit}
		l.keys[key] = w
	}
	if w.count >= limit {
		return false
	}
	w.count++
	return true
}

// evict makes room in a full table: ended windows first, then those below
// their limit; keys at their limit are kept, so a flood of new keys cannot
// reset them. It reports whether there is room.
func (l *rateLimit) evict(now time.Time) bool {
	for k, w := range l.keys {
		if now.Sub(w.start) >= emailRateWindow {
			delete(l.keys, k)
		}
	}
	for k, w := range l.keys {
		if len(l.keys) < throttleKeys {
			break
		}
		if w.count < w.limit {
			delete(l.keys, k)
		}
	}
	return len(l.keys) < throttleKeys
}

// pruneEvery is how often issuing a link or a nonce also deletes the
// expired verification tokens.
const pruneEvery = 10 * time.Minute

// pruneTokens deletes expired verification tokens in the background, at
// most once per pruneEvery per engine, so that links never followed and
// nonces never used do not pile up.
func (e *Engine) pruneTokens(ctx context.Context) {
	now := e.now()
	e.pruneMu.Lock()
	if now.Sub(e.pruned) < pruneEvery {
		e.pruneMu.Unlock()
		return
	}
	e.pruned = now
	e.pruneMu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, err := e.cfg.Store.DeleteExpiredVerificationTokens(ctx, now); err != nil && !errors.Is(err, store.ErrUnsupported) {
			e.warn(ctx, "cannot delete expired verification tokens; the next link or nonce tries again", "reason", err.Error())
		}
	}()
}

// EmailLink is a sign-in link that was sent.
type EmailLink struct {
	// Identifier is the normalised address the link went to.
	Identifier string
	// Expires is when the link stops working.
	Expires time.Time
}

// SendSignInLink sends a sign-in link to the address: a fresh token (32
// random bytes, hex) whose hash alone is stored, valid for MaxAge, in a
// link to BaseURL/callback/email that returns to callbackURL. Nothing
// about the address's user is looked up, so the answer is the same for
// known and unknown addresses. Requests are limited per address and per
// clientAddr; when the mail server refuses, the token is deleted again.
func (e *Engine) SendSignInLink(ctx context.Context, email, callbackURL, clientAddr string) (EmailLink, error) {
	cfg := e.cfg.Email
	if cfg == nil || cfg.Sender == nil || e.cfg.Store == nil {
		return EmailLink{}, fail(Configuration, ErrProviderConfig, "email sign-in needs a mail sender and a store")
	}
	id, err := NormalizeEmailIdentifier(email)
	if err != nil {
		return EmailLink{}, err
	}
	now := e.now()
	if !e.linkLimit.allow("ip:"+clientAddr, orInt(cfg.PerClient, 20), now) || !e.linkLimit.allow("id:"+id, orInt(cfg.PerAddress, 5), now) {
		return EmailLink{}, fail(EmailSignInError, ErrLinkRateLimit, "")
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	token := hex.EncodeToString(raw)
	hash := e.secretHash(token)
	maxAge := cfg.MaxAge
	if maxAge <= 0 {
		maxAge = defaultEmailMaxAge
	}
	link := EmailLink{Identifier: id, Expires: now.Add(maxAge)}
	if err := e.cfg.Store.CreateVerificationToken(ctx, store.VerificationToken{Identifier: id, Token: hash, Expires: link.Expires}); err != nil {
		return EmailLink{}, failWith(AdapterError, ErrStore, err, "cannot store the sign-in token")
	}
	e.pruneTokens(ctx)
	target := e.base.String() + "/callback/" + EmailProviderID + "?" + url.Values{"callbackUrl": {callbackURL}, "token": {token}, "email": {id}}.Encode()
	msg, err := e.signInMail(id, target)
	if err == nil {
		err = cfg.Sender.Send(ctx, msg)
	}
	if err != nil {
		if _, derr := e.cfg.Store.UseVerificationToken(context.WithoutCancel(ctx), id, hash); derr != nil {
			e.warn(ctx, "cannot delete the token of an email that was not sent; it stays usable until it expires", "reason", derr.Error())
		}
		return EmailLink{}, failWith(EmailSignInError, ErrMailFailed, err, "")
	}
	return link, nil
}

func orInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

var signInMailHTML = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("mail").Parse(`<!doctype html>
<html lang="en"><body style="font-family: sans-serif; background: #f6f6f6; padding: 24px;">
<div style="max-width: 480px; margin: auto; background: #fff; padding: 24px; border-radius: 8px;">
<h1 style="font-size: 20px;">Sign in to {{.Host}}</h1>
<p>Someone asked to sign in to {{.Host}} as {{.Email}}. Open this link to continue:</p>
<p><a href="{{.URL}}" style="display: inline-block; padding: 10px 18px; background: #346df1; color: #fff; text-decoration: none; border-radius: 6px;">Sign in</a></p>
<p style="color: #555; font-size: 13px;">If you did not ask for this email, you can ignore it. The link works once.</p>
</div></body></html>`))
})

// signInMail is the message with the link; the address is escaped in the
// HTML and the host comes from the base URL, never from the request.
func (e *Engine) signInMail(to, link string) (mail.Message, error) {
	host := e.base.Host
	var html bytes.Buffer
	if err := signInMailHTML().Execute(&html, map[string]string{"Host": host, "Email": to, "URL": link}); err != nil {
		return mail.Message{}, err
	}
	from := e.cfg.Email.From
	if from == "" {
		from = "authkit <no-reply@" + e.base.Hostname() + ">"
	}
	return mail.Message{From: from, To: to, Subject: "Sign in to " + host,
		Text: "Sign in to " + host + "\n\n" + link + "\n\nIf you did not ask for this email, you can ignore it. The link works once.\n",
		HTML: html.String()}, nil
}

// SignInWithEmailToken completes an email sign-in: the token is consumed
// (atomically, at most once) and must be unexpired and stored for this
// very address; then the address's user signs in, its email marked
// verified, or a new user is made for it. No account row is written, as
// in Auth.js, and an email sign-in never refuses to link.
func (e *Engine) SignInWithEmailToken(ctx context.Context, email, token string, req CallbackRequest) (*Result, error) {
	if e.cfg.Email == nil || e.cfg.Store == nil {
		return nil, fail(Configuration, ErrProviderConfig, "email sign-in is not enabled")
	}
	id, err := NormalizeEmailIdentifier(email)
	if err != nil || token == "" || len(token) > 512 {
		return nil, fail(Verification, ErrLinkInvalid, "")
	}
	vt, err := e.cfg.Store.UseVerificationToken(ctx, id, e.secretHash(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, fail(Verification, ErrLinkInvalid, "")
	case err != nil:
		return nil, failWith(AdapterError, ErrStore, err, "cannot read the sign-in token")
	case !e.now().Before(vt.Expires):
		return nil, fail(Verification, ErrLinkInvalid, "the link expired at %s", vt.Expires.UTC().Format(time.RFC3339))
	case vt.Identifier != id:
		return nil, fail(Verification, ErrLinkInvalid, "")
	}
	res := &Result{Provider: emailProvider, Profile: providers.Profile{ID: id, Email: id, EmailVerified: true}}
	existing, err := e.cfg.Store.GetUserByEmail(ctx, id)
	isNew := errors.Is(err, store.ErrNotFound)
	if err != nil && !isNew {
		return nil, failWith(AdapterError, ErrStore, err, "cannot look up the email")
	}
	var callbackUser *store.User
	if !isNew {
		callbackUser = &existing
	}
	if err := refusePanics(func() error { return e.signInCallback(ctx, res, callbackUser, isNew) }); err != nil {
		return nil, err
	}
	var events []store.Event
	err = e.cfg.Store.WithTx(ctx, func(tx store.Store) error {
		events = events[:0]
		now := e.now().UTC()
		u, err := tx.GetUserByEmail(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if u, err = tx.CreateUser(ctx, store.User{Email: id, EmailVerified: &now}); err != nil {
				return failWith(AdapterError, ErrStore, err, "cannot create the user")
			}
			events = append(events, store.Event{Type: store.EventCreateUser, UserID: u.ID, Detail: map[string]string{"provider": EmailProviderID}})
			res.Decision = Decision{Kind: NewUser, Reason: "no user has this email; one was made with the email verified", UserID: u.ID}
		case err != nil:
			return failWith(AdapterError, ErrStore, err, "cannot look up the email")
		default:
			if u.EmailVerified == nil {
				u.EmailVerified = &now
				if u, err = tx.UpdateUser(ctx, u); err != nil {
					return failWith(AdapterError, ErrStore, err, "cannot mark the email verified")
				}
				events = append(events, store.Event{Type: store.EventUpdateUser, UserID: u.ID, Detail: map[string]string{"emailVerified": "set", "provider": EmailProviderID}})
			}
			res.Decision = Decision{Kind: ExistingUser, Reason: "the user with this email followed a link sent to it", UserID: u.ID}
		}
		res.User = u
		return recordEvents(ctx, tx, events)
	})
	if err != nil {
		return nil, txFailure(err)
	}
	e.emit(ctx, events)
	req.ProviderID = EmailProviderID
	if err := refusePanics(func() error { return e.issue(ctx, req, res) }); err != nil {
		return nil, err
	}
	return res, nil
}

// emailSignIn answers POST /signin/email: CSRF checked, the link sent,
// then the verify-request page; a refusal goes back to the sign-in page
// with error=EmailSignInError.
func (h *Handler) emailSignIn(res *response, body url.Values) {
	r := res.r
	if !h.e.csrfVerified(r, body) {
		res.errorRedirect(h.signInURL("MissingCSRF"))
		return
	}
	if _, err := h.e.SendSignInLink(r.Context(), body.Get("email"), res.cb, h.clientAddr(r)); err != nil {
		h.log.Warn("sign-in failed", "provider", EmailProviderID, "code", string(CodeOf(err)), "reason", err.Error())
		if CodeOf(err) == EmailSignInError {
			res.errorRedirect(h.signInURL(EmailSignInError))
			return
		}
		h.fail(res, EmailProviderID, err)
		return
	}
	res.keepInit()
	target := h.url("/verify-request") + "?provider=" + EmailProviderID + "&type=email"
	if h.opts.Pages.VerifyRequest != "" {
		target = withQuery(h.opts.Pages.VerifyRequest, url.Values{"provider": {EmailProviderID}, "type": {"email"}})
	}
	res.redirect(target)
}

// emailCallback answers the link: GET shows the confirmation page and
// changes nothing (mail scanners fetch links); its POST, with the CSRF
// token, consumes the token and signs in.
func (h *Handler) emailCallback(res *response, body url.Values, csrf string) {
	r := res.r
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		res.keepInit()
		res.w.Header().Set("Referrer-Policy", "same-origin")
		res.page(http.StatusOK, templates.ConfirmEmailPage{Brand: h.opts.Brand, CSRFToken: csrf, CallbackURL: res.cb,
			Action: h.url("/callback/" + EmailProviderID), Email: q.Get("email"), Token: q.Get("token")})
		return
	}
	if !h.e.csrfVerified(r, body) {
		res.errorRedirect(h.signInURL("MissingCSRF"))
		return
	}
	current, _, err := h.e.current(r.Context(), r)
	if err != nil {
		current = nil
	}
	result, err := h.e.SignInWithEmailToken(r.Context(), body.Get("email"), body.Get("token"), CallbackRequest{Cookies: r.Cookies()})
	if err != nil {
		h.fail(res, EmailProviderID, err)
		return
	}
	h.signedIn(res, current, result)
}
