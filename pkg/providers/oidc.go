package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Metadata is the part of an OpenID Provider's discovery document
// (OpenID Connect Discovery 1.0 §3) that authkit uses.
type Metadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint,omitempty"`
	JWKSURI                           string   `json:"jwks_uri"`
	EndSessionEndpoint                string   `json:"end_session_endpoint,omitempty"`
	ScopesSupported                   []string `json:"scopes_supported,omitempty"`
	ResponseModesSupported            []string `json:"response_modes_supported,omitempty"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported,omitempty"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported,omitempty"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	// AuthorizationResponseIssParameterSupported is RFC 9207's flag.
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported,omitempty"`
}

func (m *Metadata) clone() *Metadata {
	c := *m
	c.ScopesSupported = append([]string(nil), m.ScopesSupported...)
	c.ResponseModesSupported = append([]string(nil), m.ResponseModesSupported...)
	c.IDTokenSigningAlgValuesSupported = append([]string(nil), m.IDTokenSigningAlgValuesSupported...)
	c.CodeChallengeMethodsSupported = append([]string(nil), m.CodeChallengeMethodsSupported...)
	c.TokenEndpointAuthMethodsSupported = append([]string(nil), m.TokenEndpointAuthMethodsSupported...)
	return &c
}

// DiscoveryTTL is how long a discovery document is cached per issuer.
const DiscoveryTTL = 5 * time.Minute

// DiscoveryURL is issuer + "/.well-known/openid-configuration", the
// issuer's trailing slash removed first (OpenID Connect Discovery §4).
func DiscoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// discoveryCache holds documents per issuer for DiscoveryTTL, and lets
// concurrent callers for one issuer share one request. Failures are not
// cached.
type discoveryCache struct {
	mu       sync.Mutex
	entries  map[string]cacheEntry
	inflight map[string]*inflight
	now      func() time.Time
}

type cacheEntry struct {
	md      *Metadata
	fetched time.Time
}

type inflight struct {
	done chan struct{}
	md   *Metadata
	err  error
}

var discovery = &discoveryCache{now: time.Now}

func (c *discoveryCache) get(ctx context.Context, issuer string, fetch func(context.Context) (*Metadata, error)) (*Metadata, error) {
	c.mu.Lock()
	if e, ok := c.entries[issuer]; ok && c.now().Sub(e.fetched) < DiscoveryTTL {
		c.mu.Unlock()
		return e.md.clone(), nil
	}
	if f, ok := c.inflight[issuer]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			if f.err != nil {
				return nil, f.err
			}
			return f.md.clone(), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &inflight{done: make(chan struct{})}
	if c.inflight == nil {
		c.inflight = map[string]*inflight{}
	}
	c.inflight[issuer] = f
	c.mu.Unlock()

	f.md, f.err = fetch(ctx)

	c.mu.Lock()
	delete(c.inflight, issuer)
	if f.err == nil {
		if c.entries == nil {
			c.entries = map[string]cacheEntry{}
		}
		c.entries[issuer] = cacheEntry{md: f.md, fetched: c.now()}
	}
	c.mu.Unlock()
	close(f.done)
	if f.err != nil {
		return nil, f.err
	}
	return f.md.clone(), nil
}

func (c *discoveryCache) reset() {
	c.mu.Lock()
	c.entries = nil
	c.mu.Unlock()
}

// FetchMetadata reads issuer's discovery document, from the cache when it
// was read less than DiscoveryTTL ago. It refuses a document whose issuer
// differs from the one asked for in any way (OpenID Connect Discovery §4.3;
// mix-up protection), a body over MaxBodySize, redirects, a non-200
// answer, and endpoints that are not https (http is accepted on loopback
// hosts only, for development identity providers). The one exception to
// the exact issuer match is Microsoft Entra ID's multi-tenant issuers: see
// MicrosoftEntraID.
func FetchMetadata(ctx context.Context, client *http.Client, issuer string) (*Metadata, error) {
	return fetchMetadata(ctx, client, issuer, "issuer "+issuer, "check the issuer URL")
}

func fetchMetadata(ctx context.Context, client *http.Client, issuer, what, fixIssuer string) (*Metadata, error) {
	fail := func(cause, fix string) error {
		return fmt.Errorf("authkit: cannot discover %s: %s; %s", what, cause, fix)
	}
	failErr := func(err error, fix string) error {
		return fmt.Errorf("authkit: cannot discover %s: %w; %s", what, err, fix)
	}
	if err := checkURL(issuer); err != nil {
		return nil, fail("the issuer "+err.Error(), fixIssuer)
	}
	u, _ := url.Parse(issuer)
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fail("the issuer "+shownURL(issuer)+" has a query or fragment", fixIssuer+" (an issuer has neither)")
	}
	docURL := DiscoveryURL(issuer)
	return discovery.get(ctx, issuer, func(ctx context.Context) (*Metadata, error) {
		v, err := getDiscovery(ctx, client, docURL)
		if err != nil {
			var se *statusError
			switch {
			case errors.As(err, &se) && se.Status == http.StatusNotFound:
				return nil, failErr(err, fixIssuer+": no discovery document was found under it")
			case errors.As(err, &se) && se.Status >= 300 && se.Status < 400:
				return nil, failErr(err, fixIssuer+": give the exact issuer, where the document is served without a redirect")
			case errors.As(err, &se):
				return nil, failErr(err, "check the issuer URL and that the provider is up, then try again")
			case errors.Is(err, context.DeadlineExceeded):
				return nil, failErr(err, "the provider did not answer in time; check the issuer URL and the network, or allow a longer timeout")
			}
			return nil, failErr(err, "check the issuer URL and the network")
		}
		var md Metadata
		if err := json.Unmarshal(v, &md); err != nil {
			return nil, fail("GET "+docURL+" answered a document that is not OpenID provider metadata ("+sanitise(err.Error(), 120)+")", fixIssuer)
		}
		if md.Issuer == "" {
			return nil, fail("the document at "+docURL+" has no issuer", fixIssuer)
		}
		if !issuerMatches(issuer, md.Issuer) {
			return nil, fail(fmt.Sprintf("the document at %s names the issuer %q, not %q", docURL, sanitise(md.Issuer, 200), issuer),
				"the issuer must match exactly (scheme, host, port, path and trailing slash); if that document is the provider you mean, configure its issuer as it is written there")
		}
		for _, e := range []struct{ name, val string }{
			{"authorization_endpoint", md.AuthorizationEndpoint},
			{"token_endpoint", md.TokenEndpoint},
			{"jwks_uri", md.JWKSURI},
		} {
			if e.val == "" {
				return nil, fail("the document at "+docURL+" has no "+e.name, "the provider does not support the authorization code flow; configure its endpoints explicitly")
			}
		}
		for _, e := range []struct{ name, val string }{
			{"authorization_endpoint", md.AuthorizationEndpoint},
			{"token_endpoint", md.TokenEndpoint},
			{"jwks_uri", md.JWKSURI},
			{"userinfo_endpoint", md.UserinfoEndpoint},
			{"end_session_endpoint", md.EndSessionEndpoint},
		} {
			if e.val == "" {
				continue
			}
			if err := checkURL(e.val); err != nil {
				return nil, fail("the document's "+e.name+" "+err.Error(), "the provider's metadata is unusable; ask its administrator to serve https endpoints")
			}
		}
		return &md, nil
	})
}

// getDiscovery GETs the document: no redirects, 1 MiB at most, a JSON
// object.
func getDiscovery(ctx context.Context, client *http.Client, docURL string) ([]byte, error) {
	body, ct, err := getBody(ctx, client, docURL, "")
	if err != nil {
		return nil, err
	}
	v, err := decodeJSON(body)
	if err != nil {
		return nil, fmt.Errorf("GET %s answered something that is not JSON (%s)", docURL, ct)
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("GET %s answered JSON that is not an object", docURL)
	}
	return body, nil
}

// Discover fills p's empty AuthURL, TokenURL, UserInfoURL and JWKSURL from
// its issuer's discovery document (FetchMetadata: cached per issuer, exact
// issuer match, 1 MiB, no redirects, https), together with IDTokenAlgs
// when empty and AuthResponseIss. ctx bounds the request (30 seconds when
// it has no deadline). A provider that is not OIDC, or whose endpoints are
// all given (authorization, token and JWKS), is left as it is.
func Discover(ctx context.Context, client *http.Client, p *Provider) error {
	if p.Kind != OIDC {
		return nil
	}
	if p.AuthURL != "" && p.TokenURL != "" && p.JWKSURL != "" {
		return nil
	}
	_, _, issuerEnv := EnvNames(p.ID)
	if p.Issuer == "" {
		return fmt.Errorf("authkit: cannot discover provider %s: no issuer; set %s%s", p.label(), issuerEnv, issuerExample(p))
	}
	md, err := fetchMetadata(ctx, client, p.Issuer, "provider "+p.label(), "check "+issuerEnv+" (now "+p.Issuer+")"+issuerExample(p))
	if err != nil {
		return err
	}
	if p.AuthURL == "" {
		p.AuthURL = md.AuthorizationEndpoint
	}
	if p.TokenURL == "" {
		p.TokenURL = md.TokenEndpoint
	}
	if p.UserInfoURL == "" {
		p.UserInfoURL = md.UserinfoEndpoint
	}
	if p.JWKSURL == "" {
		p.JWKSURL = md.JWKSURI
	}
	if len(p.IDTokenAlgs) == 0 {
		p.IDTokenAlgs = md.IDTokenSigningAlgValuesSupported
	}
	if md.AuthorizationResponseIssParameterSupported {
		p.AuthResponseIss = true
	}
	return nil
}

// checkURL accepts an absolute https URL, or an http one on a loopback
// host (localhost, 127.0.0.0/8, ::1), as RFC 8252 allows for development.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q is not an absolute URL", sanitise(raw, 200))
	}
	if u.User != nil {
		return fmt.Errorf("%s carries user information", shownURL(raw))
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%s is not https (plain http is accepted only on localhost, 127.0.0.1 and [::1])", shownURL(raw))
	}
	return fmt.Errorf("%s is not an https URL", shownURL(raw))
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Microsoft Entra ID's multi-tenant endpoints.
const (
	entraHost = "login.microsoftonline.com"
	// entraConsumersTenant is the tenant of personal Microsoft accounts.
	entraConsumersTenant = "9188040d-6c67-4c5b-b112-36a304b66dad"
	entraTemplate        = "https://" + entraHost + "/{tenantid}/v2.0"
)

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// EntraIssuer is the issuer of a Microsoft Entra ID tenant:
// https://login.microsoftonline.com/<tenant>/v2.0. An empty tenant means
// "common".
func EntraIssuer(tenant string) string {
	if tenant == "" {
		tenant = "common"
	}
	return "https://" + entraHost + "/" + tenant + "/v2.0"
}

// entraTenant returns the tenant of an Entra issuer
// (https://login.microsoftonline.com/<tenant>/v2.0), or "".
func entraTenant(issuer string) string {
	rest, ok := strings.CutPrefix(issuer, "https://"+entraHost+"/")
	if !ok {
		return ""
	}
	tenant, ok := strings.CutSuffix(rest, "/v2.0")
	if !ok || tenant == "" || strings.Contains(tenant, "/") {
		return ""
	}
	return tenant
}

// issuerMatches reports whether a discovery document's issuer is the one
// configured: byte-equal, except for Entra's multi-tenant issuers, whose
// documents name a template ("common", "organizations") or the personal
// accounts tenant ("consumers").
func issuerMatches(configured, doc string) bool {
	if doc == configured {
		return true
	}
	switch strings.ToLower(entraTenant(configured)) {
	case "common", "organizations":
		return doc == entraTemplate
	case "consumers":
		return doc == EntraIssuer(entraConsumersTenant)
	}
	return false
}

// IDTokenIssuer is the iss an ID token from p must carry: p.Issuer, except
// for Microsoft Entra ID's multi-tenant issuers. With tenant "common" or
// "organizations" the token names its tenant: iss must be
// https://login.microsoftonline.com/<tid>/v2.0 where tid is the token's
// own tid claim, a GUID ("organizations" also refuses the personal
// accounts tenant); with "consumers", it is that tenant's issuer. The
// flow still checks the signature against p.JWKSURL, which for these
// issuers serves the keys of every tenant.
func (p *Provider) IDTokenIssuer(claims map[string]any) (string, error) {
	tenant := strings.ToLower(entraTenant(p.Issuer))
	switch tenant {
	case "common", "organizations":
		tid, _ := claims["tid"].(string)
		if !guidRE.MatchString(tid) {
			return "", fmt.Errorf("authkit: cannot verify the %s ID token: it has no tenant id (tid) though the issuer %s is multi-tenant; set %s to your tenant's issuer", p.label(), p.Issuer, envName(p.ID, "ISSUER"))
		}
		if tenant == "organizations" && strings.EqualFold(tid, entraConsumersTenant) {
			return "", fmt.Errorf("authkit: cannot verify the %s ID token: it is from a personal Microsoft account, which the organizations issuer does not accept; use the common issuer to accept personal accounts", p.label())
		}
		return EntraIssuer(strings.ToLower(tid)), nil
	case "consumers":
		return EntraIssuer(entraConsumersTenant), nil
	}
	return p.Issuer, nil
}
