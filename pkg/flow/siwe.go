package flow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/providers/siwe"
	"github.com/authkit-dev/authkit/pkg/session"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/templates"
)

// SIWEProviderID is the provider id of Sign-In with Ethereum accounts.
const SIWEProviderID = "siwe"

// SIWEConfig configures Sign-In with Ethereum (EIP-4361).
//
// The server proposes every field of the message but the address: the
// nonce endpoint (POST <base>/siwe/nonce) answers the challenge and, given
// the wallet's address, the exact text to sign. The callback (POST
// <base>/callback/siwe) accepts a message only when its domain is Domain,
// its scheme (when it names one) the base URL's, its URI
// <scheme of BaseURL>://<Domain> (the base URL's origin when Domain is
// empty), its chain one of ChainIDs, its nonce the one sealed in this
// browser's nonce cookie and not yet used, its times current, its address
// EIP-55 checksummed (an all-lower-case address is refused; the nonce
// endpoint checksums the wallet's) and its signature a low-s 65-byte
// personal_sign signature by that address over the exact bytes received.
type SIWEConfig struct {
	// Domain is the authority messages must name (host[:port]); the base
	// URL's host when empty.
	Domain string
	// ChainIDs are the accepted EIP-155 chains; [1] when empty.
	ChainIDs []uint64
	// Statement is the statement the server proposes; empty means none.
	Statement string
	// NonceTTL is how long an issued nonce stays usable; 5 minutes when
	// zero, at most 15 minutes.
	NonceTTL time.Duration
}

// The reasons a SIWE sign-in is refused; errors.Is matches them on an
// *Error, next to the siwe package's own sentinels (siwe.ErrDomain, ...)
// for ErrSIWEMessage.
var (
	// ErrSIWENonce: the nonce cookie is missing, expired or not ours, or
	// its nonce was used already or never recorded.
	ErrSIWENonce = errors.New("SIWE nonce missing, used, expired or issued to another browser")
	// ErrSIWEMessage: the message does not parse, does not match what the
	// server expects, or its signature does not verify.
	ErrSIWEMessage = errors.New("SIWE message refused")
)

// siweNonceIdentifier is the identifier of the verification-token rows
// that record issued nonces.
const siweNonceIdentifier = "siwe-nonce"

const (
	defaultSIWENonceTTL = 5 * time.Minute
	maxSIWENonceTTL     = checkMaxAge // the in-memory used-set keeps entries this long
)

// siweProvider is the provider record of wallet accounts.
var siweProvider = &providers.Provider{ID: SIWEProviderID, Name: "Ethereum", Kind: providers.SIWE}

// siweState is the resolved SIWE configuration of an engine.
type siweState struct {
	scheme, domain, uri string
	chains              []uint64
	statement           string
	ttl                 time.Duration
	cookie              string
	codec               *session.JWE
}

func newSIWEState(e *Engine, c SIWEConfig) (*siweState, error) {
	const prefix = "authkit: cannot start the sign-in engine: "
	s := &siweState{scheme: e.base.Scheme, domain: strings.TrimSpace(c.Domain), statement: c.Statement, ttl: c.NonceTTL,
		chains: slices.Clone(c.ChainIDs)}
	if s.domain == "" {
		s.domain = e.base.Host
	}
	if len(s.chains) == 0 {
		s.chains = []uint64{1}
	}
	if slices.Contains(s.chains, 0) {
		return nil, errors.New(prefix + "SIWE chain id 0 is not an EIP-155 chain; list positive chain ids, such as 1 for Ethereum mainnet")
	}
	switch {
	case s.ttl == 0:
		s.ttl = defaultSIWENonceTTL
	case s.ttl < time.Second || s.ttl > maxSIWENonceTTL:
		return nil, fmt.Errorf(prefix+"the SIWE nonce lifetime %s is out of range; use 1s to %s (5m is the default)", c.NonceTTL, maxSIWENonceTTL)
	}
	s.uri = s.scheme + "://" + s.domain
	probe := siwe.Message{Scheme: s.scheme, Domain: s.domain, Address: "0x0000000000000000000000000000000000000000", Statement: s.statement,
		URI: s.uri, Version: siwe.Version, ChainID: s.chains[0], Nonce: "00000000", IssuedAt: "2026-01-01T00:00:00Z"}
	if err := probe.Validate(); err != nil {
		return nil, fmt.Errorf(prefix+"the SIWE domain or statement cannot go in a message: %v; set siwe.domain to the host[:port] wallets see, and a one-line ASCII statement", err)
	}
	s.cookie = "authjs.siwe-nonce"
	if e.secure {
		s.cookie = "__Secure-" + s.cookie
	}
	var err error
	if s.codec, err = session.NewAuthJS(e.cfg.Secrets, s.cookie); err != nil {
		return nil, err
	}
	return s, nil
}

// SIWEChallenge is what the nonce endpoint answers: the fields of the
// message the server expects (the wallet adds its address), and, when an
// address was given, the whole message to sign.
type SIWEChallenge struct {
	Scheme         string   `json:"scheme"`
	Domain         string   `json:"domain"`
	URI            string   `json:"uri"`
	Version        string   `json:"version"`
	ChainID        uint64   `json:"chainId"`
	ChainIDs       []uint64 `json:"chainIds"`
	Nonce          string   `json:"nonce"`
	IssuedAt       string   `json:"issuedAt"`
	ExpirationTime string   `json:"expirationTime"`
	Statement      string   `json:"statement,omitempty"`
	// Message is the EIP-4361 text for Address on ChainID, set by
	// WithAddress.
	Message string `json:"message,omitempty"`
}

// WithAddress returns c with ChainID set to chainID (0 keeps the first
// accepted chain) and Message the EIP-4361 text for address (any case;
// it is written EIP-55 checksummed), which is what the wallet signs.
func (c SIWEChallenge) WithAddress(address string, chainID uint64) (SIWEChallenge, error) {
	if chainID != 0 {
		if !slices.Contains(c.ChainIDs, chainID) {
			return c, fmt.Errorf("%w: chain %d is not accepted here", siwe.ErrChain, chainID)
		}
		c.ChainID = chainID
	}
	addr := siwe.Checksum(address)
	if addr == "" {
		return c, fmt.Errorf("%w: the address is not 0x and 40 hex digits", siwe.ErrMalformed)
	}
	m := siwe.Message{Scheme: c.Scheme, Domain: c.Domain, Address: addr, Statement: c.Statement, URI: c.URI, Version: c.Version,
		ChainID: c.ChainID, Nonce: c.Nonce, IssuedAt: c.IssuedAt, ExpirationTime: c.ExpirationTime}
	if err := m.Validate(); err != nil {
		return c, err
	}
	c.Message = m.String()
	return c, nil
}

const siweTime = "2006-01-02T15:04:05.000Z"

// SIWENonce issues a nonce (128 bits from crypto/rand): the challenge,
// and the cookie that binds the nonce to this browser (sealed, HttpOnly,
// SameSite=Lax, for the nonce lifetime). With a store the nonce is also
// recorded as a verification token (its hash), so that it is used once
// across every instance sharing the database; without one, each engine
// remembers the nonces it saw used.
func (e *Engine) SIWENonce(ctx context.Context) (SIWEChallenge, *http.Cookie, error) {
	s := e.siwe
	if s == nil {
		return SIWEChallenge{}, nil, fail(Configuration, ErrProviderConfig, "Sign-In with Ethereum is not enabled")
	}
	now := e.now()
	nonce := siwe.NewNonce()
	expires := now.Add(s.ttl)
	tok, err := s.codec.Encode(session.Claims{"value": nonce, "provider": SIWEProviderID}, session.EncodeOptions{Now: now, MaxAge: s.ttl})
	if err != nil {
		return SIWEChallenge{}, nil, failWith(Configuration, ErrProviderConfig, err, "cannot seal the SIWE nonce")
	}
	if e.cfg.Store != nil {
		if err := e.cfg.Store.CreateVerificationToken(ctx, store.VerificationToken{Identifier: siweNonceIdentifier, Token: e.siweNonceHash(nonce), Expires: expires}); err != nil {
			return SIWEChallenge{}, nil, failWith(AdapterError, ErrStore, err, "cannot record the SIWE nonce")
		}
		e.pruneTokens(ctx)
	}
	c := &http.Cookie{Name: s.cookie, Value: tok, Path: "/", HttpOnly: true, Secure: e.secure, SameSite: http.SameSiteLaxMode,
		MaxAge: int(s.ttl / time.Second), Expires: expires}
	return SIWEChallenge{Scheme: s.scheme, Domain: s.domain, URI: s.uri, Version: siwe.Version, ChainID: s.chains[0], ChainIDs: slices.Clone(s.chains),
		Nonce: nonce, IssuedAt: now.UTC().Format(siweTime), ExpirationTime: expires.UTC().Format(siweTime), Statement: s.statement}, c, nil
}

// ClearSIWECookie returns the cookie that deletes the nonce cookie, which
// a SIWE callback uses up whatever its outcome.
func (e *Engine) ClearSIWECookie() *http.Cookie {
	name := "authjs.siwe-nonce"
	if e.siwe != nil {
		name = e.siwe.cookie
	}
	return &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, Secure: e.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1}
}

// siweNonceHash is the stored form of a nonce: a secretHash with its own
// prefix, so that the table holds nothing usable, and nothing an Auth.js
// app on the same database would take for an email token.
func (e *Engine) siweNonceHash(nonce string) string {
	return e.secretHash("authkit-siwe-nonce\x00" + nonce)
}

// SignInWithEthereum completes a SIWE sign-in: the nonce sealed in the
// browser's cookie (req.Cookies) is spent first, atomically, so that it
// never serves twice whatever follows; then the message is parsed
// strictly and verified (domain, scheme, URI, chain, that nonce, times,
// the signature over the exact text received). The wallet is the account
// (siwe, eip155:<chain>:<address>): a known account signs its user in; a
// signed-in user (req.CurrentUserID) gets the wallet linked, unless it
// belongs to another user (OAuthAccountNotLinked); otherwise a new user
// without email is made. Then the session is issued as for any sign-in.
// A refused message or nonce is CredentialsSignin with ErrSIWENonce or
// ErrSIWEMessage (wrapping the siwe package's reason).
func (e *Engine) SignInWithEthereum(ctx context.Context, message, signature string, req CallbackRequest) (*Result, error) {
	s := e.siwe
	if s == nil {
		return nil, fail(Configuration, ErrProviderConfig, "Sign-In with Ethereum is not enabled")
	}
	nonce, err := e.openSIWENonce(req.Cookies)
	if err != nil {
		return nil, err
	}
	if err := e.spendSIWENonce(ctx, nonce); err != nil {
		return nil, err
	}
	m, err := siwe.Parse(message)
	if err != nil {
		return nil, failWith(CredentialsSignin, ErrSIWEMessage, err, "")
	}
	err = siwe.Verify(m, signature, siwe.VerifyOptions{Domain: s.domain, Scheme: s.scheme, URI: s.uri, ChainIDs: s.chains,
		Nonce: nonce, Now: e.now(), MaxAge: s.ttl})
	if err != nil {
		return nil, failWith(CredentialsSignin, ErrSIWEMessage, err, "")
	}
	res := &Result{Provider: siweProvider,
		Profile:      providers.Profile{ID: siwe.AccountID(m.ChainID, m.Address), Name: shortAddress(m.Address)},
		RawProfile:   map[string]any{"address": m.Address, "chainId": m.ChainID},
		ClearCookies: []*http.Cookie{e.ClearSIWECookie()}}
	req.ProviderID = SIWEProviderID
	if err := refusePanics(func() error {
		if err := e.link(ctx, req, res); err != nil {
			return err
		}
		return e.issue(ctx, req, res)
	}); err != nil {
		return nil, err
	}
	return res, nil
}

// openSIWENonce reads the nonce cookie: present, sealed by us under its
// own name, unexpired, made for SIWE.
func (e *Engine) openSIWENonce(cookies []*http.Cookie) (string, error) {
	s := e.siwe
	raw, err := session.ReadChunked(cookies, s.cookie, 4096)
	if err != nil {
		return "", fail(CredentialsSignin, ErrSIWENonce, "no nonce cookie (ask for a nonce first, in this browser)")
	}
	tok, err := session.Decode(s.codec, raw, e.now())
	if err != nil {
		return "", failWith(CredentialsSignin, ErrSIWENonce, err, "the nonce cookie does not open")
	}
	v, _ := tok.Claims["value"].(string)
	p, _ := tok.Claims["provider"].(string)
	if v == "" || p != SIWEProviderID {
		return "", fail(CredentialsSignin, ErrSIWENonce, "the nonce cookie holds no SIWE nonce")
	}
	// The nonce lifetime is exact, without the JWE's clock tolerance.
	if exp, ok := tok.ExpiresAt(); !ok || !e.now().Before(exp) {
		return "", fail(CredentialsSignin, ErrSIWENonce, "the nonce expired")
	}
	return v, nil
}

// spendSIWENonce uses the nonce up: its verification token deleted in one
// statement (only one caller ever gets it), or, without a store, its
// entry added to the engine's used-set.
func (e *Engine) spendSIWENonce(ctx context.Context, nonce string) error {
	now := e.now()
	if e.cfg.Store == nil {
		if !e.used.consume("siwe-nonce:"+nonce, now) {
			return fail(CredentialsSignin, ErrSIWENonce, "the nonce was used already")
		}
		return nil
	}
	vt, err := e.cfg.Store.UseVerificationToken(ctx, siweNonceIdentifier, e.siweNonceHash(nonce))
	if errors.Is(err, store.ErrNotFound) {
		return fail(CredentialsSignin, ErrSIWENonce, "the nonce was used already, or was never recorded")
	}
	if err != nil {
		return failWith(AdapterError, ErrStore, err, "cannot use the SIWE nonce")
	}
	if !now.Before(vt.Expires) {
		return fail(CredentialsSignin, ErrSIWENonce, "the nonce expired at %s", vt.Expires.UTC().Format(time.RFC3339))
	}
	return nil
}

// shortAddress is the display name of a wallet user: 0x1234…abcd.
func shortAddress(addr string) string {
	if len(addr) < 12 {
		return addr
	}
	return addr[:6] + "…" + addr[len(addr)-4:]
}

// siwe answers the SIWE helper routes under …/siwe/: POST nonce and GET
// wallet.js.
func (h *Handler) siwe(res *response, sub string, body url.Values) {
	r := res.r
	switch {
	case sub == "nonce" && r.Method == http.MethodPost:
		h.siweNonce(res, body)
	case sub == "wallet.js" && r.Method == http.MethodGet:
		h.walletScript(res)
	case sub == "nonce" || sub == "wallet.js":
		allow := http.MethodPost
		if sub == "wallet.js" {
			allow = http.MethodGet
		}
		res.json(http.StatusMethodNotAllowed, map[string]string{"error": "MethodNotAllowed"}, map[string]string{"Allow": allow})
	default:
		res.json(http.StatusNotFound, "Not found.", nil)
	}
}

// siweNonce answers POST …/siwe/nonce: the CSRF token checked, an
// optional address (any case) and chainId (decimal or 0x hex) read, a
// nonce issued with its cookie, and the challenge as JSON (with the whole
// message when an address was given). Nothing is recorded for a refused
// request.
func (h *Handler) siweNonce(res *response, body url.Values) {
	r := res.r
	if !h.e.csrfVerified(r, body) {
		res.init = nil
		res.json(http.StatusForbidden, map[string]string{"error": "MissingCSRF"}, noCache)
		return
	}
	var chainID uint64
	if v := strings.TrimSpace(body.Get("chainId")); v != "" {
		n, err := parseChainID(v)
		if err != nil || !slices.Contains(h.e.siwe.chains, n) {
			res.json(http.StatusBadRequest, map[string]any{"error": "UnsupportedChain", "chainIds": h.e.siwe.chains}, noCache)
			return
		}
		chainID = n
	}
	address := strings.TrimSpace(body.Get("address"))
	if address != "" && siwe.Checksum(address) == "" {
		res.json(http.StatusBadRequest, map[string]string{"error": "InvalidAddress"}, noCache)
		return
	}
	if !h.e.linkLimit.allow("siwe:"+h.clientAddr(r), siweNoncesPerClient, h.e.now()) {
		res.json(http.StatusTooManyRequests, map[string]string{"error": "TooManyRequests"}, map[string]string{"Retry-After": "3600"})
		return
	}
	c, cookie, err := h.e.SIWENonce(r.Context())
	if err != nil {
		h.log.Error("cannot issue a SIWE nonce", "reason", err.Error())
		res.json(http.StatusServiceUnavailable, map[string]string{"error": "AdapterError"}, noCache)
		return
	}
	if address != "" {
		if c, err = c.WithAddress(address, chainID); err != nil {
			h.log.Error("cannot build the SIWE message", "reason", err.Error())
			res.json(http.StatusInternalServerError, map[string]string{"error": "Configuration"}, noCache)
			return
		}
	} else if chainID != 0 {
		c.ChainID = chainID
	}
	res.keepInit()
	res.setCookies(cookie)
	res.json(http.StatusOK, c, noCache)
}

// siweNoncesPerClient bounds the nonces (each a verification_tokens row
// until used or expired) one client address may ask for per hour.
const siweNoncesPerClient = 120

func parseChainID(s string) (uint64, error) {
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		return strconv.ParseUint(h, 16, 64)
	}
	return strconv.ParseUint(s, 10, 64)
}

// walletJS is the sign-in page's wallet script and its ETag.
var walletJS, walletETag = func() ([]byte, string) {
	b := templates.WalletScript()
	sum := sha256.Sum256(b)
	return b, `"` + hex.EncodeToString(sum[:16]) + `"`
}()

// walletScript serves the sign-in page's wallet script: public, cached
// for an hour and revalidated by its ETag, and never with a cookie.
func (h *Handler) walletScript(res *response) {
	w, r := res.w, res.r
	w.Header().Set("ETag", walletETag)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	for _, t := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		if t = strings.TrimSpace(t); t == "*" || strings.TrimPrefix(t, "W/") == walletETag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(walletJS)))
	w.WriteHeader(http.StatusOK)
	w.Write(walletJS)
}

// siweCallback answers POST /callback/siwe: CSRF checked, the nonce
// cookie cleared (it is spent whatever happens), the message verified,
// the wallet signed in or linked to the signed-in user, the previous
// session ended, and a redirect (or {"url"} with X-Auth-Return-Redirect:
// 1) to the callback URL. A refusal goes back to the sign-in page with
// error=CredentialsSignin, as a refused Auth.js credentials sign-in does.
func (h *Handler) siweCallback(res *response, body url.Values) {
	r := res.r
	if !h.e.csrfVerified(r, body) {
		res.errorRedirect(h.signInURL("MissingCSRF"))
		return
	}
	var current *Session
	currentID := ""
	if s, _, err := h.e.current(r.Context(), r); err == nil {
		current, currentID = s, s.User.ID
	}
	res.setCookies(h.e.ClearSIWECookie())
	result, err := h.e.SignInWithEthereum(r.Context(), body.Get("message"), body.Get("signature"), CallbackRequest{Cookies: r.Cookies(), CurrentUserID: currentID})
	if err != nil {
		h.fail(res, SIWEProviderID, err)
		return
	}
	h.signedIn(res, current, result)
}
