package config

import (
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

func (r *resolver) baseURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		r.fail("base_url", "base_url "+r.d.show("base_url", s, 80)+" is not an absolute http(s) URL; write the app's public URL, such as https://app.example.com")
		return ""
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		r.fail("base_url", "base_url "+r.d.show("base_url", s, 80)+" has a query or fragment; write the app's URL alone, such as https://app.example.com")
		return ""
	}
	if u.User != nil {
		r.fail("base_url", "base_url has a user name or password; write the app's URL alone, such as https://app.example.com")
		return ""
	}
	return strings.TrimRight(s, "/")
}

var basePathPattern = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+$`)

func (r *resolver) serve(s Serve) Serve {
	s.Addr = strings.TrimSpace(s.Addr)
	if s.Addr != "" {
		_, port, err := net.SplitHostPort(s.Addr)
		n, perr := strconv.Atoi(port)
		if err != nil || perr != nil || n < 0 || n > 65535 {
			r.fail("serve.addr", "serve.addr "+r.d.show("serve.addr", s.Addr, 60)+" is not a host:port address; write 127.0.0.1:3000, or :3000 for every interface")
		}
	}
	bp := strings.TrimRight(strings.TrimSpace(s.BasePath), "/")
	switch {
	case s.BasePath == "":
		bp = DefaultBasePath
	case !basePathPattern.MatchString(bp) || strings.Contains(bp, "/./") || strings.Contains(bp, "/../") || strings.HasSuffix(bp, "/..") || strings.HasSuffix(bp, "/."):
		r.fail("serve.base_path", "serve.base_path "+r.d.show("serve.base_path", s.BasePath, 60)+" is not a path under the site root; write /auth, or /api/auth for Next.js parity")
		bp = DefaultBasePath
	}
	s.BasePath = bp
	for i, p := range s.TrustedProxies {
		if _, err := ParseProxy(p); err != nil {
			at := "serve.trusted_proxies[" + strconv.Itoa(i) + "]"
			r.fail(at, at+" "+r.d.show(at, p, 60)+" is not an IP address or CIDR prefix; write 10.0.0.0/8 or 127.0.0.1")
		}
	}
	return s
}

// ParseProxy reads a trusted proxy: an IP address or a CIDR prefix.
func ParseProxy(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	return p.Masked(), err
}

var accentPattern = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

func (r *resolver) pages(p Pages, baseURL string) Pages {
	if len([]rune(p.Brand)) > 100 || strings.IndexFunc(p.Brand, unicode.IsControl) >= 0 {
		r.fail("pages.brand", "pages.brand must be one line of at most 100 characters")
		p.Brand = ""
	}
	if p.Logo != "" && !validLogo(p.Logo) {
		r.fail("pages.logo", "pages.logo "+r.d.show("pages.logo", p.Logo, 60)+" is not a usable image URL; write an https URL, a path on the app such as /logo.svg, or a data:image/ URL")
		p.Logo = ""
	}
	if p.Accent != "" && !accentPattern.MatchString(p.Accent) {
		r.fail("pages.accent", "pages.accent "+r.d.show("pages.accent", p.Accent, 40)+" is not a colour; write #rgb or #rrggbb, such as #4f46e5")
		p.Accent = ""
	}
	for _, pg := range []struct {
		key string
		v   *string
	}{{"signin", &p.SignIn}, {"signout", &p.SignOut}, {"error", &p.Error}, {"verify_request", &p.VerifyRequest}, {"new_user", &p.NewUser}} {
		if *pg.v == "" {
			continue
		}
		if msg := pagePlace(*pg.v, baseURL); msg != "" {
			r.fail("pages."+pg.key, "pages."+pg.key+" "+r.d.show("pages."+pg.key, *pg.v, 60)+" "+msg)
			*pg.v = ""
		}
	}
	return p
}

func validLogo(s string) bool {
	if strings.HasPrefix(s, "data:image/") {
		return !strings.ContainsAny(s, "\"'<> \n\r\t")
	}
	if isLocalPath(s) {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname())) && u.Host != ""
}

// isLocalPath is a path on the app itself: one leading '/', no '\'.
func isLocalPath(s string) bool {
	return strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.ContainsAny(s, "\\\r\n\t ")
}

// pagePlace checks a custom page: a path on the app, or a URL of the
// app's origin. It returns what is wrong, or "".
func pagePlace(s, baseURL string) string {
	if isLocalPath(s) {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "is not a page of the app; write a path such as /login"
	}
	if baseURL == "" {
		return "is a full URL but base_url is not set; write a path such as /login, or set base_url"
	}
	b, _ := url.Parse(baseURL)
	if !strings.EqualFold(u.Scheme, b.Scheme) || !strings.EqualFold(u.Host, b.Host) {
		return "is on another origin than base_url " + b.Scheme + "://" + b.Host + "; pages must be the app's own, so write a path such as /login"
	}
	return ""
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (r *resolver) email(e *EmailFile) *Email {
	if e == nil {
		return nil
	}
	out := &Email{From: strings.TrimSpace(e.From), MaxAge: r.duration("email.max_age", e.MaxAge, DefaultEmailMaxAge, false),
		PerAddress: int(min(max(e.PerAddress, 0), 1<<20)), PerClient: int(min(max(e.PerClient, 0), 1<<20))}
	for path, n := range map[string]int64{"email.per_address": e.PerAddress, "email.per_client": e.PerClient} {
		if n < 0 || n > 1<<20 {
			r.fail(path, path+" must be a number of links per hour from 1 to 1048576 (or left out for the default)")
		}
	}
	if out.From == "" {
		r.fail("email", "email needs from: the sender address, such as from: Example <auth@example.com>")
	} else if _, err := mail.ParseAddress(out.From); err != nil {
		r.fail("email.from", "email.from "+r.d.show("email.from", out.From, 80)+" is not an email address; write auth@example.com or Example <auth@example.com>")
	}
	v := strings.TrimSpace(e.SMTPURL)
	if v == "" {
		return out
	}
	raw := r.d.raw["email.smtp_url"]
	if literalPassword(raw) {
		r.fail("email.smtp_url", "email.smtp_url holds a password written in the file, where it is committed and leaks; write smtp_url: ${SMTP_URL}, or smtp://user:${SMTP_PASSWORD}@smtp.example.com:587")
		return out
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		shown := r.d.show("email.smtp_url", v, 80)
		r.fail("email.smtp_url", "email.smtp_url "+shown+" is not an SMTP URL; write smtp://host:587 (STARTTLS) or smtps://host:465 (TLS)")
		return out
	}
	out.SMTPURL = NewSecret(raw, v)
	return out
}

func (r *resolver) siwe(s *SIWE, baseURL string) *SIWE {
	if s == nil {
		return nil
	}
	out := &SIWE{Domain: strings.TrimSpace(s.Domain), Statement: strings.TrimSpace(s.Statement)}
	if strings.ContainsAny(out.Statement, "\r\n") {
		r.fail("siwe.statement", "siwe.statement must be one line (EIP-4361 statements have no line breaks)")
	}
	if out.Domain == "" && baseURL != "" {
		u, _ := url.Parse(baseURL)
		out.Domain = u.Host
	}
	switch {
	case out.Domain == "":
		r.fail("siwe", "siwe needs a domain: set siwe.domain (such as app.example.com), or base_url")
	case !validAuthority(out.Domain):
		r.fail("siwe.domain", "siwe.domain "+r.d.show("siwe.domain", out.Domain, 60)+" is not a domain; write the host (and port) that wallets see, such as app.example.com or localhost:3000")
	}
	seen := map[int64]bool{}
	for i, id := range s.ChainIDs {
		p := "siwe.chain_ids[" + strconv.Itoa(i) + "]"
		switch {
		case id <= 0:
			r.fail(p, p+" must be a positive EIP-155 chain id, such as 1 for Ethereum mainnet")
		case seen[id]:
			r.fail(p, p+": chain id "+strconv.FormatInt(id, 10)+" is listed twice; keep one")
		default:
			seen[id] = true
			out.ChainIDs = append(out.ChainIDs, id)
		}
	}
	if len(s.ChainIDs) == 0 {
		out.ChainIDs = []int64{1}
	}
	return out
}

// validAuthority is host or host:port, as EIP-4361's domain.
func validAuthority(s string) bool {
	if strings.ContainsAny(s, "/?#@ \t\\") {
		return false
	}
	u, err := url.Parse("https://" + s)
	return err == nil && u.Host == s && u.Hostname() != ""
}
