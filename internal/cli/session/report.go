package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	authsession "github.com/authkit-dev/authkit/pkg/session"
)

// show prints the report on an opened token, and fails (exit 4) when the
// token does not validate at the plan's time: its claims are shown first.
func (p *decodePlan) show(f *cmdutil.Factory, t *authsession.Token, op opener) error {
	r := authsession.Inspect(t, p.now)
	r.SecretSource = op.sources[t.SecretIndex]
	var err error
	if p.opts.JSON {
		err = cmdutil.PrintJSON(f.IO.Out, r)
	} else {
		err = writeReport(f.IO.Out, t, &r, len(op.sources))
	}
	if err != nil {
		return cmdutil.OutputError(err)
	}
	if r.Err != nil {
		return p.problem(&r)
	}
	return nil
}

// problem turns a validation failure into the command's error (exit 4).
func (p *decodePlan) problem(r *authsession.Report) error {
	when := "now"
	if p.opts.At != "" {
		when = "at --at " + p.now.UTC().Format(time.RFC3339)
	}
	var cause, fix string
	switch {
	case r.Expired:
		cause = fmt.Sprintf("the token %s (at %s), judged %s", r.Expires, r.ExpiresAt.Format(time.RFC3339), when)
		fix = "sign in again for a new token; --at judges it at another time"
	case errors.Is(r.Err, authsession.ErrNotYetValid):
		cause = "the token is not valid yet: " + detailOf(r.Err) + ", judged " + when
		fix = "check the clock of the machine that made it; --at judges it at another time"
	case errors.Is(r.Err, authsession.ErrMissingExp):
		cause = "the token has no exp claim: authkit accepts no token that never expires"
		fix = "make tokens with an expiry (Auth.js always sets exp)"
	default:
		cause = "its claims are invalid: " + detailOf(r.Err)
		fix = "the token was made by a faulty encoder; make a new one"
	}
	return credentialError(errors.New(cause), fix)
}

// largestInline is how many of the largest claims the header block names.
const largestInline = 3

// writeReport prints r for people: a header block (with the three largest
// claims on one line), the claims in their own order, and the list of the
// largest claims when the token nears the cookie budget. Everything that
// comes from the token passes through Safe.
func writeReport(out io.Writer, t *authsession.Token, r *authsession.Report, secrets int) error {
	w := &cmdutil.ErrWriter{W: out}
	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-9s %s\n", label+":", fmt.Sprintf(format, args...))
	}
	line("format", "%s", cmdutil.Safe(formatName(t)))
	label := "secret"
	if t.Format == authsession.FormatJWS {
		label = "key"
	}
	line(label, "%s (%d of %d)", cmdutil.Safe(r.SecretSource), r.SecretIndex+1, secrets)
	switch {
	case r.Salt == nil:
	case *r.Salt == "":
		line("salt", "none (next-auth v4 derives its key without one)")
	default:
		line("salt", "%s", cmdutil.Safe(*r.Salt))
	}
	line("issued", "%s", when(r.IssuedAt, r.Issued, "no iat claim"))
	line("expires", "%s", when(r.ExpiresAt, r.Expires, "no exp claim"))
	line("size", "%s", sizeText(r))
	if len(r.LargestClaims) > 0 {
		line("largest", "%s", largestText(r.LargestClaims[:min(largestInline, len(r.LargestClaims))]))
	}
	line("status", "%s", status(r))
	line("header", "%s", cmdutil.Safe(string(r.Header)))
	fmt.Fprintln(w, "\nclaims:")
	writeJSON(w, r.Claims)
	if r.NearCookieLimit() && len(r.LargestClaims) > 0 {
		fmt.Fprintln(w, "\nlargest claims:")
		width := 0
		for _, c := range r.LargestClaims {
			width = max(width, len(cmdutil.Safe(c.Name)))
		}
		for _, c := range r.LargestClaims {
			fmt.Fprintf(w, "  %-*s  %d bytes\n", width, cmdutil.Safe(c.Name), c.Bytes)
		}
	}
	return w.Err
}

// largestText lists claims on one line: "picture 5523 bytes, jti 44 bytes"
// (a name that is empty or holds a space or comma is quoted).
func largestText(claims []authsession.ClaimSize) string {
	parts := make([]string, len(claims))
	for i, c := range claims {
		name := cmdutil.Safe(c.Name)
		if name == "" || strings.ContainsAny(name, " ,") {
			name = cmdutil.Quote(c.Name)
		}
		parts[i] = fmt.Sprintf("%s %d bytes", name, c.Bytes)
	}
	return strings.Join(parts, ", ")
}

func when(at *time.Time, relative, missing string) string {
	if at == nil {
		return missing
	}
	return at.Format(time.RFC3339) + " (" + relative + ")"
}

func sizeText(r *authsession.Report) string {
	if r.Chunks == 1 {
		return fmt.Sprintf("%d bytes, fits one cookie (Auth.js splits above %d)", r.Size, r.ChunkSize)
	}
	return fmt.Sprintf("%d bytes, %d cookies (Auth.js splits above %d)", r.Size, r.Chunks, r.ChunkSize)
}

func status(r *authsession.Report) string {
	switch {
	case r.Err == nil:
		return "valid"
	case r.Expired:
		return "EXPIRED (" + r.Expires + ")"
	}
	return "INVALID (" + cmdutil.Safe(*r.Problem) + ")"
}

// writeJSON pretty-prints a JSON document, keeping its members' order,
// each line through Safe (JSON allows raw U+2028, bidi controls, C1
// controls in strings).
func writeJSON(w io.Writer, doc []byte) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, doc, "", "  "); err != nil {
		buf.Reset()
		buf.Write(doc)
	}
	for l := range strings.Lines(buf.String()) {
		fmt.Fprintln(w, cmdutil.Safe(strings.TrimSuffix(l, "\n")))
	}
}
