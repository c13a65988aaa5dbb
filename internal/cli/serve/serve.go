// Package serve is `authkit serve`: the Auth.js-compatible routes of
// pkg/flow as an auth server, from authkit.yaml, or with no setup at all
// in --dev mode.
package serve

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/devidp"
	"github.com/authkit-dev/authkit/pkg/config"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/mail"
	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/session"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
	"github.com/authkit-dev/authkit/templates"
	"github.com/spf13/cobra"
)

// Options are the flags of `authkit serve`.
type Options struct {
	Addr    string
	Dev     bool
	Session string
}

const action = "serve the auth routes"

// NewCmdServe builds `authkit serve`.
func NewCmdServe(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Auth.js-compatible auth server",
		Long: `Serves the Auth.js v5 routes (session, csrf, providers, signin, callback,
signout, verify-request, error) under authkit.yaml's base path, with /healthz,
structured logs on stderr, and a graceful shutdown on SIGTERM or Ctrl-C
(requests in flight finish).

--dev needs no setup at all: SQLite (./authkit.db, migrated), the dev identity
provider mounted at /devidp as provider "dev", email sign-in whose mail goes to
a local inbox page (/dev/inbox) and to the log, password sign-in (authkit users
set-password), Sign-In with Ethereum for an injected wallet, a protected demo
page at /, all on 127.0.0.1, and a fresh secret unless AUTH_SECRET is set.`,
		Example: `  authkit serve --dev                       # open http://127.0.0.1:3000/
  authkit serve --config authkit.yaml --addr 127.0.0.1:8080
  authkit serve --dev --session jwt`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return run(cmd.Context(), f, o) },
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Addr, "addr", "", "address to listen on (default authkit.yaml's serve.addr, else 127.0.0.1:3000)")
	fl.BoolVar(&o.Dev, "dev", false, "run with no setup: SQLite, the dev identity provider, a demo page")
	fl.StringVar(&o.Session, "session", "", "session strategy: jwt or database (overrides authkit.yaml)")
	return cmd
}

func run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	switch o.Session {
	case "", "jwt", "database":
	default:
		return cmdutil.Usage(action, "use --session jwt or database", "unknown session strategy %q", o.Session)
	}
	cfg, found, err := f.LoadConfig()
	if err != nil {
		return cmdutil.Fail("load authkit.yaml", errors.New(strings.TrimPrefix(err.Error(), "authkit: cannot load ")), "fix the file, or pass --config with another one")
	}
	if !found && !o.Dev {
		return cmdutil.Fail(action, errors.New("no authkit.yaml"), "write one (authkit init), pass --config FILE, or try authkit serve --dev")
	}
	addr := o.Addr
	if addr == "" && cfg != nil && cfg.Serve.Addr != "" {
		addr = cfg.Serve.Addr
	}
	if addr == "" {
		addr = "127.0.0.1:3000"
	}
	if o.Dev {
		host, _, err := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); err == nil && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return cmdutil.Usage(action, "use --addr 127.0.0.1:PORT: --dev signs anyone in at once and must stay on this machine", "--dev listens on loopback addresses only, not %q", addr)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return cmdutil.Fail(action, fmt.Errorf("cannot listen on %s: %w", addr, err), "pass --addr with a free address, such as 127.0.0.1:0")
	}
	defer ln.Close()
	origin := "http://" + ln.Addr().String()
	log := slog.New(slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelInfo}))

	mux := http.NewServeMux()
	var st *sqlstore.Store
	var engineCfg flow.Config
	opts := flow.HandlerOptions{Logger: log}
	if o.Dev {
		engineCfg, st, err = devSetup(ctx, f, mux, origin, log)
	} else {
		engineCfg, st, err = configSetup(ctx, f, cfg, origin)
		opts.Brand = templates.Brand{Name: cfg.Pages.Brand, Logo: cfg.Pages.Logo, Accent: cfg.Pages.Accent}
		opts.Pages = flow.Pages{SignIn: cfg.Pages.SignIn, SignOut: cfg.Pages.SignOut, Error: cfg.Pages.Error, VerifyRequest: cfg.Pages.VerifyRequest, NewUser: cfg.Pages.NewUser}
		opts.UpdateAge = cfg.Session.UpdateAge
		for _, p := range cfg.Serve.TrustedProxies {
			if pf, err := config.ParseProxy(p); err == nil {
				opts.TrustedProxies = append(opts.TrustedProxies, pf)
			}
		}
	}
	if err != nil {
		return err
	}
	if st != nil {
		defer st.Close()
	}
	if o.Session != "" {
		engineCfg.Strategy = flow.Strategy(o.Session)
	}
	engine, err := flow.New(engineCfg)
	if err != nil {
		return cmdutil.Fail(action, errors.New(strings.TrimPrefix(err.Error(), "authkit: cannot start the sign-in engine: ")), "")
	}
	h := flow.NewHandler(engine, opts)
	bu, err := url.Parse(engineCfg.BaseURL)
	if err != nil {
		return cmdutil.Fail(action, err, "")
	}
	base := strings.TrimSuffix(bu.Path, "/")
	mux.Handle(base+"/", h)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if st != nil {
			if err := st.Ping(r.Context()); err != nil {
				http.Error(w, "database unreachable", http.StatusServiceUnavailable)
				return
			}
		}
		w.Write([]byte("ok\n"))
	})
	if o.Dev {
		mountDemo(mux, h, base)
	}
	srv := &http.Server{Handler: logRequests(log, mux), ReadHeaderTimeout: 10 * time.Second}
	sctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "url", origin, "auth", engineCfg.BaseURL, "strategy", string(engine.Strategy()), "dev", o.Dev)
	select {
	case err := <-errc:
		return cmdutil.Fail(action, err, "")
	case <-sctx.Done():
	}
	log.Info("shutting down; requests in flight finish")
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return cmdutil.Fail(action, fmt.Errorf("shutdown: %w", err), "")
	}
	log.Info("stopped")
	return nil
}

// configSetup builds the engine from authkit.yaml.
func configSetup(ctx context.Context, f *cmdutil.Factory, cfg *config.Config, origin string) (flow.Config, *sqlstore.Store, error) {
	ps, err := cfg.Providers()
	if err != nil {
		return flow.Config{}, nil, cmdutil.Fail(action, errors.New(strings.TrimPrefix(err.Error(), "authkit: cannot ")), "set the missing variables, or fix the providers in "+cfg.Path)
	}
	secrets := cfg.SecretValues()
	if len(secrets) == 0 {
		secrets = session.Values(session.SecretsFromEnv(f.Getenv))
	}
	base := cfg.AuthURL()
	if cfg.BaseURL == "" {
		base = origin + cfg.Serve.BasePath
	}
	fc := flow.Config{Providers: ps, Secrets: secrets, BaseURL: base, Linking: flow.LinkingPolicy(cfg.Linking),
		Strategy: flow.Strategy(cfg.Session.Strategy), MaxAge: cfg.Session.MaxAge, Revocation: cfg.Session.Revocation, Credentials: cfg.Credentials.Enabled, Now: f.Now}
	switch cfg.Session.Encoding {
	case config.EncodingJWS:
		keys, err := session.LoadKeys(ctx, cfg.Session.JWSKey, cfg.Session.JWSAlg, nil)
		if err != nil {
			return flow.Config{}, nil, cmdutil.Fail(action, errors.New(strings.TrimPrefix(err.Error(), "authkit: cannot ")), "fix session.jws.key in "+cfg.Path)
		}
		if fc.SessionCodec, err = session.NewJWS(keys); err != nil {
			return flow.Config{}, nil, cmdutil.Fail(action, errors.New(strings.TrimPrefix(err.Error(), "authkit: cannot ")), "give a private key in session.jws.key")
		}
	case config.EncodingAuthJSv4:
		return flow.Config{}, nil, cmdutil.Fail(action, errors.New("session.encoding authjs-v4 is not served yet"), "use authjs (the Auth.js v5 format) or jws")
	}
	if cfg.Email != nil {
		if fc.Email, err = emailConfig(cfg); err != nil {
			return flow.Config{}, nil, err
		}
	}
	if cfg.SIWE != nil {
		fc.SIWE = &flow.SIWEConfig{Domain: cfg.SIWE.Domain, Statement: cfg.SIWE.Statement}
		for _, id := range cfg.SIWE.ChainIDs {
			fc.SIWE.ChainIDs = append(fc.SIWE.ChainIDs, uint64(id))
		}
	}
	var st *sqlstore.Store
	if cfg.Database.URL.Value() != "" || f.DatabaseURL != "" || fc.Strategy == flow.Database || fc.Revocation || fc.Credentials || fc.Email != nil || fc.SIWE != nil {
		if st, err = f.OpenStore(ctx, sqlstore.Options{}); err != nil {
			return flow.Config{}, nil, cmdutil.FailStore(action, err, "run authkit db migrate")
		}
		fc.Store = st
	}
	return fc, st, nil
}

// emailConfig builds the email sign-in from the email section: the SMTP
// server of email.smtp_url.
func emailConfig(cfg *config.Config) (*flow.EmailConfig, error) {
	raw := cfg.Email.SMTPURL.Value()
	if raw == "" {
		return nil, cmdutil.Fail(action, errors.New("the email section has no smtp_url"), "set email.smtp_url: ${SMTP_URL} in "+cfg.Path+" and SMTP_URL=smtp://user:password@smtp.example.com:587, or drop the email section")
	}
	sc, err := mail.ParseURL(raw)
	if err != nil {
		return nil, cmdutil.Fail(action, errors.New(strings.TrimPrefix(err.Error(), "authkit: cannot ")), "fix email.smtp_url in "+cfg.Path)
	}
	sender, err := mail.NewSMTP(*sc)
	if err != nil {
		return nil, cmdutil.Fail(action, errors.New(strings.TrimPrefix(err.Error(), "authkit: cannot ")), "fix email.smtp_url in "+cfg.Path)
	}
	return &flow.EmailConfig{Sender: sender, From: cfg.Email.From, MaxAge: cfg.Email.MaxAge, PerAddress: cfg.Email.PerAddress, PerClient: cfg.Email.PerClient}, nil
}

// devSetup: SQLite migrated, the dev IdP mounted at /devidp, a secret.
func devSetup(ctx context.Context, f *cmdutil.Factory, mux *http.ServeMux, origin string, log *slog.Logger) (flow.Config, *sqlstore.Store, error) {
	st, err := f.OpenStore(ctx, sqlstore.Options{Create: true, AllowUnmigrated: true})
	if err != nil {
		return flow.Config{}, nil, cmdutil.FailStore(action, err, "")
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return flow.Config{}, nil, cmdutil.FailStore(action, err, "use a native authkit database for --dev, or drop --database-url")
	}
	idp, err := devidp.New(devidp.Options{Logger: log.With("component", "devidp")})
	if err != nil {
		st.Close()
		return flow.Config{}, nil, cmdutil.Fail(action, err, "")
	}
	if err := idp.SetURL(origin + "/devidp"); err != nil {
		st.Close()
		return flow.Config{}, nil, cmdutil.Fail(action, err, "")
	}
	mux.Handle("/devidp/", http.StripPrefix("/devidp", idp.Handler()))
	p := providers.NewOIDC("dev", "Dev identity provider", origin+"/devidp")
	p.ClientID, p.ClientSecret = "authkit-dev", "authkit-dev-secret"
	p.TrustEmail = true
	secrets := session.Values(session.SecretsFromEnv(f.Getenv))
	if len(secrets) == 0 {
		b := make([]byte, 32)
		rand.Read(b)
		secrets = []string{base64.StdEncoding.EncodeToString(b)}
		log.Info("no AUTH_SECRET: using a fresh secret; JWT sessions end when the server stops")
	}
	inbox := &mail.Inbox{OnReceive: mail.LogReceived(log.With("component", "mail"))}
	mux.Handle("/dev/inbox", inbox)
	host := strings.TrimPrefix(origin, "http://")
	return flow.Config{Providers: []*providers.Provider{p}, Secrets: secrets, BaseURL: origin + "/auth", Store: st, Now: f.Now,
		Email:       &flow.EmailConfig{Sender: inbox, MaxAge: 15 * time.Minute},
		Credentials: true,
		SIWE:        &flow.SIWEConfig{Domain: host, ChainIDs: []uint64{1}}}, st, nil
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// logRequests logs one line per request: method, path (never the query,
// which carries codes and states), status and duration.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", time.Since(start).Milliseconds())
	})
}
