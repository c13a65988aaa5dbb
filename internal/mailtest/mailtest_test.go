package mailtest

import (
	"crypto/tls"
	"errors"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// send delivers data with the standard library client, as a check of the
// server independent of pkg/mail.
func send(t *testing.T, s *Server, auth smtp.Auth, to string, data string) error {
	t.Helper()
	var c *smtp.Client
	var err error
	if s.opts.TLS {
		conn, derr := tls.Dial("tcp", s.Addr(), &tls.Config{RootCAs: s.RootCAs(), ServerName: "127.0.0.1"})
		if derr != nil {
			return derr
		}
		c, err = smtp.NewClient(conn, "127.0.0.1")
	} else {
		c, err = smtp.Dial(s.Addr())
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if s.opts.StartTLS {
		if err := c.StartTLS(&tls.Config{RootCAs: s.RootCAs(), ServerName: "127.0.0.1"}); err != nil {
			return err
		}
	}
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.Mail("from@example.com"); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(data)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

const multipartMessage = "From: from@example.com\r\n" +
	"To: to@example.com\r\n" +
	"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= from\r\n =?utf-8?b?5LiW55WM?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=\"b1\"\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Sign in: https://app.example.com/cb?token=3Dabc&x=3D1.\r\n" +
	"Gr=C3=BC=C3=9Fe, a soft=\r\n break\r\n" +
	"--b1\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+aGk8L3A+\r\n" +
	"--b1--\r\n"

func TestServerParsesMessages(t *testing.T) {
	s := Start(t, Options{StartTLS: true, Username: "u@example.com", Password: "pw-123456"})
	if err := send(t, s, smtp.PlainAuth("", "u@example.com", "pw-123456", "127.0.0.1"), "to@example.com", multipartMessage); err != nil {
		t.Fatal(err)
	}
	m := s.WaitFor(t, 1, 5*time.Second)[0]
	if m.From != "from@example.com" || len(m.To) != 1 || m.To[0] != "to@example.com" {
		t.Errorf("envelope %q %q", m.From, m.To)
	}
	if m.Subject != "Grüße from 世界" {
		t.Errorf("Subject %q", m.Subject)
	}
	if m.Text != "Sign in: https://app.example.com/cb?token=abc&x=1.\nGrüße, a soft break" {
		t.Errorf("Text %q", m.Text)
	}
	if m.HTML != "<p>hi</p>" {
		t.Errorf("HTML %q", m.HTML)
	}
	if got := m.Link("https://app.example.com/"); got != "https://app.example.com/cb?token=abc&x=1" {
		t.Errorf("Link = %q", got)
	}
	if got := m.Link("https://other.example.com/"); got != "" {
		t.Errorf("Link of a missing prefix = %q", got)
	}
	if !strings.HasPrefix(string(m.Data), "From: from@example.com\r\n") || m.Header.Get("To") != "to@example.com" {
		t.Errorf("Data %q, To header %q", m.Data, m.Header.Get("To"))
	}
	if s.Connections() != 1 {
		t.Errorf("Connections = %d, want 1", s.Connections())
	}
}

func TestServerAuth(t *testing.T) {
	s := Start(t, Options{TLS: true, Username: "u@example.com", Password: "pw-123456"})
	var te *textproto.Error
	if err := send(t, s, smtp.PlainAuth("", "u@example.com", "wrong", "127.0.0.1"), "to@example.com", multipartMessage); !errors.As(err, &te) || te.Code != 535 {
		t.Errorf("wrong password: %v, want 535", err)
	}
	if err := send(t, s, nil, "to@example.com", multipartMessage); !errors.As(err, &te) || te.Code != 502 {
		t.Errorf("no AUTH: %v, want 502", err)
	}
	if n := len(s.Messages()); n != 0 {
		t.Fatalf("%d messages accepted without authentication", n)
	}
	if err := send(t, s, smtp.PlainAuth("", "u@example.com", "pw-123456", "127.0.0.1"), "to@example.com", multipartMessage); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

func TestServerOffersAuthOnlyAfterSTARTTLS(t *testing.T) {
	s := Start(t, Options{StartTLS: true, Username: "u@example.com", Password: "pw-123456"})
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Error("STARTTLS is not offered")
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("AUTH is offered before STARTTLS")
	}
	if err := c.StartTLS(&tls.Config{RootCAs: s.RootCAs(), ServerName: "localhost"}); err != nil {
		t.Fatalf("the certificate is not valid for localhost with RootCAs: %v", err)
	}
	if ok, mechs := c.Extension("AUTH"); !ok || mechs != "PLAIN" {
		t.Errorf("AUTH after STARTTLS: %v %q, want PLAIN", ok, mechs)
	}
}

func TestServerFailures(t *testing.T) {
	var te *textproto.Error
	s := Start(t, Options{FailRcpt: true})
	if err := send(t, s, nil, "to@example.com", multipartMessage); !errors.As(err, &te) || te.Code != 550 {
		t.Errorf("FailRcpt: %v, want 550", err)
	}
	s = Start(t, Options{FailData: true})
	if err := send(t, s, nil, "to@example.com", multipartMessage); !errors.As(err, &te) || te.Code != 554 {
		t.Errorf("FailData: %v, want 554", err)
	}
	s = Start(t, Options{})
	if err := send(t, s, nil, "to@example.com", "Subject: x\r\nContent-Type: multipart/alternative\r\n\r\nbody\r\n"); !errors.As(err, &te) || te.Code != 554 || !strings.Contains(te.Msg, "not valid MIME") {
		t.Errorf("bad MIME: %v, want 554", err)
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages accepted", n)
	}
}

func TestURL(t *testing.T) {
	tests := []struct {
		opts Options
		want string
	}{
		{Options{}, "smtp://127.0.0.1:PORT"},
		{Options{StartTLS: true}, "smtp://127.0.0.1:PORT?starttls=required"},
		{Options{TLS: true, Username: "u@example.com", Password: "p@ss"}, "smtps://u%40example.com:p%40ss@127.0.0.1:PORT"},
	}
	for _, tt := range tests {
		s := Start(t, tt.opts)
		want := strings.Replace(tt.want, "PORT", strings.TrimPrefix(s.Addr(), "127.0.0.1:"), 1)
		if got := s.URL(); got != want {
			t.Errorf("URL = %q, want %q", got, want)
		}
	}
}

func TestWaitForWaits(t *testing.T) {
	s := Start(t, Options{})
	go func() {
		time.Sleep(50 * time.Millisecond)
		send(t, s, nil, "a@example.com", multipartMessage)
		send(t, s, nil, "b@example.com", multipartMessage)
	}()
	got := s.WaitFor(t, 2, 5*time.Second)
	if len(got) != 2 || got[0].To[0] != "a@example.com" || got[1].To[0] != "b@example.com" {
		t.Errorf("WaitFor = %d messages", len(got))
	}
}

func TestLink(t *testing.T) {
	tests := []struct{ text, prefix, want string }{
		{"go to https://a.example/x?y=1\n", "https://a.example/", "https://a.example/x?y=1"},
		{"go to https://a.example/x.", "https://a.example/", "https://a.example/x"},
		{"<https://a.example/x> and https://a.example/y", "https://a.example/", "https://a.example/x"},
		{"\"https://a.example/x\"", "https://a.example/", "https://a.example/x"},
		{"nothing here", "https://a.example/", ""},
	}
	for _, tt := range tests {
		if got := (Mail{Text: tt.text}).Link(tt.prefix); got != tt.want {
			t.Errorf("Link(%q) in %q = %q, want %q", tt.prefix, tt.text, got, tt.want)
		}
	}
}
