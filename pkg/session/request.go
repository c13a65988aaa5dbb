package session

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// RequestOptions say how FromRequest finds and opens a session token.
type RequestOptions struct {
	// Secrets are the Auth.js secrets, newest first (AUTH_SECRET and its
	// rotations; SecretsFromEnv reads them).
	Secrets []string
	// Version is the Auth.js version that wrote the cookie; V5 when zero.
	Version Version
	// CookieName is the session cookie's name. When empty, the secure
	// name (__Secure-authjs.session-token) is read if the request has it,
	// otherwise the plain one; the name is also the v5 salt.
	CookieName string
	// Codec, when set, opens the token instead of an Auth.js JWE made from
	// Secrets: a JWS codec, for instance.
	Codec Codec
	// Now is the clock that judges exp; time.Now when nil.
	Now func() time.Time
	// MaxSize bounds the token; DefaultMaxTokenSize when zero.
	MaxSize int
	// NoBearer turns off the Authorization: Bearer fallback that Auth.js's
	// getToken has.
	NoBearer bool
}

// FromRequest returns the Auth.js session of r, as getToken does in a
// Next.js app: the session cookie (chunks joined), or else an
// "Authorization: Bearer" token, opened with the secrets and validated at
// the current time. A token without a non-empty string sub names nobody and
// is refused. No token at all is ErrNoToken; a refused one matches
// ErrInvalidToken. The codecs are built once per set of options and
// cached.
func FromRequest(r *http.Request, opts RequestOptions) (*Token, error) {
	v := opts.Version
	if v == 0 {
		v = V5
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	cookies := r.Cookies()
	name := opts.CookieName
	if name == "" {
		secure, plain := Names(v, true).SessionToken, Names(v, false).SessionToken
		name = plain
		if hasSessionCookie(cookies, secure) {
			name = secure
		}
	}
	token, err := ReadChunked(cookies, name, opts.MaxSize)
	if errors.Is(err, ErrNoToken) && !opts.NoBearer {
		token, err = bearer(r.Header.Values("Authorization"))
	}
	if err != nil {
		return nil, err
	}
	codec := opts.Codec
	if codec == nil {
		if codec, err = cachedCodec(v, opts.Secrets, name); err != nil {
			return nil, err
		}
	}
	if limit := cmp.Or(opts.MaxSize, DefaultMaxTokenSize); len(token) > limit {
		return nil, refuse(ErrTooLarge, "%d bytes, the limit is %d", len(token), limit)
	}
	t, err := Decode(codec, token, now())
	if err != nil {
		return nil, err
	}
	if t.Subject() == "" {
		return nil, refuse(ErrInvalidClaims, "the token has no sub: it names nobody")
	}
	return t, nil
}

func hasSessionCookie(cookies []*http.Cookie, name string) bool {
	for _, c := range cookies {
		if c.Name == name {
			return true
		}
		if _, ok := chunkIndex(name, c.Name); ok {
			return true
		}
	}
	return false
}

// bearer reads "Authorization: Bearer <token>" strictly: exactly one such
// header, the scheme spelt as Auth.js spells it, one non-empty
// URL-decodable token without spaces. Anything else is no token.
func bearer(values []string) (string, error) {
	if len(values) != 1 {
		return "", ErrNoToken
	}
	raw, ok := strings.CutPrefix(values[0], "Bearer ")
	if !ok || raw == "" || strings.ContainsAny(raw, " \t") {
		return "", ErrNoToken
	}
	token, err := url.PathUnescape(raw)
	if err != nil || token == "" {
		return "", ErrNoToken
	}
	return token, nil
}

var codecCache struct {
	sync.Mutex
	m map[[32]byte]*JWE
}

func cachedCodec(v Version, secrets []string, salt string) (*JWE, error) {
	h := sha256.New()
	h.Write([]byte{byte(v)})
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(salt))))
	h.Write([]byte(salt))
	for _, s := range secrets {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(s))))
		h.Write([]byte(s))
	}
	var id [32]byte
	h.Sum(id[:0])
	codecCache.Lock()
	c, ok := codecCache.m[id]
	codecCache.Unlock()
	if ok {
		return c, nil
	}
	var err error
	if v == V4 {
		c, err = NewAuthJSv4(secrets)
	} else {
		c, err = NewAuthJS(secrets, salt)
	}
	if err != nil {
		return nil, err
	}
	codecCache.Lock()
	if codecCache.m == nil || len(codecCache.m) >= keyCacheLimit {
		codecCache.m = make(map[[32]byte]*JWE)
	}
	codecCache.m[id] = c
	codecCache.Unlock()
	return c, nil
}
