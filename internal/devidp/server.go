package devidp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options configure a Server. The zero value is a generic OpenID provider
// with one user (dev@example.com) that accepts any client and approves at
// once.
type Options struct {
	// Shape is the provider imitated (default ShapeOIDC).
	Shape Shape
	// Users are the accounts, the first being the default one (default
	// DefaultUser()).
	Users []User
	// ClientID, when set, is the only client accepted; empty accepts any.
	ClientID string
	// ClientSecret, when set, is the only secret accepted; empty accepts
	// any (or none: a public client).
	ClientSecret string
	// RedirectURIs are accepted besides loopback ones (http or https on
	// 127.0.0.1, [::1] or localhost, any port and path), compared exactly.
	RedirectURIs []string
	// LoginPage shows a page listing the users, one button each, instead
	// of approving the first user (or the login_hint) at once.
	LoginPage bool
	// Failures are the failure modes on from the start (see SetFailures).
	Failures []Failure
	// TokenDelay is how long the token endpoint waits under
	// FailSlowToken (default 10 s).
	TokenDelay time.Duration
	// SigningAlg signs ID tokens: "RS256" (default) or "ES256". Both keys
	// are always in the JWKS.
	SigningAlg string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives one line per request (default: discard).
	Logger *slog.Logger
}

// Server is a local OAuth 2 / OpenID Connect identity provider for
// development and tests. Its methods are safe for concurrent use.
type Server struct {
	shape      Shape
	users      []User
	clientID   string
	secret     string
	redirects  []string
	loginPage  bool
	tokenDelay time.Duration
	keys       *keySet
	now        func() time.Time
	logger     *slog.Logger
	handler    http.Handler

	mu       sync.Mutex
	base     string
	failures failureSet
	log      []Request
	state    grants

	srv       *http.Server
	served    chan struct{}
	closing   chan struct{}
	closeOnce sync.Once
}

// ErrAddrInUse is the cause of Start's error when the port is taken.
var ErrAddrInUse = errors.New("is in use")

// New returns a provider configured by opts. It listens nowhere until
// Start; Handler serves it from any http.Server (then call SetURL).
func New(opts Options) (*Server, error) {
	shape, err := ParseShape(string(opts.Shape))
	if err != nil {
		return nil, err
	}
	users, err := prepareUsers(shape, opts.Users)
	if err != nil {
		return nil, err
	}
	failures, err := newFailureSet(shape, opts.Failures)
	if err != nil {
		return nil, err
	}
	for _, u := range opts.RedirectURIs {
		if err := checkRedirectURI(u); err != nil {
			return nil, fmt.Errorf("redirect URI %q: %w", u, err)
		}
	}
	keys, err := newKeySet(opts.SigningAlg)
	if err != nil {
		return nil, err
	}
	s := &Server{shape: shape, users: users, clientID: opts.ClientID, secret: opts.ClientSecret,
		redirects: append([]string(nil), opts.RedirectURIs...), loginPage: opts.LoginPage,
		tokenDelay: opts.TokenDelay, keys: keys, now: opts.Now, logger: opts.Logger,
		failures: failures, state: newGrants(), closing: make(chan struct{})}
	if s.tokenDelay <= 0 {
		s.tokenDelay = 10 * time.Second
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logger == nil {
		s.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.handler = s.logRequests(s.routes())
	return s, nil
}

// Start listens on addr, which must be on 127.0.0.1 ("127.0.0.1:0" or ""
// picks a free port), and serves in the background until Close. A port
// in use gives an error wrapping ErrAddrInUse.
func (s *Server) Start(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	switch {
	case addr == "":
		host, port = "127.0.0.1", "0"
	case err != nil:
		return fmt.Errorf("address %q is not HOST:PORT: %w", addr, err)
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	if host != "127.0.0.1" {
		return fmt.Errorf("address %q: the dev identity provider listens on 127.0.0.1 only", addr)
	}
	addr = net.JoinHostPort(host, port)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("the dev identity provider is already started")
	}
	ln, err := net.Listen("tcp4", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%s %w", addr, ErrAddrInUse)
	}
	if err != nil {
		return err
	}
	s.base = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn)}
	s.served = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		_ = srv.Serve(ln)
	}(s.srv, s.served)
	return nil
}

// Handler serves the provider, for mounting in an httptest.Server or a
// mux. Call SetURL with the URL it is reached at, or the issuer is taken
// from each request's Host.
func (s *Server) Handler() http.Handler { return s.handler }

// SetURL sets the base URL the provider is reached at (and its issuer),
// when it is served through Handler: http://127.0.0.1:PORT.
func (s *Server) SetURL(base string) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("base URL %q is not an http(s) URL without query", base)
	}
	s.mu.Lock()
	s.base = strings.TrimSuffix(base, "/")
	s.mu.Unlock()
	return nil
}

// URL is the base URL: http://127.0.0.1:PORT ("" before Start or SetURL).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.base
}

// Issuer is the OpenID issuer, the base URL.
func (s *Server) Issuer() string { return s.URL() }

// Shape returns the provider shape.
func (s *Server) Shape() Shape { return s.shape }

// Users returns the accounts, with their derived ids and logins.
func (s *Server) Users() []User { return append([]User(nil), s.users...) }

// Endpoints returns the absolute endpoint URLs ("" fields when the shape
// has no such endpoint, or before Start or SetURL).
func (s *Server) Endpoints() Endpoints {
	base := s.URL()
	if base == "" {
		return Endpoints{}
	}
	return s.shape.paths().endpoints(base)
}

// SetFailures replaces the failure modes in force; none turns them all
// off. A mode that the shape cannot produce (an ID token failure on the
// github shape) is an error, and then nothing changes.
func (s *Server) SetFailures(fs ...Failure) error {
	set, err := newFailureSet(s.shape, fs)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.failures = set
	s.mu.Unlock()
	return nil
}

// ActiveFailures returns the failure modes in force.
func (s *Server) ActiveFailures() []Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failures.list()
}

// failing reports whether failure f is in force.
func (s *Server) failing(f Failure) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failures[f]
}

// baseFor is the base URL for r: the one set, else the request's Host.
func (s *Server) baseFor(r *http.Request) string {
	if b := s.URL(); b != "" {
		return b
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// Shutdown stops the server gracefully: it stops listening, ends the
// waits of slow_token, and waits for requests in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.closing) })
	s.mu.Lock()
	srv, served := s.srv, s.served
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	if err != nil {
		srv.Close()
	}
	<-served
	return err
}

// Close stops the server, waiting at most 5 seconds for requests in
// flight. It may be called more than once.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.Shutdown(ctx)
}
