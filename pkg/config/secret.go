package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// Secret is a value read from where the configuration points (an
// environment variable, a file) with the reference it came from. Every
// way of printing it shows the reference only: fmt with any verb,
// encoding/json, encoding.TextMarshaler users (YAML) and log/slog.
// Value is the one way to the value.
//
// The value sits behind a pointer: when fmt meets a verb it cannot apply
// to a pointer field (Printf("%s", cfg) reaching Config.Email), it prints
// the pointee without calling methods, and a pointer held in an
// unexported field is then shown as an address, never followed.
type Secret struct {
	source string
	value  *string
}

// NewSecret returns a Secret with the given source (what may be shown,
// such as "${AUTH_SECRET}" or "file:/run/secrets/auth") and value.
func NewSecret(source, value string) Secret { return Secret{source: source, value: &value} }

// Source is where the secret came from: "${NAME}", "file:PATH", an
// environment variable name, or for a database URL without a password the
// URL itself. Safe to print.
func (s Secret) Source() string { return s.source }

// Value is the secret itself. Never print it.
func (s Secret) Value() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// IsZero reports an unset secret.
func (s Secret) IsZero() bool { return s.Value() == "" && s.source == "" }

// String returns the source, never the value.
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return s.source
}

// GoString returns a Go-like form without the value.
func (s Secret) GoString() string {
	return "config.Secret{Source: " + strconv.Quote(s.source) + "}"
}

// Format prints the source for every verb (%v, %s, %q, %x, %d, ...), so
// that no verb reaches the value; %#v prints GoString.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, s.GoString())
	case verb == 'q':
		fmt.Fprint(f, strconv.Quote(s.String()))
	default:
		fmt.Fprint(f, s.String())
	}
}

// MarshalJSON encodes the source as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText returns the source.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue gives log/slog the source.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
