// Package mailtest runs a real SMTP server on 127.0.0.1 for tests: plain,
// STARTTLS or implicit TLS with a self-signed certificate made at start,
// with AUTH PLAIN when credentials are set, and failures on demand. It
// parses what it receives into subject and text and HTML bodies.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configures a Server.
type Options struct {
	// TLS makes the server speak TLS from the first byte (smtps://).
	TLS bool
	// StartTLS makes the server offer STARTTLS; AUTH is then offered only
	// after it.
	StartTLS bool
	// Username and Password, when Username is set, make AUTH PLAIN
	// mandatory before MAIL FROM.
	Username string
	// Password goes with Username.
	Password string
	// FailRcpt refuses every recipient with 550.
	FailRcpt bool
	// FailData refuses every message at the end of DATA with 554.
	FailData bool
}

// Mail is one message the server accepted.
type Mail struct {
	// From is the envelope sender (MAIL FROM).
	From string
	// To are the envelope recipients (RCPT TO).
	To []string
	// Data is the message as received, with CRLF line endings.
	Data []byte
	// Header is the parsed header of Data.
	Header netmail.Header
	// Subject is the decoded Subject header (RFC 2047 words decoded).
	Subject string
	// Text and HTML are the decoded text/plain and text/html bodies, with
	// LF line endings; empty when the message has no such part.
	Text string
	// HTML is the decoded text/html body.
	HTML string
}

// Link returns the first URL of the text body that starts with prefix, up
// to the next space or quote, without trailing punctuation; "" when none.
func (m Mail) Link(prefix string) string {
	i := strings.Index(m.Text, prefix)
	if i < 0 {
		return ""
	}
	s := m.Text[i:]
	if j := strings.IndexAny(s, " \t\r\n<>\"'"); j >= 0 {
		s = s[:j]
	}
	return strings.TrimRight(s, ".,;:!?")
}

// Server is a running test SMTP server. It stops when the test ends.
type Server struct {
	opts  Options
	addr  *net.TCPAddr
	roots *x509.CertPool

	mu      sync.Mutex
	mails   []Mail
	conns   int
	changed chan struct{}
}

// Start runs a server on 127.0.0.1 with a free port and stops it with
// t.Cleanup.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	cert, roots, err := selfSigned()
	if err != nil {
		t.Fatalf("mailtest: cannot make a certificate: %v", err)
	}
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: cannot listen: %v", err)
	}
	s := &Server{opts: opts, addr: ln.Addr().(*net.TCPAddr), roots: roots, changed: make(chan struct{})}
	ln = &countingListener{Listener: ln, s: s}
	if opts.TLS {
		ln = tls.NewListener(ln, tlsCfg)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	srv.Domain = "localhost"
	if opts.StartTLS {
		srv.TLSConfig = tlsCfg
	}
	srv.AllowInsecureAuth = !opts.TLS && !opts.StartTLS
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.MaxRecipients = 10
	srv.ErrorLog = log.New(io.Discard, "", 0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		ln.Close()
		<-done
	})
	return s
}

// URL returns the server's SMTP URL, with the credentials when set:
// smtps:// with TLS, smtp:// otherwise, with ?starttls=required when the
// server offers STARTTLS.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.Addr()}
	if s.opts.TLS {
		u.Scheme = "smtps"
	} else if s.opts.StartTLS {
		u.RawQuery = "starttls=required"
	}
	if s.opts.Username != "" {
		u.User = url.UserPassword(s.opts.Username, s.opts.Password)
	}
	return u.String()
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.addr.String() }

// Port returns the port the server listens on.
func (s *Server) Port() int { return s.addr.Port }

// RootCAs returns a pool that trusts the server's certificate, which is
// valid for 127.0.0.1, ::1 and localhost.
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// Messages returns the accepted messages, oldest first.
func (s *Server) Messages() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Connections returns how many TCP connections the server accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

type countingListener struct {
	net.Listener
	s *Server
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.s.mu.Lock()
		l.s.conns++
		l.s.mu.Unlock()
	}
	return c, err
}

// WaitFor waits until the server holds at least n messages and returns
// them; the test fails when timeout passes first.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Mail {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.mails) >= n {
			out := append([]Mail(nil), s.mails...)
			s.mu.Unlock()
			return out
		}
		got, changed := len(s.mails), s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("mailtest: %d messages after %v, want %d", got, timeout, n)
			return nil
		}
	}
}

func (s *Server) add(m Mail) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mails = append(s.mails, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.s.opts.Username == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if (identity != "" && identity != username) || username != ss.s.opts.Username || password != ss.s.opts.Password {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.Username != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.s.opts.FailRcpt {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailtest: no such mailbox (FailRcpt)"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if ss.s.opts.FailData {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "mailtest: message refused (FailData)"}
	}
	m, err := parse(data)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "mailtest: the message is not valid MIME: " + err.Error()}
	}
	m.From, m.To = ss.from, append([]string(nil), ss.to...)
	ss.s.add(m)
	return nil
}

func (ss *session) Reset() {
	ss.from, ss.to = "", nil
}

func (ss *session) Logout() error { return nil }

// parse reads data as an RFC 5322 message with MIME bodies.
func parse(data []byte) (Mail, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return Mail{}, err
	}
	m := Mail{Data: data, Header: msg.Header}
	if m.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Mail{}, fmt.Errorf("subject: %w", err)
	}
	err = m.body(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return m, err
}

func (m *Mail) body(contentType, encoding string, r io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	typ, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content-type: %w", err)
	}
	if strings.HasPrefix(typ, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			// NextPart decodes quoted-printable itself and drops the header.
			if err := m.body(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	case "", "7bit", "8bit", "binary":
	default:
		return fmt.Errorf("unknown transfer encoding %q", encoding)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch typ {
	case "text/plain":
		m.Text = text
	case "text/html":
		m.HTML = text
	}
	return nil
}

func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "mailtest " + strconv.FormatInt(serial.Int64(), 16)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
