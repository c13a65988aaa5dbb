package mail

import (
	"errors"
	"net/smtp"
	"testing"
)

func TestPlainAuthRefusesPlaintextToRemote(t *testing.T) {
	tests := []struct {
		tls, loopback, ok bool
	}{
		{tls: false, loopback: false, ok: false},
		{tls: false, loopback: true, ok: true},
		{tls: true, loopback: false, ok: true},
		{tls: true, loopback: true, ok: true},
	}
	for _, tt := range tests {
		a := &plainAuth{user: "u", pass: "pw", loopback: tt.loopback}
		mech, resp, err := a.Start(&smtp.ServerInfo{Name: "smtp.example.com", TLS: tt.tls, Auth: []string{"PLAIN"}})
		if tt.ok {
			if err != nil || mech != "PLAIN" || string(resp) != "\x00u\x00pw" {
				t.Errorf("tls=%v loopback=%v: Start = %q, %q, %v", tt.tls, tt.loopback, mech, resp, err)
			}
			continue
		}
		if !errors.Is(err, errPlaintextAuth) || resp != nil {
			t.Errorf("tls=%v loopback=%v: Start = %q, %v; want a refusal and no credentials", tt.tls, tt.loopback, resp, err)
		}
	}
}

func TestFoldHeader(t *testing.T) {
	got, err := foldHeader(len("Subject: "), "one two three four five six seven eight nine ten eleven twelve thirteen fourteen")
	if err != nil {
		t.Fatal(err)
	}
	want := "one two three four five six seven eight nine ten eleven twelve\r\n thirteen fourteen"
	if got != want {
		t.Errorf("foldHeader = %q, want %q", got, want)
	}
	if _, err := foldHeader(9, string(make([]byte, 901))); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("foldHeader of a 901-byte word = %v, want ErrInvalidMessage", err)
	}
}
