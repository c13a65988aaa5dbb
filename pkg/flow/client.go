package flow

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the key of per-client limits: the peer address, or,
// behind trusted proxies, the right-most X-Forwarded-For hop that is not
// one of them (the left ones are the client's to forge). IPv6 addresses
// count by their /64, which one subscriber usually holds whole.
func (h *Handler) clientAddr(r *http.Request) string {
	addr, ok := parseAddr(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if h.trusted(addr) {
		hops := r.Header.Values("X-Forwarded-For")
		var all []string
		for _, v := range hops {
			all = append(all, strings.Split(v, ",")...)
		}
		for i := len(all) - 1; i >= 0; i-- {
			hop, ok := parseAddr(strings.TrimSpace(all[i]))
			if !ok {
				break
			}
			addr = hop
			if !h.trusted(hop) {
				break
			}
		}
	}
	if addr.Is6() && !addr.Is4In6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.Unmap().String()
}

func (h *Handler) trusted(a netip.Addr) bool {
	for _, p := range h.opts.TrustedProxies {
		if p.Contains(a.Unmap()) || p.Contains(a) {
			return true
		}
	}
	return false
}

// parseAddr reads "ip", "ip:port" or "[ip]:port".
func parseAddr(s string) (netip.Addr, bool) {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone(""), true
}
