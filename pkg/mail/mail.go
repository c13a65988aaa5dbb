// Package mail sends the messages of the email sign-in flow: over SMTP
// (STARTTLS or implicit TLS, with authentication) or into an in-memory
// inbox for development. It knows nothing about sign-in itself.
package mail

import "context"

// Message is one email. To is a single, already validated address; the
// sender refuses CR, LF and other control characters in every header value.
type Message struct {
	// From is the sender, "Name <addr@host>" or "addr@host".
	From string
	// To is the one recipient address.
	To string
	// Subject is the subject line.
	Subject string
	// Text is the plain-text body.
	Text string
	// HTML is the HTML body; empty sends text only.
	HTML string
}

// Sender delivers messages.
type Sender interface {
	// Send delivers m or returns why it could not; it never returns
	// before the server accepted the message.
	Send(ctx context.Context, m Message) error
}
