package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Default ports and timeout of the SMTP sender.
const (
	// SubmissionPort is the port of smtp:// (message submission, STARTTLS).
	SubmissionPort = 587
	// SubmissionsPort is the port of smtps:// (implicit TLS).
	SubmissionsPort = 465
	// DefaultTimeout bounds one Send, from the dial to the end of DATA.
	DefaultTimeout = 30 * time.Second
)

// redactedPassword stands for a password in Redacted and in errors.
const redactedPassword = "xxxxx"

// SMTPConfig says how to reach a mail server. ParseURL makes one from an
// SMTP URL; NewSMTP checks it. Its String, GoString and LogValue never show
// the password, so printing or logging a config does not leak it.
type SMTPConfig struct {
	// Host is the server's name or IP address, without port or brackets.
	Host string
	// Port is the TCP port; 587 when zero, or 465 with ImplicitTLS.
	Port int
	// Username and Password are sent with AUTH PLAIN when Username is set.
	// They are only ever sent over TLS, or to a loopback address.
	Username string
	// Password goes with Username.
	Password string `json:"-"`
	// ImplicitTLS speaks TLS from the first byte (smtps://, port 465).
	ImplicitTLS bool
	// RequireTLS fails the send when the server does not offer STARTTLS.
	// Without it STARTTLS is still used whenever the server offers it.
	RequireTLS bool
	// TLSConfig is cloned for each connection; nil means the system roots.
	// ServerName defaults to Host and MinVersion to TLS 1.2. Tests set
	// RootCAs here.
	TLSConfig *tls.Config `json:"-"`
	// LocalName is the name sent with EHLO; "localhost" when empty.
	LocalName string
	// Timeout bounds one Send; DefaultTimeout when zero.
	Timeout time.Duration
}

// ParseURL reads an SMTP URL into a config:
//
//	smtp://user:password@smtp.example.com:587    STARTTLS, required
//	smtps://user:password@smtp.example.com:465   TLS from the start
//	smtp://127.0.0.1:1025                        STARTTLS when offered (loopback)
//
// The port defaults to 587 for smtp:// and 465 for smtps://. With smtp://,
// STARTTLS is required unless the host is a loopback address (localhost,
// 127.0.0.0/8, ::1), where it is used when the server offers it. The query
// parameter starttls=required or starttls=optional overrides that default,
// but a URL with a password to a host that is not loopback must use TLS:
// starttls=optional is refused there. timeout=10s bounds each send. The
// user and password are percent-decoded (write @ as %40). Errors name the
// problem but never the URL or the password.
func ParseURL(raw string) (*SMTPConfig, error) {
	fail := func(cause, fix string) (*SMTPConfig, error) {
		return nil, fmt.Errorf("authkit: cannot read the SMTP URL: %s; %s", cause, fix)
	}
	const example = "write smtp://user:password@smtp.example.com:587 (STARTTLS) or smtps://user:password@smtp.example.com:465 (TLS)"
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return fail("it is not a valid URL", example+", and percent-encode @ / # ? : % in the user and password (@ as %40)")
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "smtp" && scheme != "smtps") || u.Opaque != "" {
		return fail("it does not start with smtp:// or smtps://", example)
	}
	host := u.Hostname()
	if host == "" {
		return fail("it has no host", example)
	}
	cfg := &SMTPConfig{Host: host, ImplicitTLS: scheme == "smtps"}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fail("its port is not a number from 1 to 65535", example)
		}
		cfg.Port = n
	} else {
		cfg.Port = cfg.port()
	}
	if u.Path != "" && u.Path != "/" {
		return fail("it has a path after the host", "remove it, or percent-encode / in the password as %2F")
	}
	if u.Fragment != "" {
		return fail("it has a # fragment", "remove it, or percent-encode # in the password as %23")
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return fail("its query is not valid", "write parameters as ?starttls=required&timeout=10s")
	}
	starttls := ""
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "starttls":
			if v != "required" && v != "optional" {
				return fail("starttls must be required or optional", "write ?starttls=required (the default except on loopback) or ?starttls=optional")
			}
			if cfg.ImplicitTLS {
				return fail("starttls does not apply to smtps://, which is TLS from the start", "remove ?starttls, or use smtp:// on port 587")
			}
			starttls = v
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fail("timeout must be a positive duration", "write ?timeout=30s")
			}
			cfg.Timeout = d
		default:
			return fail(fmt.Sprintf("it has the unknown parameter %s", quote(k)), "the parameters are starttls and timeout")
		}
	}
	if !cfg.ImplicitTLS {
		cfg.RequireTLS = starttls == "required" || (starttls == "" && !isLoopbackHost(host))
	}
	if cause, fix := cfg.check(); cause != "" {
		return fail(cause, fix)
	}
	return cfg, nil
}

// check returns what is wrong with c, or "".
func (c *SMTPConfig) check() (cause, fix string) {
	switch {
	case c.Host == "" || strings.ContainsAny(c.Host, " /@[]") || strings.ContainsFunc(c.Host, isControl):
		return "the host is empty or not a host name", "set the host, such as smtp.example.com"
	case c.Port < 0 || c.Port > 65535:
		return "the port is not a number from 1 to 65535", "use 587 for smtp:// or 465 for smtps://"
	case c.Username == "" && c.Password != "":
		return "it has a password but no user", "add the user: smtp://user:${SMTP_PASSWORD}@host"
	case c.Username != "" && c.Password == "":
		return "it names a user but no password", "add the password from the environment: smtp://user:${SMTP_PASSWORD}@host"
	case strings.ContainsFunc(c.Username, isControl) || strings.ContainsFunc(c.Password, isControl):
		return "the user or password holds a control character", "check how the password is read (a trailing newline from a file?)"
	case c.Username != "" && !c.ImplicitTLS && !c.RequireTLS && !isLoopbackHost(c.Host):
		return "it would send the password to " + c.Host + " without requiring TLS", "remove ?starttls=optional, or use smtps:// on port 465"
	case c.Timeout < 0:
		return "the timeout is negative", "leave it zero for 30s, or set a positive duration"
	}
	return "", ""
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// isLoopbackHost reports whether host names this machine for sure:
// localhost or a loopback IP address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *SMTPConfig) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.ImplicitTLS:
		return SubmissionsPort
	}
	return SubmissionPort
}

// Redacted returns the config as an SMTP URL for logs, with the password
// replaced by xxxxx (and the user too when it equals the password, as with
// providers whose user is an API token).
func (c *SMTPConfig) Redacted() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.port()))}
	if c.ImplicitTLS {
		u.Scheme = "smtps"
	}
	if c.Username != "" {
		user := c.Username
		if user == c.Password {
			user = redactedPassword
		}
		u.User = url.UserPassword(user, redactedPassword)
	}
	q := url.Values{}
	if !c.ImplicitTLS && c.RequireTLS != !isLoopbackHost(c.Host) {
		q.Set("starttls", map[bool]string{true: "required", false: "optional"}[c.RequireTLS])
	}
	if c.Timeout != 0 {
		q.Set("timeout", c.Timeout.String())
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// String is Redacted, so that fmt never prints the password.
func (c SMTPConfig) String() string { return c.Redacted() }

// GoString is Redacted, so that %#v never prints the password.
func (c SMTPConfig) GoString() string { return "mail.SMTPConfig(" + c.Redacted() + ")" }

// LogValue is Redacted, so that log/slog never records the password.
func (c SMTPConfig) LogValue() slog.Value { return slog.StringValue(c.Redacted()) }

// SMTP sends messages through one mail server, a new connection for each
// message. It is safe for concurrent use.
type SMTP struct {
	cfg SMTPConfig
}

var _ Sender = (*SMTP)(nil)

// NewSMTP checks cfg and returns a sender for it. It refuses a config that
// would send the password without TLS to a host that is not loopback.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cause, fix := cfg.check(); cause != "" {
		return nil, fmt.Errorf("authkit: cannot set up the SMTP sender: %s; %s", cause, fix)
	}
	if cfg.TLSConfig != nil {
		cfg.TLSConfig = cfg.TLSConfig.Clone()
	}
	return &SMTP{cfg: cfg}, nil
}

// String shows the server, never the password.
func (s SMTP) String() string { return "mail.SMTP(" + s.cfg.Redacted() + ")" }

// GoString is String, so that %#v never prints the password.
func (s SMTP) GoString() string { return s.String() }

// Send delivers m: it refuses an invalid message before connecting (see
// Message.Validate), then dials, says EHLO, starts TLS when the server
// offers it (failing when the config requires TLS and it does not),
// authenticates with AUTH PLAIN when a user is set, and sends MAIL, RCPT
// and DATA. It returns nil once the server accepted the message.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	env, data, err := m.build(time.Now())
	if err != nil {
		return err
	}
	return s.scrub(s.send(ctx, env, data))
}

func (s *SMTP) send(ctx context.Context, env envelope, data []byte) error {
	cfg := &s.cfg
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.port()))
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fail := func(err error, cause, fix string) error {
		if ctx.Err() != nil {
			return &sendError{
				cause: fmt.Sprintf("the exchange with %s was cut short (%v)", addr, context.Cause(ctx)),
				fix:   "check that the server answers; the timeout is " + timeout.String() + " (?timeout= in the SMTP URL)",
				err:   ctx.Err(),
			}
		}
		return &sendError{cause: cause, fix: fix, err: err}
	}

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fail(err, fmt.Sprintf("cannot connect to %s: %v", addr, unwrapOp(err)), "check the host and port of email.smtp_url (smtp:// uses 587, smtps:// uses 465)")
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		// A backstop: the AfterFunc below cuts the exchange at the deadline,
		// once ctx reports it, so that errors name the timeout.
		conn.SetDeadline(dl.Add(time.Second))
	}
	raw := conn
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	loopback := isLoopbackAddr(conn.RemoteAddr())

	tlsCfg := s.tlsConfig()
	if cfg.ImplicitTLS {
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			cause, fix := tlsProblem(err, addr, true)
			return fail(err, cause, fix)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, cfg.Host)
	if err != nil {
		return fail(err, fmt.Sprintf("%s did not greet as an SMTP server: %v", addr, err), "check the host and port of email.smtp_url")
	}
	defer c.Close()
	localName := cfg.LocalName
	if localName == "" {
		localName = "localhost"
	}
	if err := c.Hello(localName); err != nil {
		return fail(err, "the server refused EHLO: "+err.Error(), "check the host and port of email.smtp_url")
	}
	if !cfg.ImplicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsCfg); err != nil {
				cause, fix := tlsProblem(err, addr, false)
				return fail(err, cause, fix)
			}
		} else if cfg.RequireTLS {
			return fail(nil, addr+" does not offer STARTTLS, and the SMTP URL requires TLS", "use smtps:// if the server speaks TLS from the start (port 465), or a server that offers STARTTLS")
		}
	}
	if cfg.Username != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok || !containsFold(strings.Fields(mechs), "PLAIN") {
			return fail(nil, addr+" does not offer AUTH PLAIN", "remove the user and password from email.smtp_url if the server needs none, or use its submission port (587 or 465)")
		}
		if err := c.Auth(&plainAuth{user: cfg.Username, pass: cfg.Password, loopback: loopback}); err != nil {
			if errors.Is(err, errPlaintextAuth) {
				return fail(err, "the connection to "+addr+" is not encrypted, and the password is never sent in the clear", "use a server that offers STARTTLS, or smtps://")
			}
			return fail(err, "the server refused the user or password ("+err.Error()+")", "check the user and password in email.smtp_url")
		}
	}
	if err := c.Mail(env.from); err != nil {
		return fail(err, fmt.Sprintf("the server refused the sender %s (%v)", quote(env.from), err), "set email.from to an address the SMTP account may send as")
	}
	if err := c.Rcpt(env.to); err != nil {
		return fail(err, fmt.Sprintf("the server refused the recipient %s (%v)", quote(env.to), err), "check the address, and the sending limits of the SMTP account")
	}
	w, err := c.Data()
	if err != nil {
		return fail(err, fmt.Sprintf("the server refused to take the message (%v)", err), "check the sending limits of the SMTP account")
	}
	if _, err := w.Write(data); err != nil {
		return fail(err, fmt.Sprintf("the connection broke while sending the message: %v", err), "try again; check the server's logs if it persists")
	}
	if err := w.Close(); err != nil {
		return fail(err, fmt.Sprintf("the server refused the message (%v)", err), "check the server's logs for why, and the sending limits of the SMTP account")
	}
	_ = c.Quit()
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	var c *tls.Config
	if s.cfg.TLSConfig != nil {
		c = s.cfg.TLSConfig.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = s.cfg.Host
	}
	if c.MinVersion < tls.VersionTLS12 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// scrub removes the password, raw and in the AUTH PLAIN encoding, from an
// error, in case a server echoed it.
func (s *SMTP) scrub(err error) error {
	var se *sendError
	if err == nil || s.cfg.Password == "" || !errors.As(err, &se) {
		return err
	}
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + s.cfg.Username + "\x00" + s.cfg.Password))
	clean := func(v string) string {
		v = strings.ReplaceAll(v, plain, redactedPassword)
		if len(s.cfg.Password) >= 4 {
			v = strings.ReplaceAll(v, s.cfg.Password, redactedPassword)
		}
		return v
	}
	return &sendError{cause: clean(se.cause), fix: clean(se.fix), err: se.err}
}

func tlsProblem(err error, addr string, implicit bool) (cause, fix string) {
	var rh tls.RecordHeaderError
	var cv *tls.CertificateVerificationError
	var hn x509.HostnameError
	switch {
	case errors.As(err, &rh) && implicit:
		return addr + " does not speak TLS on connect", "use smtp:// (STARTTLS) for port 587 and smtps:// for port 465"
	case errors.As(err, &hn):
		return fmt.Sprintf("the certificate of %s is not valid for that name: %v", addr, hn), "use the host name the certificate names in email.smtp_url"
	case errors.As(err, &cv):
		return fmt.Sprintf("the certificate of %s is not trusted: %v", addr, cv.Err), "give the server a certificate from a trusted authority"
	}
	return fmt.Sprintf("the TLS handshake with %s failed: %v", addr, err), "check that the server supports TLS 1.2 or later"
}

func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

func isLoopbackAddr(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

var errPlaintextAuth = errors.New("refusing AUTH over an unencrypted connection")

// plainAuth is AUTH PLAIN that refuses an unencrypted connection unless
// its peer is a loopback address.
type plainAuth struct {
	user, pass string
	loopback   bool
}

func (a *plainAuth) Start(si *smtp.ServerInfo) (string, []byte, error) {
	if !si.TLS && !a.loopback {
		return "", nil, errPlaintextAuth
	}
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a *plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, &textproto.Error{Code: 535, Msg: "unexpected challenge after AUTH PLAIN"}
	}
	return nil, nil
}
