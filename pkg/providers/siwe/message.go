// Package siwe implements Sign-In with Ethereum (EIP-4361): a strict parser
// and serialiser of the message, and the checks a server makes before it
// accepts one (domain, URI, chain id, nonce, times and the EIP-191
// personal_sign signature, recovered with secp256k1).
//
// Decisions (security catalogue §6.7):
//   - Addresses must be EIP-55 checksummed exactly; an all-lower-case or
//     all-upper-case address with letters is refused (ErrMalformed), as the
//     EIP requires. Checksum converts one for callers that build messages.
//   - High-s (malleable) signatures are refused (ErrSignature), as EIP-2
//     does for transactions; every wallet and ethers produce low-s ones.
//   - ERC-1271 (smart-contract wallet) signatures are not supported: only
//     65-byte EOA signatures verify.
//   - Times may be off by Leeway (DefaultLeeway, 30 s) in the signer's
//     favour.
package siwe

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Limits that bound the work Parse does (the EIP leaves them to the
// implementer).
const (
	MaxMessageBytes = 16 << 10 // whole message
	MaxResources    = 64
	MaxFieldBytes   = 2048 // statement, URI, a resource, a request id
	MinNonceLen     = 8
	MaxNonceLen     = 128
)

// Sentinel errors. Every error Parse and Verify return wraps one of them.
var (
	ErrMalformed   = errors.New("malformed SIWE message")
	ErrDomain      = errors.New("SIWE domain does not match")
	ErrURI         = errors.New("SIWE URI does not match")
	ErrChain       = errors.New("SIWE chain id not accepted")
	ErrNonce       = errors.New("SIWE nonce does not match")
	ErrExpired     = errors.New("SIWE message expired")
	ErrNotYetValid = errors.New("SIWE message not yet valid")
	ErrSignature   = errors.New("invalid SIWE signature")
)

const (
	headerSuffix = " wants you to sign in with your Ethereum account:"
	// Version is the only message version EIP-4361 defines.
	Version = "1"
)

// Message is an EIP-4361 message. Times are kept as the RFC 3339 strings
// of the message so that String gives back the exact text.
type Message struct {
	Scheme         string // optional, e.g. "https"
	Domain         string // RFC 3986 authority
	Address        string // EIP-55 checksummed, 0x-prefixed
	Statement      string // optional, one line
	URI            string
	Version        string // "1"
	ChainID        uint64
	Nonce          string
	IssuedAt       string // RFC 3339
	ExpirationTime string // optional, RFC 3339
	NotBefore      string // optional, RFC 3339
	RequestID      string // optional
	Resources      []string

	raw string // the text Parse read, if any
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// String serialises m as EIP-4361 text. For a message Parse accepted it is
// the text that was parsed, byte for byte.
func (m *Message) String() string {
	var b strings.Builder
	if m.Scheme != "" {
		b.WriteString(m.Scheme + "://")
	}
	b.WriteString(m.Domain + headerSuffix + "\n")
	b.WriteString(m.Address + "\n\n")
	if m.Statement != "" {
		b.WriteString(m.Statement + "\n")
	}
	b.WriteString("\nURI: " + m.URI)
	b.WriteString("\nVersion: " + m.Version)
	b.WriteString("\nChain ID: " + strconv.FormatUint(m.ChainID, 10))
	b.WriteString("\nNonce: " + m.Nonce)
	b.WriteString("\nIssued At: " + m.IssuedAt)
	if m.ExpirationTime != "" {
		b.WriteString("\nExpiration Time: " + m.ExpirationTime)
	}
	if m.NotBefore != "" {
		b.WriteString("\nNot Before: " + m.NotBefore)
	}
	if m.RequestID != "" {
		b.WriteString("\nRequest ID: " + m.RequestID)
	}
	if len(m.Resources) > 0 {
		b.WriteString("\nResources:")
		for _, r := range m.Resources {
			b.WriteString("\n- " + r)
		}
	}
	return b.String()
}

// Validate checks every field against the EIP-4361 grammar and this
// package's limits. Parse calls it; callers that build a Message call it
// before String.
func (m *Message) Validate() error {
	if m.Scheme != "" && !isScheme(m.Scheme) {
		return malformed("invalid scheme %q", m.Scheme)
	}
	if !isAuthority(m.Domain) {
		return malformed("invalid domain %q", m.Domain)
	}
	if err := checkAddress(m.Address); err != nil {
		return err
	}
	if m.Statement != "" {
		if len(m.Statement) > MaxFieldBytes {
			return malformed("statement longer than %d bytes", MaxFieldBytes)
		}
		for i := 0; i < len(m.Statement); i++ {
			if !isStatementChar(m.Statement[i]) {
				return malformed("statement has a character outside the EIP-4361 set at byte %d", i)
			}
		}
	}
	if err := checkURI("URI", m.URI); err != nil {
		return err
	}
	if m.Version != Version {
		return malformed("version %q is not %q", m.Version, Version)
	}
	if m.ChainID == 0 {
		return malformed("chain id 0")
	}
	if len(m.Nonce) < MinNonceLen || len(m.Nonce) > MaxNonceLen {
		return malformed("nonce must be %d to %d alphanumeric characters", MinNonceLen, MaxNonceLen)
	}
	for i := 0; i < len(m.Nonce); i++ {
		if !isAlnum(m.Nonce[i]) {
			return malformed("nonce must be alphanumeric")
		}
	}
	if _, err := parseTime("Issued At", m.IssuedAt); err != nil {
		return err
	}
	if m.ExpirationTime != "" {
		if _, err := parseTime("Expiration Time", m.ExpirationTime); err != nil {
			return err
		}
	}
	if m.NotBefore != "" {
		if _, err := parseTime("Not Before", m.NotBefore); err != nil {
			return err
		}
	}
	if m.RequestID != "" {
		if len(m.RequestID) > MaxFieldBytes {
			return malformed("request id longer than %d bytes", MaxFieldBytes)
		}
		for i := 0; i < len(m.RequestID); i++ {
			if !isPchar(m.RequestID, i) {
				return malformed("request id has an invalid character at byte %d", i)
			}
		}
	}
	if len(m.Resources) > MaxResources {
		return malformed("more than %d resources", MaxResources)
	}
	for _, r := range m.Resources {
		if err := checkURI("resource", r); err != nil {
			return err
		}
	}
	return nil
}

// Parse reads an EIP-4361 message strictly: the exact line structure, LF
// line ends (a CR anywhere is refused), no trailing newline, no unknown,
// duplicated or misordered field, every value checked by Validate. The
// work is linear in the input, which is capped at MaxMessageBytes.
func Parse(text string) (*Message, error) {
	if len(text) > MaxMessageBytes {
		return nil, malformed("longer than %d bytes", MaxMessageBytes)
	}
	if strings.IndexByte(text, '\r') >= 0 {
		return nil, malformed("CR in message (lines end with LF only)")
	}
	lines := strings.Split(text, "\n")
	if len(lines) > MaxResources+16 {
		return nil, malformed("too many lines")
	}
	m := &Message{raw: text}
	i := 0
	next := func() (string, bool) {
		if i >= len(lines) {
			return "", false
		}
		l := lines[i]
		i++
		return l, true
	}
	header, _ := next()
	authority, ok := strings.CutSuffix(header, headerSuffix)
	if !ok {
		return nil, malformed("line 1 must end with %q", headerSuffix)
	}
	if s, d, ok := strings.Cut(authority, "://"); ok {
		if s == "" {
			return nil, malformed("empty scheme before \"://\"")
		}
		m.Scheme, m.Domain = s, d
	} else {
		m.Domain = authority
	}
	addr, ok := next()
	if !ok {
		return nil, malformed("missing address line")
	}
	m.Address = addr
	if l, ok := next(); !ok || l != "" {
		return nil, malformed("line 3 must be empty")
	}
	l, ok := next()
	if !ok {
		return nil, malformed("missing URI line")
	}
	if l != "" {
		if strings.HasPrefix(l, "URI: ") {
			return nil, malformed("missing blank line before URI")
		}
		m.Statement = l
		if l2, ok := next(); !ok || l2 != "" {
			return nil, malformed("missing blank line after statement")
		}
	}
	field := func(name string) (string, error) {
		l, ok := next()
		if !ok {
			return "", malformed("missing %q line", name)
		}
		v, ok := strings.CutPrefix(l, name+": ")
		if !ok {
			return "", malformed("line %d must be %q", i, name+": ...")
		}
		return v, nil
	}
	var err error
	if m.URI, err = field("URI"); err != nil {
		return nil, err
	}
	if m.Version, err = field("Version"); err != nil {
		return nil, err
	}
	chain, err := field("Chain ID")
	if err != nil {
		return nil, err
	}
	if m.ChainID, err = parseChainID(chain); err != nil {
		return nil, err
	}
	if m.Nonce, err = field("Nonce"); err != nil {
		return nil, err
	}
	if m.IssuedAt, err = field("Issued At"); err != nil {
		return nil, err
	}
	// Optional fields, each at most once, in this order.
	optional := []struct {
		name string
		dst  *string
	}{
		{"Expiration Time", &m.ExpirationTime},
		{"Not Before", &m.NotBefore},
		{"Request ID", &m.RequestID},
	}
	for _, o := range optional {
		if i < len(lines) {
			if v, ok := strings.CutPrefix(lines[i], o.name+": "); ok {
				if v == "" {
					return nil, malformed("empty %q", o.name)
				}
				*o.dst = v
				i++
			}
		}
	}
	if i < len(lines) && lines[i] == "Resources:" {
		i++
		if i >= len(lines) {
			return nil, malformed("empty resource list")
		}
		for i < len(lines) {
			r, ok := strings.CutPrefix(lines[i], "- ")
			if !ok {
				return nil, malformed("line %d is not a resource (\"- URI\")", i+1)
			}
			m.Resources = append(m.Resources, r)
			i++
		}
	}
	if i < len(lines) {
		if lines[i] == "" && i == len(lines)-1 {
			return nil, malformed("trailing newline")
		}
		return nil, malformed("unexpected line %d", i+1)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func parseChainID(s string) (uint64, error) {
	if s == "" || len(s) > 20 || (len(s) > 1 && s[0] == '0') {
		return 0, malformed("invalid chain id %q", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, malformed("invalid chain id %q", s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return 0, malformed("invalid chain id %q", s)
	}
	return n, nil
}

// parseTime accepts RFC 3339 date-times with an upper-case T and Z:
// YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM).
func parseTime(name, s string) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, malformed("%s %q is not an RFC 3339 date-time", name, s)
	}
	if len(s) < 20 || len(s) > 40 {
		return bad()
	}
	const layout = "dddd-dd-ddTdd:dd:dd"
	for i := 0; i < len(layout); i++ {
		if layout[i] == 'd' {
			if s[i] < '0' || s[i] > '9' {
				return bad()
			}
		} else if s[i] != layout[i] {
			return bad()
		}
	}
	rest := s[len(layout):]
	if strings.HasPrefix(rest, ".") {
		j := 1
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j == 1 {
			return bad()
		}
		rest = rest[j:]
	}
	switch {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
		isDigit(rest[1]) && isDigit(rest[2]) && isDigit(rest[4]) && isDigit(rest[5]):
	default:
		return bad()
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return bad()
	}
	return t, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
func isUnreserved(c byte) bool { return isAlnum(c) || strings.IndexByte("-._~", c) >= 0 }
func isSubDelim(c byte) bool   { return strings.IndexByte("!$&'()*+,;=", c) >= 0 }
func isGenDelim(c byte) bool   { return strings.IndexByte(":/?#[]@", c) >= 0 }

// isStatementChar: statement = 1*( reserved / unreserved / " " ).
func isStatementChar(c byte) bool {
	return c == ' ' || isUnreserved(c) || isSubDelim(c) || isGenDelim(c)
}

// isPchar reports whether s[i] belongs to a pchar, with "%" taking two hex
// digits after it.
func isPchar(s string, i int) bool {
	c := s[i]
	if c == '%' {
		return i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2])
	}
	return isUnreserved(c) || isSubDelim(c) || c == ':' || c == '@'
}

func isScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) || len(s) > 32 {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// isAuthority checks an RFC 3986 authority: [userinfo "@"] host [":" port],
// ASCII only (so no homoglyph domains), with a reg-name or an IP literal.
func isAuthority(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		ui := s[:at]
		for i := 0; i < len(ui); i++ {
			c := ui[i]
			if !(isUnreserved(c) || isSubDelim(c) || c == ':' || c == '%') {
				return false
			}
		}
		s = s[at+1:]
	}
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return false
		}
		host, port = s[:end+1], s[end+1:]
		inner := host[1 : len(host)-1]
		if inner == "" {
			return false
		}
		for i := 0; i < len(inner); i++ {
			c := inner[i]
			if !(isHex(c) || c == ':' || c == '.') {
				return false
			}
		}
		if port != "" {
			if port[0] != ':' {
				return false
			}
			port = port[1:]
		}
	} else if c := strings.LastIndexByte(s, ':'); c >= 0 {
		host, port = s[:c], s[c+1:]
		if port == "" {
			return false
		}
	}
	if host == "" {
		return false
	}
	if !strings.HasPrefix(host, "[") {
		for i := 0; i < len(host); i++ {
			c := host[i]
			if !(isUnreserved(c) || isSubDelim(c) || c == '%') {
				return false
			}
		}
	}
	if len(port) > 5 {
		return false
	}
	for i := 0; i < len(port); i++ {
		if !isDigit(port[i]) {
			return false
		}
	}
	return true
}

// checkURI accepts an absolute RFC 3986 URI of printable ASCII.
func checkURI(name, s string) error {
	if s == "" || len(s) > MaxFieldBytes {
		return malformed("%s must be 1 to %d bytes", name, MaxFieldBytes)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0 {
			return malformed("%s %q has an invalid character", name, s)
		}
	}
	colon := strings.IndexByte(s, ':')
	if colon < 1 || !isScheme(s[:colon]) {
		return malformed("%s %q is not an absolute URI", name, s)
	}
	if _, err := url.Parse(s); err != nil {
		return malformed("%s %q is not a URI", name, s)
	}
	return nil
}

// ParseTimes returns the message's times; zero values for absent ones.
func (m *Message) ParseTimes() (issuedAt, expiration, notBefore time.Time, err error) {
	if issuedAt, err = parseTime("Issued At", m.IssuedAt); err != nil {
		return
	}
	if m.ExpirationTime != "" {
		if expiration, err = parseTime("Expiration Time", m.ExpirationTime); err != nil {
			return
		}
	}
	if m.NotBefore != "" {
		notBefore, err = parseTime("Not Before", m.NotBefore)
	}
	return
}
