package session

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The chunk sizes of the session cookie: 4096 minus Auth.js's estimate of
// an empty cookie's size.
const (
	ChunkSizeV5 = 3936
	ChunkSizeV4 = 3933
)

// MaxCookieHeader is the longest Cookie header ParseCookieHeader reads;
// longer ones are refused before they are split.
const MaxCookieHeader = 64 << 10

// MaxCookieSize is the longest single cookie value ReadChunked accepts:
// browsers store no cookie longer than 4096 bytes, name included.
const MaxCookieSize = 4096

// maxChunks bounds how many chunk cookies are joined.
const maxChunks = 16

// ChunkSize returns the session cookie chunk size of an Auth.js version.
func ChunkSize(v Version) int {
	if v == V4 {
		return ChunkSizeV4
	}
	return ChunkSizeV5
}

// CookieNames are the names of the cookies Auth.js sets.
type CookieNames struct {
	SessionToken     string
	CallbackURL      string
	CSRFToken        string
	PKCECodeVerifier string
	State            string
	Nonce            string
	Challenge        string
}

// Names returns the cookie names of an Auth.js version. With secure on
// (https), names get the __Secure- prefix and the CSRF cookie __Host-.
func Names(v Version, secure bool) CookieNames {
	base := "authjs"
	if v == V4 {
		base = "next-auth"
	}
	p, host := "", ""
	if secure {
		p, host = "__Secure-", "__Host-"
	}
	n := CookieNames{
		SessionToken:     p + base + ".session-token",
		CallbackURL:      p + base + ".callback-url",
		CSRFToken:        host + base + ".csrf-token",
		PKCECodeVerifier: p + base + ".pkce.code_verifier",
		State:            p + base + ".state",
		Nonce:            p + base + ".nonce",
	}
	if v != V4 {
		n.Challenge = p + base + ".challenge"
	}
	return n
}

// CookieOptions are the attributes of a session cookie. The zero value
// gives Auth.js's defaults: Path=/, HttpOnly, SameSite=Lax.
type CookieOptions struct {
	Secure   bool
	Path     string
	Domain   string
	SameSite http.SameSite
	Expires  time.Time
}

// SessionCookies returns the cookies that set the session token value
// under name: one cookie when it fits size, otherwise name.0, name.1, ...
// Every chunk cookie in existing (the request's cookies) that is not
// rewritten is cleared with Max-Age=0, so going from chunked to unchunked
// and back leaves nothing stale. An empty value clears the session.
func SessionCookies(name, value string, size int, opts CookieOptions, existing []*http.Cookie) []*http.Cookie {
	var chunks []*http.Cookie
	switch {
	case value == "":
	case len(value) <= size:
		chunks = append(chunks, sessionCookie(name, value, opts))
	default:
		for i := 0; i*size < len(value); i++ {
			end := min((i+1)*size, len(value))
			chunks = append(chunks, sessionCookie(name+"."+strconv.Itoa(i), value[i*size:end], opts))
		}
	}
	written := make(map[string]bool, len(chunks))
	for _, c := range chunks {
		written[c.Name] = true
	}
	var out []*http.Cookie
	seen := make(map[string]bool)
	for _, c := range existing {
		if seen[c.Name] || written[c.Name] {
			continue
		}
		if _, ok := chunkIndex(name, c.Name); ok || c.Name == name {
			seen[c.Name] = true
			clear := sessionCookie(c.Name, "", opts)
			clear.MaxAge = -1
			clear.Expires = time.Time{}
			out = append(out, clear)
		}
	}
	if value == "" && !seen[name] && len(out) == 0 {
		clear := sessionCookie(name, "", opts)
		clear.MaxAge = -1
		clear.Expires = time.Time{}
		out = append(out, clear)
	}
	return append(out, chunks...)
}

func sessionCookie(name, value string, opts CookieOptions) *http.Cookie {
	path := opts.Path
	if path == "" {
		path = "/"
	}
	sameSite := opts.SameSite
	if sameSite == 0 {
		sameSite = http.SameSiteLaxMode
	}
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     path,
		Domain:   opts.Domain,
		Expires:  opts.Expires,
		HttpOnly: true,
		Secure:   opts.Secure,
		SameSite: sameSite,
	}
}

// chunkIndex reports whether cookie is a chunk of name ("name.N" with N a
// canonical decimal) and which.
func chunkIndex(name, cookie string) (int, bool) {
	rest, ok := strings.CutPrefix(cookie, name+".")
	if !ok || rest == "" || len(rest) > 3 || (len(rest) > 1 && rest[0] == '0') {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// ReadChunked returns the session token stored under name in cookies:
// the cookie called name, or the chunks name.0 ... name.k joined in order.
// It fails closed where Auth.js would guess: a bare cookie next to chunks,
// a repeated name, a gap, a cookie that starts with name without being
// one of these (authjs.session-tokenX, name.01: Auth.js would join it in),
// a single cookie longer than MaxCookieSize, more than 16 chunks, or a
// value longer than maxSize
// (DefaultMaxTokenSize when zero) are ErrMalformed or ErrTooLarge. No
// session cookie at all is ErrNoToken.
func ReadChunked(cookies []*http.Cookie, name string, maxSize int) (string, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxTokenSize
	}
	var bare *http.Cookie
	bareCount := 0
	type chunk struct {
		i int
		v string
	}
	var chunks []chunk
	total := 0
	for _, c := range cookies {
		if len(c.Value) > MaxCookieSize && strings.HasPrefix(c.Name, name) {
			return "", refuse(ErrTooLarge, "the cookie %q holds %d bytes; a browser keeps at most %d", truncate(c.Name), len(c.Value), MaxCookieSize)
		}
		if c.Name == name {
			bareCount++
			bare = c
			total += len(c.Value)
		} else if i, ok := chunkIndex(name, c.Name); ok {
			if len(chunks) == maxChunks {
				return "", refuse(ErrTooLarge, "more than %d session cookie chunks", maxChunks)
			}
			chunks = append(chunks, chunk{i, c.Value})
			total += len(c.Value)
		} else if strings.HasPrefix(c.Name, name) {
			return "", refuse(ErrMalformed, "the cookie %q is neither %s nor one of its chunks", truncate(c.Name), name)
		} else {
			continue
		}
		if total > maxSize {
			return "", refuse(ErrTooLarge, "the session cookies hold more than %d bytes", maxSize)
		}
	}
	switch {
	case bareCount == 0 && len(chunks) == 0:
		return "", ErrNoToken
	case bareCount > 1:
		return "", refuse(ErrMalformed, "the cookie %s is sent more than once", name)
	case bareCount == 1 && len(chunks) > 0:
		return "", refuse(ErrMalformed, "both %s and its chunks are present", name)
	case bareCount == 1:
		if bare.Value == "" {
			return "", ErrNoToken
		}
		return bare.Value, nil
	}
	sort.Slice(chunks, func(a, b int) bool { return chunks[a].i < chunks[b].i })
	var sb strings.Builder
	sb.Grow(total)
	for want, c := range chunks {
		if c.i != want {
			if c.i < want {
				return "", refuse(ErrMalformed, "the chunk %s.%d is sent more than once", name, c.i)
			}
			return "", refuse(ErrMalformed, "the chunk %s.%d is missing", name, want)
		}
		if c.v == "" {
			return "", refuse(ErrMalformed, "the chunk %s.%d is empty", name, c.i)
		}
		sb.WriteString(c.v)
	}
	return sb.String(), nil
}

// ParseCookieHeader splits a Cookie header ("a=b; c=d", with or without
// a "Cookie:" prefix in any case) into cookies, skipping pairs that are not
// name=value as browsers and net/http do, and unquoting "double-quoted"
// values as the cookie package of Auth.js does. Headers longer than
// MaxCookieHeader are refused before they are split.
func ParseCookieHeader(header string) ([]*http.Cookie, error) {
	if len(header) > MaxCookieHeader {
		return nil, refuse(ErrTooLarge, "the cookie header is %d bytes, the limit is %d", len(header), MaxCookieHeader)
	}
	header = strings.TrimSpace(header)
	if len(header) >= 7 && strings.EqualFold(header[:7], "cookie:") {
		header = strings.TrimSpace(header[7:])
	}
	if header == "" {
		return nil, ErrNoToken
	}
	var cookies []*http.Cookie
	for part := range strings.SplitSeq(header, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t\",") {
			continue
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		cookies = append(cookies, &http.Cookie{Name: name, Value: value})
	}
	if len(cookies) == 0 {
		return nil, refuse(ErrMalformed, "the cookie header has no name=value pair")
	}
	return cookies, nil
}
