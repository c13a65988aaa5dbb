// Package flow is the sign-in engine: it begins an authorization request
// (state, PKCE S256, nonce), handles the provider's callback (checks, code
// exchange, ID token, profile), applies the linking policy against the
// store in one transaction and issues the session. It has no terminal and
// no HTML: `authkit login` and the HTTP handler drive the same engine.
package flow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/authkit-dev/authkit/pkg/password"
	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/session"
	"github.com/authkit-dev/authkit/pkg/store"
)

// LinkingPolicy decides what happens when a new provider account's email
// matches an existing user and nobody is signed in.
type LinkingPolicy string

// The linking policies.
const (
	// LinkNever refuses with OAuthAccountNotLinked (the Auth.js default).
	LinkNever LinkingPolicy = "never"
	// LinkVerified links when the provider asserts the email as verified
	// and is trusted to (providers.Provider.TrustEmail).
	LinkVerified LinkingPolicy = "verified"
	// LinkAlways links on any email match: whoever controls an account at
	// any provider with that email takes over the user. Dangerous.
	LinkAlways LinkingPolicy = "always"
)

// Strategy is how a session is kept.
type Strategy string

// The session strategies.
const (
	// JWT keeps the session in an encrypted cookie.
	JWT Strategy = "jwt"
	// Database keeps a session row and puts its token in the cookie.
	Database Strategy = "database"
)

// Config configures an Engine.
type Config struct {
	// Providers are the providers users can sign in with, credentials
	// filled in.
	Providers []*providers.Provider
	// Secrets seal the check cookies and JWT sessions, newest first.
	Secrets []string
	// BaseURL is the absolute URL the Auth.js routes live under, such as
	// https://app.example.com/api/auth; redirect URIs are
	// BaseURL/callback/<provider>.
	BaseURL string
	// Store keeps users, accounts and sessions. Nil means no database:
	// JWT sessions whose sub is a fresh UUID at each sign-in, as Auth.js
	// v5 does without an adapter.
	Store store.Store
	// Linking is the policy for email collisions; LinkNever when empty.
	Linking LinkingPolicy
	// Strategy is JWT or Database; Database when Store is set, else JWT.
	Strategy Strategy
	// SessionCodec encodes JWT sessions; nil means the Auth.js v5 JWE
	// sealed with Secrets and salted with the session cookie name, so that
	// an Auth.js app with the same secret reads them. A session.JWS codec
	// makes signed sessions that other services verify with the public
	// keys the handler serves at /jwks.
	SessionCodec session.Codec
	// Credentials turns on password sign-in (POST /callback/credentials)
	// for users with a password in the store (authkit users set-password).
	Credentials bool
	// PasswordLimiter bounds the memory of concurrent password checks
	// (argon2id takes 19 MiB each); nil means password.Default(), a
	// 256 MiB budget. Checks beyond it wait up to its bound, then the
	// sign-in answers 503.
	PasswordLimiter *password.Limiter
	// Email turns on the email (magic link) sign-in; nil means off.
	Email *EmailConfig
	// SIWE turns on Sign-In with Ethereum; nil means off.
	SIWE *SIWEConfig
	// Revocation turns on the jti deny-list for JWT sessions: sign-out
	// revokes the token's jti in the store, and every read checks it (one
	// indexed lookup), so a revoked token stops working at once on every
	// instance sharing the database. Needs a store with a revocation table
	// (the authkit schema).
	Revocation bool
	// MaxAge is the session lifetime; 30 days when zero.
	MaxAge time.Duration
	// SecureCookies forces the __Secure- cookie names and the Secure
	// flag; nil means: when BaseURL is https.
	SecureCookies *bool
	// HTTPClient talks to providers; a client with a 30 s timeout when nil.
	HTTPClient *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// SignIn, when set, may refuse a sign-in (return an error: AccessDenied).
	SignIn func(ctx context.Context, in SignInInput) error
	// JWT, when set, shapes the claims of a JWT session.
	JWT func(ctx context.Context, in JWTInput) (session.Claims, error)
	// Logger receives what the engine cannot report through an error (a
	// clean-up that failed after the answer was decided); slog.Default
	// when nil.
	Logger *slog.Logger
	// OnEvent, when set, receives every event after it is committed.
	OnEvent func(ctx context.Context, e store.Event)
}

// SignInInput is what the SignIn callback sees.
type SignInInput struct {
	Provider  *providers.Provider
	Profile   providers.Profile
	Raw       map[string]any
	User      *store.User
	IsNewUser bool
}

// JWTInput is what the JWT callback sees at sign-in.
type JWTInput struct {
	Claims    session.Claims
	User      store.User
	Provider  *providers.Provider
	Profile   providers.Profile
	IsNewUser bool
}

// Engine runs sign-ins. It is safe for concurrent use.
type Engine struct {
	cfg       Config
	base      *url.URL
	providers map[string]*providers.Provider
	names     session.CookieNames
	secure    bool
	checks    map[string]*session.JWE
	siwe      *siweState
	codec     session.Codec
	client    *http.Client
	verifiers *verifierCache
	used      usedStates
	throttle  throttle
	linkLimit rateLimit
	pruneMu   sync.Mutex
	pruned    time.Time
}

// New checks cfg and returns an Engine.
func New(cfg Config) (*Engine, error) {
	if len(cfg.Secrets) == 0 {
		return nil, errors.New("authkit: cannot start the sign-in engine: no secret; set AUTH_SECRET (authkit secret makes one)")
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("authkit: cannot start the sign-in engine: the base URL %q is not an absolute http(s) URL; set it to where the auth routes live, such as http://localhost:3000/api/auth", cfg.BaseURL)
	}
	switch cfg.Linking {
	case "":
		cfg.Linking = LinkNever
	case LinkNever, LinkVerified, LinkAlways:
	default:
		return nil, fmt.Errorf("authkit: cannot start the sign-in engine: unknown linking policy %q; use never, verified or always", cfg.Linking)
	}
	switch cfg.Strategy {
	case "":
		cfg.Strategy = JWT
		if cfg.Store != nil {
			cfg.Strategy = Database
		}
	case JWT:
	case Database:
		if cfg.Store == nil {
			return nil, errors.New("authkit: cannot start the sign-in engine: database sessions need a store; set a database URL or use jwt sessions")
		}
	default:
		return nil, fmt.Errorf("authkit: cannot start the sign-in engine: unknown session strategy %q; use jwt or database", cfg.Strategy)
	}
	if cfg.Revocation && (cfg.Store == nil || cfg.Strategy != JWT) {
		return nil, errors.New("authkit: cannot start the sign-in engine: revocation is for JWT sessions and needs a store; set a database URL and session strategy jwt, or drop revocation")
	}
	if cfg.Email != nil && (cfg.Store == nil || cfg.Email.Sender == nil) {
		return nil, errors.New("authkit: cannot start the sign-in engine: email sign-in needs a store (for its one-time tokens) and a mail sender; set a database URL and email.smtp_url")
	}
	if cfg.Credentials && cfg.Store == nil {
		return nil, errors.New("authkit: cannot start the sign-in engine: password sign-in needs a store; set a database URL")
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = session.DefaultMaxAge
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	e := &Engine{cfg: cfg, base: base, providers: map[string]*providers.Provider{}, checks: map[string]*session.JWE{}, client: cfg.HTTPClient, verifiers: newVerifierCache()}
	if e.client == nil {
		e.client = &http.Client{Timeout: 30 * time.Second}
	}
	e.secure = base.Scheme == "https"
	if cfg.SecureCookies != nil {
		e.secure = *cfg.SecureCookies
	}
	e.names = session.Names(session.V5, e.secure)
	for _, p := range cfg.Providers {
		if p == nil || p.ID == "" {
			return nil, errors.New("authkit: cannot start the sign-in engine: a provider has no id")
		}
		if _, dup := e.providers[p.ID]; dup {
			return nil, fmt.Errorf("authkit: cannot start the sign-in engine: the provider id %q is used twice", p.ID)
		}
		e.providers[p.ID] = p
	}
	for _, name := range []string{e.names.State, e.names.PKCECodeVerifier, e.names.Nonce} {
		c, err := session.NewAuthJS(cfg.Secrets, name)
		if err != nil {
			return nil, err
		}
		e.checks[name] = c
	}
	if cfg.SessionCodec != nil {
		e.codec = cfg.SessionCodec
	} else if e.codec, err = session.NewAuthJS(cfg.Secrets, e.names.SessionToken); err != nil {
		return nil, err
	}
	if cfg.SIWE != nil {
		if e.siwe, err = newSIWEState(e, *cfg.SIWE); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Provider returns the configured provider with this id.
func (e *Engine) Provider(id string) (*providers.Provider, error) {
	p, ok := e.providers[id]
	if !ok {
		known := make([]string, 0, len(e.providers))
		for k := range e.providers {
			known = append(known, k)
		}
		return nil, fail(InvalidProvider, ErrUnknownProvider, "%q; configured: %s", id, strings.Join(sortedCopy(known), ", "))
	}
	return p, nil
}

// RedirectURI is the callback URL of a provider: BaseURL/callback/<id>.
func (e *Engine) RedirectURI(providerID string) string {
	return e.base.String() + "/callback/" + url.PathEscape(providerID)
}

// CookieNames are the cookie names the engine uses.
func (e *Engine) CookieNames() session.CookieNames { return e.names }

// Strategy is the session strategy in force.
func (e *Engine) Strategy() Strategy { return e.cfg.Strategy }

// SessionCodec is the codec of JWT sessions.
func (e *Engine) SessionCodec() session.Codec { return e.codec }

func (e *Engine) now() time.Time { return e.cfg.Now() }

func (e *Engine) warn(ctx context.Context, msg string, args ...any) {
	l := e.cfg.Logger
	if l == nil {
		l = slog.Default()
	}
	l.WarnContext(ctx, msg, args...)
}
