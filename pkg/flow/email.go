package flow

import (
	"net/url"
	"time"

	"github.com/authkit-dev/authkit/pkg/mail"
)

// EmailProviderID is the provider id of email (magic link) sign-in.
const EmailProviderID = "email"

// EmailConfig configures the email (magic link) sign-in.
type EmailConfig struct {
	// Sender delivers the sign-in links.
	Sender mail.Sender
	// From is the sender address of the messages.
	From string
	// MaxAge is how long a link stays valid; 24 hours when zero.
	MaxAge time.Duration
}

func (h *Handler) emailSignIn(res *response, body url.Values) {}

func (h *Handler) emailCallback(res *response, body url.Values) {}
