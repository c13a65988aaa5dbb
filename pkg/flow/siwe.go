package flow

import (
	"net/http"
	"net/url"
	"time"
)

// SIWEProviderID is the provider id of Sign-In with Ethereum accounts.
const SIWEProviderID = "siwe"

// SIWEConfig configures Sign-In with Ethereum (EIP-4361).
type SIWEConfig struct {
	// Domain is the authority messages must name (host[:port]); the base
	// URL's host when empty.
	Domain string
	// ChainIDs are the accepted EIP-155 chains; [1] when empty.
	ChainIDs []uint64
	// Statement is the statement the server proposes; empty means none.
	Statement string
	// NonceTTL is how long an issued nonce stays usable; 5 minutes when
	// zero.
	NonceTTL time.Duration
}

// siwe answers the SIWE helper routes under …/siwe/.
func (h *Handler) siwe(res *response, sub string, body url.Values) {
	res.json(http.StatusNotFound, "Not found.", nil)
}

// siweCallback answers POST /callback/siwe.
func (h *Handler) siweCallback(res *response, body url.Values) {
	res.errorRedirect(h.url("/error") + "?error=Configuration")
}
