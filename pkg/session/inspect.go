package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Report describes an opened token for people and for tools: what it is,
// what opened it, what it says, when it lives and what it costs in a
// cookie. Its JSON form is the stable output of `authkit session decode
// --json`; times are RFC 3339 in UTC and absent ones are null.
type Report struct {
	// Format is the encoding the token was read as.
	Format Format `json:"format"`
	// Header is the protected header as sent.
	Header json.RawMessage `json:"header"`
	// Claims is the payload as sent: its members keep their own order.
	Claims json.RawMessage `json:"claims"`
	// Salt is the HKDF salt that opened a JWE ("" for next-auth v4);
	// nil for a JWS, which has none.
	Salt *string `json:"salt"`
	// SecretIndex is the position of the secret (or key) that opened the
	// token in the list the codec was given.
	SecretIndex int `json:"secretIndex"`
	// SecretSource names that secret or key (an environment variable or
	// a file). Inspect leaves it empty: the caller knows the sources.
	SecretSource string `json:"secretSource,omitempty"`
	// IssuedAt and ExpiresAt are the iat and exp claims, when numeric.
	IssuedAt  *time.Time `json:"issuedAt"`
	ExpiresAt *time.Time `json:"expiresAt"`
	// Expired reports that exp has passed (beyond Leeway) at the time of
	// the report.
	Expired bool `json:"expired"`
	// Problem says why the token does not validate at that time (expired,
	// not valid yet, no exp, ...); nil for a valid token.
	Problem *string `json:"problem"`
	// Size is the length of the compact token in bytes.
	Size int `json:"size"`
	// ChunkSize is the longest cookie value Auth.js writes before it
	// splits the session cookie (ChunkSizeV5, or ChunkSizeV4 for v4).
	ChunkSize int `json:"chunkSize"`
	// Chunks is how many cookies the token takes: 1 when it fits.
	Chunks int `json:"chunks"`
	// LargestClaims are the biggest members of the payload, largest first
	// (at most five).
	LargestClaims []ClaimSize `json:"largestClaims"`

	// Err is the validation error behind Problem: it matches
	// ErrInvalidToken and its reason (ErrExpired, ...).
	Err error `json:"-"`
	// Issued and Expires say when, relative to the time of the report:
	// "3 hours ago", "in 30 days", "expired 2 hours ago". Empty when the
	// claim is absent.
	Issued  string `json:"-"`
	Expires string `json:"-"`
}

// ClaimSize is a payload member and its size.
type ClaimSize struct {
	Name string `json:"name"`
	// Bytes is the length of the member as it appears in the payload,
	// name, colon and value: `"name":"Ada"` is 12.
	Bytes int `json:"bytes"`
}

// largestClaimsShown is how many members Report.LargestClaims holds.
const largestClaimsShown = 5

// Inspect reports on t as of now: its time claims are judged with
// Token.Validate and described relative to now.
//
// Chunks counts the token's length only, as Auth.js splits it: the chunk
// size (4096 less 160 for v5, 163 for v4) is Auth.js's budget for the
// value once the name and attributes of an empty cookie are taken out, so
// it already counts a cookie name of the usual length. Counting the name
// again would predict a split that Auth.js does not make. A JWS is
// measured against the v5 size, the cookie authkit sets it in.
func Inspect(t *Token, now time.Time) Report {
	r := Report{
		Format:      t.Format,
		Header:      t.Header,
		Claims:      t.Payload,
		SecretIndex: t.SecretIndex,
		Size:        t.Size,
		ChunkSize:   ChunkSizeV5,
	}
	if t.Format == FormatAuthJSv4 {
		r.ChunkSize = ChunkSizeV4
	}
	if t.Format != FormatJWS {
		salt := t.Salt
		r.Salt = &salt
	}
	r.Chunks = max(1, (t.Size+r.ChunkSize-1)/r.ChunkSize)
	if at, ok := t.IssuedAt(); ok {
		u := at.UTC()
		r.IssuedAt = &u
		r.Issued = Relative(at, now)
	}
	if err := t.Validate(now); err != nil {
		msg := err.Error()
		r.Problem, r.Err = &msg, err
		r.Expired = errors.Is(err, ErrExpired)
	}
	if at, ok := t.ExpiresAt(); ok {
		u := at.UTC()
		r.ExpiresAt = &u
		r.Expires = Relative(at, now)
		if r.Expired {
			r.Expires = "expired " + r.Expires
		}
	}
	r.LargestClaims = LargestClaims(t.Payload, largestClaimsShown)
	return r
}

// NearCookieLimit reports whether the token takes more than one cookie or
// three quarters of one: the point at which its largest claims are worth
// a look.
func (r *Report) NearCookieLimit() bool {
	return r.Chunks > 1 || r.Size*4 >= r.ChunkSize*3
}

// LargestClaims returns the n largest members of the JSON object payload,
// largest first (ties in payload order). It returns an empty list when
// payload is not an object.
func LargestClaims(payload []byte, n int) []ClaimSize {
	members, err := objectMembers(payload)
	if err != nil {
		return []ClaimSize{}
	}
	slices.SortStableFunc(members, func(a, b ClaimSize) int { return b.Bytes - a.Bytes })
	return members[:min(n, len(members))]
}

// objectMembers lists the members of a JSON object in order, each with the
// length of its `"name":value` text in payload.
func objectMembers(payload []byte) ([]ClaimSize, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	out := []ClaimSize{}
	for dec.More() {
		prev := dec.InputOffset()
		tok, err := dec.Token()
		name, ok := tok.(string)
		if err != nil || !ok {
			return nil, errors.New("not a JSON object")
		}
		keyEnd := dec.InputOffset()
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		start := memberStart(payload, prev, keyEnd)
		out = append(out, ClaimSize{Name: name, Bytes: int(dec.InputOffset()) - start})
	}
	return out, nil
}

// memberStart finds where the quoted name that ends at keyEnd begins: the
// first '"' after prev, the end of the previous member, once the comma and
// white space between them are skipped.
func memberStart(payload []byte, prev, keyEnd int64) int {
	i := int(prev)
	for i < int(keyEnd) && payload[i] != '"' {
		i++
	}
	return i
}

// Relative describes t as seen at now: "in 3 days", "2 hours ago", or
// "now" within a second. See Span for the rounding.
func Relative(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d > -time.Second && d < time.Second:
		return "now"
	case d > 0:
		return "in " + Span(d)
	default:
		return Span(-d) + " ago"
	}
}

var spanUnits = []struct {
	name string
	size time.Duration
}{
	{"year", 365 * 24 * time.Hour},
	{"day", 24 * time.Hour},
	{"hour", time.Hour},
	{"minute", time.Minute},
	{"second", time.Second},
}

// Span describes a positive duration in its largest whole unit (years of
// 365 days, days, hours, minutes or seconds), rounded to the nearest: 29
// days and 23 hours is "30 days", 90 minutes "2 hours". A count that
// rounds up to the next unit is said in it: 23.6 hours is "1 day".
func Span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	for i, u := range spanUnits {
		if d < u.size && i < len(spanUnits)-1 {
			continue
		}
		n := (d + u.size/2) / u.size
		if i > 0 && n*u.size >= spanUnits[i-1].size {
			return plural(1, spanUnits[i-1].name)
		}
		return plural(int64(n), u.name)
	}
	return "0 seconds"
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// ParseClaims reads a claims set under the rules every decoder applies to
// a payload: one JSON object of valid UTF-8, no duplicate member names,
// nesting at most 64 deep, numbers that fit a float64. Numbers are
// json.Number. Errors match ErrInvalidClaims.
func ParseClaims(data []byte) (Claims, error) {
	return parseClaims(data)
}
