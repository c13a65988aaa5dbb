package mail

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidMessage is wrapped by the error of Send and Validate when a
// message is refused before anything is sent: a header value with a line
// break or another control character, a recipient that is not exactly one
// plain address, an empty or invalid sender, or no text body. Callers that
// take the recipient from a form can answer it as the user's mistake.
var ErrInvalidMessage = errors.New("invalid message")

// maxHeaderLine is the longest header line a message may carry (RFC 5322
// allows 998 characters; this keeps a margin).
const maxHeaderLine = 900

// sendError is the error of the senders: a cause and the fix, in the
// authkit style, wrapping the error it came from.
type sendError struct {
	cause, fix string
	err        error
}

func (e *sendError) Error() string {
	return "authkit: cannot send the sign-in email: " + e.cause + "; " + e.fix
}

func (e *sendError) Unwrap() error { return e.err }

func invalid(cause, fix string) error {
	return &sendError{cause: cause, fix: fix, err: ErrInvalidMessage}
}

// envelope is what the SMTP transaction needs besides the data.
type envelope struct {
	from, to string
}

// Validate reports whether m can be sent, with the error Send would
// return: the rules are the same for every sender, the SMTP one and the
// development inbox alike. A nil error means Send will not refuse m itself.
func (m Message) Validate() error {
	_, _, err := m.build(time.Now())
	return err
}

// build checks m and renders it as an RFC 5322 message with CRLF line
// endings: a text/plain part, or multipart/alternative when HTML is set,
// both quoted-printable.
func (m Message) build(now time.Time) (envelope, []byte, error) {
	from, err := parseFrom(m.From)
	if err != nil {
		return envelope{}, nil, err
	}
	if err := checkRecipient(m.To); err != nil {
		return envelope{}, nil, err
	}
	if err := checkHeaderValue("subject", m.Subject); err != nil {
		return envelope{}, nil, err
	}
	if strings.TrimSpace(m.Text) == "" {
		return envelope{}, nil, invalid("the message has no text body", "set Message.Text; the HTML part is optional and never sent alone")
	}
	subject, err := foldHeader(len("Subject: "), mime.QEncoding.Encode("utf-8", m.Subject))
	if err != nil {
		return envelope{}, nil, err
	}
	fromHeader := from.String()
	if len(fromHeader) > maxHeaderLine {
		return envelope{}, nil, invalid("the sender is longer than 900 characters", "shorten the display name in email.from")
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]

	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", fromHeader)
	header("To", m.To)
	header("Subject", subject)
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+rand.Text()+"@"+domain+">")
	header("MIME-Version", "1.0")
	if m.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return envelope{}, nil, err
		}
	} else {
		mw := multipart.NewWriter(&b)
		header("Content-Type", "multipart/alternative;\r\n boundary="+mw.Boundary())
		b.WriteString("\r\n")
		for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
			w, err := mw.CreatePart(textproto.MIMEHeader{
				"Content-Type":              {p.typ + "; charset=utf-8"},
				"Content-Transfer-Encoding": {"quoted-printable"},
			})
			if err != nil {
				return envelope{}, nil, err
			}
			if err := writeQP(w, p.body); err != nil {
				return envelope{}, nil, err
			}
		}
		if err := mw.Close(); err != nil {
			return envelope{}, nil, err
		}
	}
	return envelope{from: from.Address, to: m.To}, b.Bytes(), nil
}

// writeQP writes body quoted-printable with CRLF line breaks.
func writeQP(w io.Writer, body string) error {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\r", "\n")
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, body); err != nil {
		return err
	}
	return qp.Close()
}

// parseFrom parses the sender: one address, with or without a display name.
func parseFrom(from string) (*netmail.Address, error) {
	const fix = "write email.from as auth@example.com or Example <auth@example.com>"
	if strings.TrimSpace(from) == "" {
		return nil, invalid("the sender address is empty", "set email.from in authkit.yaml, such as Example <auth@example.com>")
	}
	if err := checkHeaderValue("sender", from); err != nil {
		return nil, err
	}
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, invalid(fmt.Sprintf("the sender %s is not one email address", quote(from)), fix)
	}
	if !plainAddress(a.Address) {
		return nil, invalid(fmt.Sprintf("the sender address %s is not a plain ASCII address", quote(a.Address)), fix)
	}
	return a, nil
}

// checkRecipient accepts exactly one plain address: what net/mail parses
// must be the very string given, with no display name, no quoting, no list
// and no routing, so that the envelope and the To header cannot disagree.
func checkRecipient(to string) error {
	const fix = "ask for one plain address such as name@example.com"
	if to == "" {
		return invalid("the recipient address is empty", fix)
	}
	if err := checkHeaderValue("recipient address", to); err != nil {
		return err
	}
	a, err := netmail.ParseAddress(to)
	if err != nil || a.Name != "" || a.Address != to || !plainAddress(to) {
		return invalid(fmt.Sprintf("the recipient %s is not exactly one plain email address", quote(to)), fix)
	}
	return nil
}

// plainAddress reports whether addr is local@domain in printable ASCII
// without quotes, brackets, spaces, commas or a second @.
func plainAddress(addr string) bool {
	if len(addr) > 254 || strings.Count(addr, "@") != 1 {
		return false
	}
	local, domain, _ := strings.Cut(addr, "@")
	if local == "" || domain == "" || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return false
	}
	for _, r := range addr {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`"\(),:;<>[]`, r) {
			return false
		}
	}
	return true
}

// checkHeaderValue refuses what could end a header line or hide in one:
// invalid UTF-8, C0 and C1 control characters (CR, LF, TAB, NUL, NEL...)
// and the Unicode line and paragraph separators.
func checkHeaderValue(field, v string) error {
	if !utf8.ValidString(v) {
		return invalid("the "+field+" is not valid UTF-8", "pass text, not bytes")
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return invalid(fmt.Sprintf("the %s %s holds a line break or another control character", field, quote(v)), "header values are one line of plain text; remove it (this is how header injection is attempted)")
		}
	}
	return nil
}

// foldHeader folds an encoded header value at its spaces so that lines stay
// near 76 characters; first is the length of the field name before it.
func foldHeader(first int, v string) (string, error) {
	var out strings.Builder
	line := first
	for i, w := range strings.Split(v, " ") {
		if len(w) > maxHeaderLine {
			return "", invalid("the subject has a word longer than 900 characters", "shorten the subject")
		}
		switch {
		case i == 0:
		case line+1+len(w) > 76 && line > 1:
			out.WriteString("\r\n")
			line = 0
			fallthrough
		default:
			out.WriteByte(' ')
			line++
		}
		out.WriteString(w)
		line += len(w)
	}
	return out.String(), nil
}

// quote shows a value in an error: quoted, escaped, and cut at 80 bytes.
func quote(v string) string {
	if len(v) > 80 {
		v = v[:80] + "..."
	}
	return fmt.Sprintf("%q", v)
}
