package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/mail"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		url  string
		want mail.SMTPConfig
	}{
		{"smtp://user:pass@smtp.example.com:587", mail.SMTPConfig{Host: "smtp.example.com", Port: 587, Username: "user", Password: "pass", RequireTLS: true}},
		{"smtp://user:pass@smtp.example.com", mail.SMTPConfig{Host: "smtp.example.com", Port: 587, Username: "user", Password: "pass", RequireTLS: true}},
		{"smtp://smtp.example.com:2525", mail.SMTPConfig{Host: "smtp.example.com", Port: 2525, RequireTLS: true}},
		{"smtps://user:pass@smtp.example.com", mail.SMTPConfig{Host: "smtp.example.com", Port: 465, Username: "user", Password: "pass", ImplicitTLS: true}},
		{"smtps://user:pass@smtp.example.com:2465", mail.SMTPConfig{Host: "smtp.example.com", Port: 2465, Username: "user", Password: "pass", ImplicitTLS: true}},
		{"SMTPS://smtp.example.com/", mail.SMTPConfig{Host: "smtp.example.com", Port: 465, ImplicitTLS: true}},
		{"smtp://127.0.0.1:1025", mail.SMTPConfig{Host: "127.0.0.1", Port: 1025}},
		{"smtp://user:pass@localhost:1025", mail.SMTPConfig{Host: "localhost", Port: 1025, Username: "user", Password: "pass"}},
		{"smtp://[::1]:25", mail.SMTPConfig{Host: "::1", Port: 25}},
		{"smtp://localhost:1025?starttls=required", mail.SMTPConfig{Host: "localhost", Port: 1025, RequireTLS: true}},
		{"smtp://relay.internal:25?starttls=optional", mail.SMTPConfig{Host: "relay.internal", Port: 25}},
		{"smtp://user:pass@smtp.example.com?starttls=required&timeout=5s", mail.SMTPConfig{Host: "smtp.example.com", Port: 587, Username: "user", Password: "pass", RequireTLS: true, Timeout: 5 * time.Second}},
		{"smtp://apikey:p%40ss%2Fw%23rd%3A@smtp.example.com", mail.SMTPConfig{Host: "smtp.example.com", Port: 587, Username: "apikey", Password: "p@ss/w#rd:", RequireTLS: true}},
		{"smtp://me%40example.com:pass@smtp.example.com", mail.SMTPConfig{Host: "smtp.example.com", Port: 587, Username: "me@example.com", Password: "pass", RequireTLS: true}},
		{"  smtp://smtp.example.com  ", mail.SMTPConfig{Host: "smtp.example.com", Port: 587, RequireTLS: true}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := mail.ParseURL(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if got.Host != tt.want.Host || got.Port != tt.want.Port || got.Username != tt.want.Username || got.Password != tt.want.Password ||
				got.ImplicitTLS != tt.want.ImplicitTLS || got.RequireTLS != tt.want.RequireTLS || got.Timeout != tt.want.Timeout || got.TLSConfig != nil {
				t.Errorf("ParseURL = %#v (password %q), want %#v (password %q)", got, got.Password, tt.want, tt.want.Password)
			}
			if _, err := mail.NewSMTP(*got); err != nil {
				t.Errorf("NewSMTP refuses what ParseURL made: %v", err)
			}
		})
	}
}

func TestParseURLRejects(t *testing.T) {
	const pw = "Sup3rS3cretPW"
	tests := []struct{ url, want string }{
		{"", "does not start with smtp:// or smtps://"},
		{"https://u:" + pw + "@mail.acme.test", "does not start with smtp:// or smtps://"},
		{"u:" + pw + "@mail.acme.test", "does not start with smtp:// or smtps://"},
		{"smtp:u:" + pw + "@mail.acme.test", "does not start with smtp:// or smtps://"},
		{"smtp://", "has no host"},
		{"smtp://u:" + pw + "@:587", "has no host"},
		{"smtp://u:" + pw + "@mail.acme.test:99999", "port is not a number from 1 to 65535"},
		{"smtp://u:" + pw + "@mail.acme.test:0", "port is not a number from 1 to 65535"},
		{"smtp://u:" + pw + "@mail.acme.test:smtp", "not a valid URL"},
		{"smtp://u:" + pw + "%zz@mail.acme.test", "not a valid URL"},
		{"smtp://u:Sup3r/S3cretPW@mail.acme.test", "not a valid URL"},
		{"smtp://u:Sup3rS3c#retPW@mail.acme.test", "not a valid URL"},
		{"smtp://u:" + pw + "@mail.acme.test/inbox", "has a path after the host"},
		{"smtp://u:" + pw + "@mail.acme.test#frag", "has a # fragment"},
		{"smtp://u@mail.acme.test", "names a user but no password"},
		{"smtp://u:@mail.acme.test", "names a user but no password"},
		{"smtp://:" + pw + "@mail.acme.test", "has a password but no user"},
		{"smtp://u:" + pw + "@mail.acme.test?starttls=optional", "would send the password to mail.acme.test without requiring TLS"},
		{"smtp://u:" + pw + "@10.0.0.5:25?starttls=optional", "would send the password to 10.0.0.5 without requiring TLS"},
		{"smtps://u:" + pw + "@mail.acme.test?starttls=required", "starttls does not apply to smtps://"},
		{"smtp://u:" + pw + "@mail.acme.test?starttls=yes", "starttls must be required or optional"},
		{"smtp://u:" + pw + "@mail.acme.test?timeout=-1s", "timeout must be a positive duration"},
		{"smtp://u:" + pw + "@mail.acme.test?timeout=soon", "timeout must be a positive duration"},
		{"smtp://u:" + pw + "@mail.acme.test?tls=off", `unknown parameter "tls"`},
		{"smtp://u:" + pw + "@mail.acme.test?x=%zz", "query is not valid"},
		{"smtp://u:Sup3rS3cretPW%0A@mail.acme.test", "holds a control character"},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.url, pw, "PW"), func(t *testing.T) {
			cfg, err := mail.ParseURL(tt.url)
			if err == nil {
				t.Fatalf("ParseURL = %v, want an error", cfg)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "authkit: cannot read the SMTP URL: ") || !strings.Contains(msg, tt.want) || !strings.Contains(msg, "; ") {
				t.Errorf("error %q, want it to hold %q and a fix", strings.ReplaceAll(msg, pw, "<PASSWORD>"), tt.want)
			}
			for _, leak := range []string{pw, "S3cret", "Sup3r", "mail.acme.test:"} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q shows the URL or its password (%q)", strings.ReplaceAll(msg, pw, "<PASSWORD>"), leak)
				}
			}
		})
	}
}

func TestNewSMTPRefusesPlaintextAuth(t *testing.T) {
	tests := []struct {
		cfg mail.SMTPConfig
		ok  bool
	}{
		{mail.SMTPConfig{Host: "smtp.example.com", Username: "u", Password: "pw"}, false},
		{mail.SMTPConfig{Host: "10.1.2.3", Port: 25, Username: "u", Password: "pw"}, false},
		{mail.SMTPConfig{Host: "localhost.example.com", Username: "u", Password: "pw"}, false},
		{mail.SMTPConfig{Host: "smtp.example.com", Username: "u", Password: "pw", RequireTLS: true}, true},
		{mail.SMTPConfig{Host: "smtp.example.com", Username: "u", Password: "pw", ImplicitTLS: true}, true},
		{mail.SMTPConfig{Host: "smtp.example.com"}, true},
		{mail.SMTPConfig{Host: "127.0.0.1", Username: "u", Password: "pw"}, true},
		{mail.SMTPConfig{Host: "127.0.0.2", Username: "u", Password: "pw"}, true},
		{mail.SMTPConfig{Host: "::1", Username: "u", Password: "pw"}, true},
		{mail.SMTPConfig{Host: "localhost", Username: "u", Password: "pw"}, true},
	}
	for _, tt := range tests {
		_, err := mail.NewSMTP(tt.cfg)
		if tt.ok && err != nil {
			t.Errorf("NewSMTP(%s) = %v", tt.cfg.Redacted(), err)
		}
		if !tt.ok && (err == nil || !strings.Contains(err.Error(), "authkit: cannot set up the SMTP sender: it would send the password to "+tt.cfg.Host+" without requiring TLS")) {
			t.Errorf("NewSMTP(%s) = %v, want a refusal", tt.cfg.Redacted(), err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("error %q shows the password", err)
		}
	}
}

func TestNewSMTPRejects(t *testing.T) {
	tests := []struct {
		cfg  mail.SMTPConfig
		want string
	}{
		{mail.SMTPConfig{}, "the host is empty"},
		{mail.SMTPConfig{Host: "smtp.example.com:587"}, ""},
		{mail.SMTPConfig{Host: "smtp example.com"}, "not a host name"},
		{mail.SMTPConfig{Host: "smtp.example.com", Port: 70000}, "port"},
		{mail.SMTPConfig{Host: "smtp.example.com", Username: "u", RequireTLS: true}, "names a user but no password"},
		{mail.SMTPConfig{Host: "smtp.example.com", Username: "u", Password: "pw\n", RequireTLS: true}, "control character"},
		{mail.SMTPConfig{Host: "smtp.example.com", Timeout: -time.Second}, "timeout is negative"},
	}
	for _, tt := range tests {
		_, err := mail.NewSMTP(tt.cfg)
		if tt.want == "" {
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), "authkit: cannot set up the SMTP sender: ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewSMTP(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

func TestRedacted(t *testing.T) {
	tests := []struct {
		url, want string
	}{
		{"smtp://user:secretpw@smtp.example.com", "smtp://user:xxxxx@smtp.example.com:587"},
		{"smtps://user:secretpw@smtp.example.com", "smtps://user:xxxxx@smtp.example.com:465"},
		{"smtp://tok3n-value:tok3n-value@smtp.example.com", "smtp://xxxxx:xxxxx@smtp.example.com:587"},
		{"smtp://127.0.0.1:1025", "smtp://127.0.0.1:1025"},
		{"smtp://127.0.0.1:1025?starttls=required", "smtp://127.0.0.1:1025?starttls=required"},
		{"smtp://relay.internal?starttls=optional&timeout=5s", "smtp://relay.internal:587?starttls=optional&timeout=5s"},
		{"smtp://[::1]:25", "smtp://[::1]:25"},
	}
	for _, tt := range tests {
		cfg, err := mail.ParseURL(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Redacted(); got != tt.want {
			t.Errorf("Redacted(%s) = %q, want %q", tt.want, got, tt.want)
		}
		if back, err := mail.ParseURL(cfg.Redacted()); err != nil || back.Host != cfg.Host || back.Port != cfg.Port || back.RequireTLS != cfg.RequireTLS || back.ImplicitTLS != cfg.ImplicitTLS {
			t.Errorf("ParseURL(Redacted()) = %v, %v: not the same server", back, err)
		}
	}
}
