package flow

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// maxRedirectLength bounds a redirect target; longer ones fall back to
// the base URL.
const maxRedirectLength = 4096

// SafeRedirect returns where to send the browser for a callbackUrl-style
// target: a relative path ("/dashboard?x=1#h") becomes the base URL's
// origin plus that path, byte for byte; an absolute URL is kept only when
// it has the base URL's scheme and host and no user info; anything else
// (another origin, scheme-relative //host, backslashes, encoded slashes,
// control characters, javascript: and data: URLs, invalid UTF-8, over
// 4 KiB) gives the base URL. Every redirect of the engine and the handler
// goes through it.
func SafeRedirect(target, base string) string {
	b, err := url.Parse(base)
	if err != nil || b.Host == "" {
		return base
	}
	if target == "" || len(target) > maxRedirectLength || !utf8.ValidString(target) {
		return base
	}
	for i := 0; i < len(target); i++ {
		if c := target[i]; c < 0x21 || c == 0x7f || c == '\\' {
			return base
		}
	}
	decoded, err := url.PathUnescape(target)
	if err != nil || strings.ContainsAny(decoded, "\\\x00\r\n\t") {
		return base
	}
	origin := b.Scheme + "://" + b.Host
	if strings.HasPrefix(target, "/") {
		if strings.HasPrefix(target, "//") || strings.HasPrefix(decoded, "//") || strings.HasPrefix(decoded, "/\\") {
			return base
		}
		if _, err := url.Parse(origin + target); err != nil {
			return base
		}
		return origin + target
	}
	u, err := url.Parse(target)
	if err != nil || u.Opaque != "" || u.User != nil || !strings.EqualFold(u.Scheme, b.Scheme) || !strings.EqualFold(u.Host, b.Host) {
		return base
	}
	if !strings.HasPrefix(strings.ToLower(target), strings.ToLower(origin)) {
		return base
	}
	rest := target[len(origin):]
	if rest != "" && rest[0] != '/' && rest[0] != '?' && rest[0] != '#' {
		return base
	}
	return target
}
