package mail_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/mailtest"
	"github.com/authkit-dev/authkit/pkg/mail"
)

const (
	testUser     = "mailer@example.com"
	testPassword = "s3cr3t-Pa55word"
	callbackURL  = "https://app.example.com/auth/callback/email?token=abc123&email=user%40example.com"
)

func signInMessage() mail.Message {
	return mail.Message{
		From:    "Authkit <auth@example.com>",
		To:      "user@example.com",
		Subject: "Sign in to Example",
		Text:    "Sign in to Example:\n" + callbackURL + "\n\nIf you did not ask for this email, ignore it.\n",
		HTML:    `<p>Sign in to Example:</p><p><a href="` + strings.ReplaceAll(callbackURL, "&", "&amp;") + `">Sign in</a></p>`,
	}
}

// sender makes an SMTP sender for srv from its URL, trusting its certificate.
func sender(t *testing.T, srv *mailtest.Server, change func(*mail.SMTPConfig)) *mail.SMTP {
	t.Helper()
	cfg, err := mail.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
	cfg.Timeout = 10 * time.Second
	if change != nil {
		change(cfg)
	}
	s, err := mail.NewSMTP(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkNoSecret fails when the password shows anywhere in text.
func checkNoSecret(t *testing.T, text string) {
	t.Helper()
	for _, secret := range []string{testPassword, "wrong-" + testPassword} {
		if strings.Contains(text, secret) {
			t.Errorf("the password shows in %q", strings.ReplaceAll(text, secret, "<PASSWORD>"))
		}
	}
}

func TestSendDelivers(t *testing.T) {
	tests := []struct {
		name string
		opts mailtest.Options
	}{
		{"STARTTLS and AUTH", mailtest.Options{StartTLS: true, Username: testUser, Password: testPassword}},
		{"implicit TLS and AUTH", mailtest.Options{TLS: true, Username: testUser, Password: testPassword}},
		{"STARTTLS without AUTH", mailtest.Options{StartTLS: true}},
		{"plaintext AUTH on loopback", mailtest.Options{Username: testUser, Password: testPassword}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.opts)
			before := time.Now()
			if err := sender(t, srv, nil).Send(context.Background(), signInMessage()); err != nil {
				t.Fatal(err)
			}
			got := srv.WaitFor(t, 1, 5*time.Second)
			if len(got) != 1 {
				t.Fatalf("delivered %d messages, want 1", len(got))
			}
			m := got[0]
			if m.From != "auth@example.com" || len(m.To) != 1 || m.To[0] != "user@example.com" {
				t.Errorf("envelope from %q to %q, want auth@example.com to [user@example.com]", m.From, m.To)
			}
			if m.Subject != "Sign in to Example" {
				t.Errorf("subject %q", m.Subject)
			}
			if link := m.Link("https://app.example.com/auth/callback/email"); link != callbackURL {
				t.Errorf("link %q, want %q", link, callbackURL)
			}
			if !strings.Contains(m.HTML, `<a href="https://app.example.com/auth/callback/email?token=abc123&amp;email=user%40example.com">`) {
				t.Errorf("HTML part %q lacks the link", m.HTML)
			}
			if m.Text != signInMessage().Text {
				t.Errorf("text part %q, want %q", m.Text, signInMessage().Text)
			}
			from, err := netmail.ParseAddress(m.Header.Get("From"))
			if err != nil || from.Name != "Authkit" || from.Address != "auth@example.com" {
				t.Errorf("From header %q", m.Header.Get("From"))
			}
			if to := m.Header.Get("To"); to != "user@example.com" {
				t.Errorf("To header %q", to)
			}
			date, err := m.Header.Date()
			if err != nil || date.Before(before.Add(-time.Second)) || date.After(time.Now().Add(time.Second)) {
				t.Errorf("Date header %q: %v", m.Header.Get("Date"), err)
			}
			if id := m.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") || len(id) < 20 {
				t.Errorf("Message-ID %q", id)
			}
			if v := m.Header.Get("MIME-Version"); v != "1.0" {
				t.Errorf("MIME-Version %q", v)
			}
			if ct := m.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative; boundary=") {
				t.Errorf("Content-Type %q", ct)
			}
			if bytes.Contains(m.Data, []byte(testPassword)) {
				t.Error("the message holds the password")
			}
		})
	}
}

func TestSendTextOnly(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{StartTLS: true})
	m := signInMessage()
	m.HTML = ""
	if err := sender(t, srv, nil).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 1, 5*time.Second)[0]
	if ct := got.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q, want text/plain; charset=utf-8", ct)
	}
	if got.Text != m.Text || got.HTML != "" {
		t.Errorf("text %q html %q", got.Text, got.HTML)
	}
}

func TestSendRoundTripsBodies(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{StartTLS: true})
	m := signInMessage()
	m.Text = "Grüße, 世界 🔐\n.\n..leading dots\n" + strings.Repeat("a long line without breaks ", 20) + "\nend=of=line \n"
	m.HTML = "<p>Grüße &amp; <b>世界</b></p>\n<p>.</p>\n"
	if err := sender(t, srv, nil).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 1, 5*time.Second)[0]
	if got.Text != m.Text {
		t.Errorf("text part\n%q\nwant\n%q", got.Text, m.Text)
	}
	if got.HTML != m.HTML {
		t.Errorf("HTML part\n%q\nwant\n%q", got.HTML, m.HTML)
	}
	for i, line := range strings.Split(string(got.Data), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d is %d characters long: %q", i, len(line), line)
		}
		for _, b := range []byte(line) {
			if b >= 0x80 {
				t.Fatalf("line %d holds a non-ASCII byte: %q", i, line)
			}
		}
	}
}

func TestSendNonASCIISubject(t *testing.T) {
	subjects := []string{
		"Ihr Anmeldelink für Ünïcödé",
		"登录链接 🔐",
		strings.TrimSpace(strings.Repeat("Connexion à Exemple — ", 12)),
		strings.TrimSpace(strings.Repeat("a plain ASCII subject that is long enough to be folded ", 5)),
	}
	srv := mailtest.Start(t, mailtest.Options{StartTLS: true})
	s := sender(t, srv, nil)
	for _, subject := range subjects {
		m := signInMessage()
		m.Subject = subject
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.WaitFor(t, len(subjects), 5*time.Second)
	for i, subject := range subjects {
		if got[i].Subject != subject {
			t.Errorf("subject %q, want %q", got[i].Subject, subject)
		}
		raw := string(got[i].Data[:bytes.Index(got[i].Data, []byte("\r\n\r\n"))])
		for _, b := range []byte(raw) {
			if b >= 0x80 {
				t.Fatalf("the header holds a raw non-ASCII byte: %q", raw)
			}
		}
		for _, line := range strings.Split(raw, "\r\n") {
			if len(line) > 90 {
				t.Errorf("header line of %d characters: %q", len(line), line)
			}
		}
		if i < 3 && !strings.Contains(raw, "Subject: =?utf-8?q?") {
			t.Errorf("the subject is not an RFC 2047 encoded-word: %q", raw)
		}
	}
}

func TestSendRefusesInvalidMessages(t *testing.T) {
	tests := []struct {
		name   string
		change func(*mail.Message)
	}{
		{"CRLF and Bcc in To", func(m *mail.Message) { m.To = "victim@x.com\r\nBcc: e@evil.com" }},
		{"LF in To", func(m *mail.Message) { m.To = "victim@x.com\nBcc: e@evil.com" }},
		{"two recipients", func(m *mail.Message) { m.To = "a@x.com,b@y.com" }},
		{"two recipients with a space", func(m *mail.Message) { m.To = "a@x.com, b@y.com" }},
		{"quoted local part", func(m *mail.Message) { m.To = `"e@attacker.com"@victim.com` }},
		{"display name", func(m *mail.Message) { m.To = "Victim <victim@x.com>" }},
		{"display name hiding another address", func(m *mail.Message) { m.To = `"victim@x.com" <e@attacker.com>` }},
		{"angle brackets", func(m *mail.Message) { m.To = "<victim@x.com>" }},
		{"comment", func(m *mail.Message) { m.To = "victim@x.com (e@attacker.com)" }},
		{"trailing space", func(m *mail.Message) { m.To = "victim@x.com " }},
		{"two at signs", func(m *mail.Message) { m.To = "e@attacker.com@victim.com" }},
		{"source route", func(m *mail.Message) { m.To = "@attacker.com:victim@x.com" }},
		{"group", func(m *mail.Message) { m.To = "group: victim@x.com;" }},
		{"non-ASCII address", func(m *mail.Message) { m.To = "vіctim@x.com" }},
		{"empty To", func(m *mail.Message) { m.To = "" }},
		{"no domain", func(m *mail.Message) { m.To = "victim@" }},
		{"CRLF in Subject", func(m *mail.Message) { m.Subject = "Hello\r\nBcc: e@evil.com" }},
		{"CR in Subject", func(m *mail.Message) { m.Subject = "Hello\rBcc: e@evil.com" }},
		{"NUL in Subject", func(m *mail.Message) { m.Subject = "Hello\x00" }},
		{"NEL in Subject", func(m *mail.Message) { m.Subject = "Hello\u0085Bcc: e@evil.com" }},
		{"line separator in Subject", func(m *mail.Message) { m.Subject = "Hello\u2028Bcc: e@evil.com" }},
		{"invalid UTF-8 in Subject", func(m *mail.Message) { m.Subject = "Hello \xff" }},
		{"empty From", func(m *mail.Message) { m.From = "" }},
		{"CRLF in From", func(m *mail.Message) { m.From = "auth@example.com\r\nBcc: e@evil.com" }},
		{"two senders", func(m *mail.Message) { m.From = "auth@example.com, e@evil.com" }},
		{"From not an address", func(m *mail.Message) { m.From = "Example" }},
		{"no text body", func(m *mail.Message) { m.Text = "" }},
	}
	srv := mailtest.Start(t, mailtest.Options{StartTLS: true, Username: testUser, Password: testPassword})
	s := sender(t, srv, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := signInMessage()
			tt.change(&m)
			err := s.Send(context.Background(), m)
			if !errors.Is(err, mail.ErrInvalidMessage) {
				t.Fatalf("Send = %v, want ErrInvalidMessage", err)
			}
			if !strings.HasPrefix(err.Error(), "authkit: cannot send the sign-in email: ") || !strings.Contains(err.Error(), "; ") {
				t.Errorf("error %q is not in the authkit style", err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error %q holds a line break", err)
			}
			if err2 := m.Validate(); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("Validate = %v, want %v", err2, err)
			}
		})
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("the sender connected %d times for invalid messages, want 0", n)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages delivered, want 0", n)
	}
}

func TestSendAcceptsValidAddresses(t *testing.T) {
	for _, to := range []string{"user@example.com", "first.last+tag@sub.example.co.uk", "u_1-2@localhost"} {
		m := signInMessage()
		m.To = to
		if err := m.Validate(); err != nil {
			t.Errorf("Validate(To %q) = %v", to, err)
		}
	}
	for _, from := range []string{"auth@example.com", "Example <auth@example.com>", `"Example, Inc." <auth@example.com>`, "Exämple <auth@example.com>"} {
		m := signInMessage()
		m.From = from
		if err := m.Validate(); err != nil {
			t.Errorf("Validate(From %q) = %v", from, err)
		}
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name   string
		opts   mailtest.Options
		change func(*mail.SMTPConfig)
		want   string
	}{
		{"wrong password", mailtest.Options{StartTLS: true, Username: testUser, Password: testPassword},
			func(c *mail.SMTPConfig) { c.Password = "wrong-" + testPassword }, "the server refused the user or password (535"},
		{"wrong password over implicit TLS", mailtest.Options{TLS: true, Username: testUser, Password: testPassword},
			func(c *mail.SMTPConfig) { c.Password = "wrong-" + testPassword }, "the server refused the user or password (535"},
		{"no credentials where required", mailtest.Options{StartTLS: true, Username: testUser, Password: testPassword},
			func(c *mail.SMTPConfig) { c.Username, c.Password = "", "" }, "the server refused the sender \"auth@example.com\" (502"},
		{"recipient refused", mailtest.Options{StartTLS: true, Username: testUser, Password: testPassword, FailRcpt: true},
			nil, "the server refused the recipient \"user@example.com\" (550"},
		{"message refused", mailtest.Options{StartTLS: true, Username: testUser, Password: testPassword, FailData: true},
			nil, "the server refused the message (554"},
		{"STARTTLS required but not offered", mailtest.Options{Username: testUser, Password: testPassword},
			func(c *mail.SMTPConfig) { c.RequireTLS = true }, "does not offer STARTTLS, and the SMTP URL requires TLS"},
		{"untrusted certificate", mailtest.Options{StartTLS: true, Username: testUser, Password: testPassword},
			func(c *mail.SMTPConfig) { c.TLSConfig = nil }, "is not trusted"},
		{"certificate for another name", mailtest.Options{TLS: true, Username: testUser, Password: testPassword},
			func(c *mail.SMTPConfig) { c.TLSConfig.ServerName = "mail.example.com" }, "is not valid for that name"},
		{"smtps to a plaintext port", mailtest.Options{Username: testUser, Password: testPassword},
			func(c *mail.SMTPConfig) { c.ImplicitTLS = true }, "does not speak TLS on connect"},
		{"AUTH not offered", mailtest.Options{StartTLS: true},
			func(c *mail.SMTPConfig) { c.Username, c.Password = testUser, testPassword }, "does not offer AUTH PLAIN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.opts)
			err := sender(t, srv, tt.change).Send(context.Background(), signInMessage())
			if err == nil {
				t.Fatal("Send succeeded")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "authkit: cannot send the sign-in email: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q, want it to hold %q", msg, tt.want)
			}
			if errors.Is(err, mail.ErrInvalidMessage) {
				t.Error("a server failure is reported as an invalid message")
			}
			checkNoSecret(t, msg)
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("%d messages delivered, want 0", n)
			}
		})
	}
}

func TestSendConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: port, Username: testUser, Password: testPassword, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), signInMessage())
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("cannot connect to 127.0.0.1:%d", port)) || !strings.Contains(err.Error(), "check the host and port") {
		t.Fatalf("Send = %v, want a connection error with its fix", err)
	}
	checkNoSecret(t, err.Error())
}

func TestSendTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	addr := ln.Addr().(*net.TCPAddr)
	s, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: addr.Port, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), signInMessage())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "was cut short") {
		t.Fatalf("Send = %v, want a deadline error", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	s, _ = mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: addr.Port, Timeout: time.Minute})
	// With a minute's timeout, only the cancellation can end it this way.
	if err := s.Send(ctx, signInMessage()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send = %v, want context.Canceled", err)
	}
}

func TestSendConcurrently(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{StartTLS: true, Username: testUser, Password: testPassword})
	s := sender(t, srv, nil)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			m := signInMessage()
			m.To = fmt.Sprintf("user%d@example.com", i)
			errs <- s.Send(context.Background(), m)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	got := srv.WaitFor(t, n, 5*time.Second)
	seen := map[string]bool{}
	for _, m := range got {
		seen[m.To[0]] = true
	}
	if len(seen) != n {
		t.Errorf("delivered to %d distinct recipients, want %d", len(seen), n)
	}
}

func TestPasswordNeverShown(t *testing.T) {
	cfg, err := mail.ParseURL("smtp://" + testUser + ":" + testPassword + "@smtp.example.com:587")
	if err != nil {
		t.Fatal(err)
	}
	s, err := mail.NewSMTP(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	logger.Info("config", "smtp", cfg, "value", *cfg)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "smtp", cfg)
	shown := strings.Join([]string{
		fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s", *cfg, *cfg, *cfg, cfg),
		fmt.Sprint(s), fmt.Sprintf("%+v %#v %v %+v %#v", s, s, *s, *s, *s),
		cfg.Redacted(), logged.String(),
	}, "\n")
	checkNoSecret(t, shown)
	if !strings.Contains(shown, "smtp://mailer%40example.com:xxxxx@smtp.example.com:587") {
		t.Errorf("the redacted URL is missing from %s", shown)
	}
}
