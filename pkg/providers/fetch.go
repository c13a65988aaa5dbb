package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// MaxBodySize is the most this package reads from a provider's answer
// (userinfo, e-mail lists, discovery documents): 1 MiB. A larger answer is
// refused, not truncated.
const MaxBodySize = 1 << 20

// userAgent is sent with every request; GitHub refuses requests without one.
const userAgent = "authkit"

// defaultTimeout bounds a request when neither the client nor the context
// set a limit.
const defaultTimeout = 30 * time.Second

// defaultClient is used when the caller passes a nil *http.Client; never
// http.DefaultClient, which has no timeout.
var defaultClient = &http.Client{Timeout: defaultTimeout}

// statusError is a non-2xx answer. It names the URL (without its query)
// and the status, and the provider's own error code and description when
// the body is JSON; never the body itself nor the token.
type statusError struct {
	URL    string
	Status int
	Text   string // "401 Unauthorized"
	Detail string // "bad_credentials: Bad credentials", sanitised
}

func (e *statusError) Error() string {
	s := "GET " + e.URL + " answered " + e.Text
	if e.Status >= 300 && e.Status < 400 {
		s += " (redirects are not followed)"
	}
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// noRedirects returns a copy of client that does not follow redirects, so
// that a bearer token or a discovery request never wanders off to another
// server.
func noRedirects(client *http.Client) *http.Client {
	if client == nil {
		client = defaultClient
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// shownURL is rawURL without query, fragment or user info: what an error
// may print.
func shownURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(an unparsable URL)"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// getJSON GETs rawURL and decodes a JSON answer with numbers kept as
// json.Number. bearer, when not empty, is sent as the Authorization. The
// body is bounded by MaxBodySize and the request by ctx (and by
// defaultTimeout when ctx has no deadline).
func getJSON(ctx context.Context, client *http.Client, rawURL, bearer string) (any, error) {
	body, ct, err := getBody(ctx, client, rawURL, bearer)
	if err != nil {
		return nil, err
	}
	v, err := decodeJSON(body)
	if err != nil {
		return nil, fmt.Errorf("GET %s answered something that is not JSON (%s)", shownURL(rawURL), ct)
	}
	return v, nil
}

// getBody GETs rawURL as getJSON does and returns the body and a
// description of its Content-Type.
func getBody(ctx context.Context, client *http.Client, rawURL, bearer string) ([]byte, string, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("the URL %s is not valid", shownURL(rawURL))
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := noRedirects(client).Do(req)
	if err != nil {
		return nil, "", redact(transportError(shownURL(rawURL), err), bearer)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodySize+1))
	if err != nil {
		return nil, "", redact(transportError(shownURL(rawURL), err), bearer)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, "", &statusError{
			URL:    shownURL(rawURL),
			Status: resp.StatusCode,
			Text:   resp.Status,
			Detail: errorDetail(body, bearer),
		}
	}
	if len(body) > MaxBodySize {
		return nil, "", fmt.Errorf("GET %s answered more than %d bytes (1 MiB)", shownURL(rawURL), MaxBodySize)
	}
	return body, contentType(resp), nil
}

// transportError says what went wrong below HTTP, naming the URL and
// telling a timeout apart.
func transportError(shown string, err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fmt.Errorf("GET %s timed out: %w", shown, context.DeadlineExceeded)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("GET %s was cancelled: %w", shown, context.Canceled)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("GET %s failed: %w", shown, err)
}

// redact replaces any occurrence of secret in err's message.
func redact(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), secret, "[redacted]"), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func contentType(resp *http.Response) string {
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		return "no Content-Type"
	}
	return "Content-Type " + sanitise(ct, 60)
}

// errorDetail pulls the provider's error code and message out of a JSON
// error body ("error", "error_description", "message"), sanitised and
// bounded; it never returns the body as such.
func errorDetail(body []byte, secret string) string {
	v, err := decodeJSON(body)
	if err != nil {
		return ""
	}
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	var parts []string
	for _, k := range []string{"error", "error_description", "message"} {
		if s, ok := m[k].(string); ok && s != "" {
			parts = append(parts, s)
		}
	}
	d := strings.Join(parts, ": ")
	if secret != "" {
		d = strings.ReplaceAll(d, secret, "[redacted]")
	}
	return sanitise(d, 200)
}

// sanitise drops control characters and cuts s to max runes.
func sanitise(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if unicode.IsControl(r) {
			r = ' '
		}
		if n == max {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// decodeJSON decodes one JSON value, numbers as json.Number, and refuses
// trailing data.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

// ParseProfileJSON decodes a JSON object as a raw profile, keeping numbers
// as json.Number so that ids like GitHub's stay exact. It is what the
// built-in FetchProfile functions use; tests and tools can feed its
// result to a MapProfile.
func ParseProfileJSON(b []byte) (map[string]any, error) {
	v, err := decodeJSON(b)
	if err != nil {
		return nil, fmt.Errorf("authkit: cannot parse the profile: %w; give a JSON object", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("authkit: cannot parse the profile: it is not a JSON object; give a JSON object")
	}
	return m, nil
}

// FetchUserInfo is the default FetchProfile: a GET of p.UserInfoURL with
// the access token as a bearer token, Accept: application/json and
// User-Agent: authkit. The answer must be a JSON object of at most
// MaxBodySize bytes; numbers are kept as json.Number. A non-2xx answer is
// an error naming the URL and the status (never the token). An OIDC
// provider without a userinfo endpoint gives (nil, nil): its ID token
// claims are the profile.
func FetchUserInfo(ctx context.Context, client *http.Client, p *Provider, tok *Token) (map[string]any, error) {
	if p.UserInfoURL == "" {
		if p.Kind == OIDC {
			return nil, nil
		}
		return nil, fmt.Errorf("authkit: cannot fetch the %s profile: the provider has no userinfo URL; configure its userinfo endpoint", p.label())
	}
	if tok == nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("authkit: cannot fetch the %s profile: the token endpoint gave no access token; check the provider's token endpoint and client settings", p.label())
	}
	v, err := getJSON(ctx, client, p.UserInfoURL, tok.AccessToken)
	if err != nil {
		return nil, p.fetchError(err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("authkit: cannot fetch the %s profile: GET %s answered JSON that is not an object; check the userinfo URL", p.label(), shownURL(p.UserInfoURL))
	}
	return m, nil
}

// fetchError wraps a profile request error with the fix that fits it.
func (p *Provider) fetchError(err error) error {
	fix := "check the provider's status and the network, then sign in again"
	var se *statusError
	if errors.As(err, &se) {
		switch {
		case se.Status == http.StatusUnauthorized:
			fix = "the provider refused the access token; sign in again, and check the client id and secret"
		case se.Status == http.StatusForbidden:
			fix = "the access token lacks a permission; check the scopes requested (" + strings.Join(p.Scopes, " ") + ")"
		case se.Status == http.StatusNotFound:
			fix = "check the userinfo URL" + p.baseURLHint()
		case se.Status >= 300 && se.Status < 400:
			fix = "check the userinfo URL" + p.baseURLHint()
		case se.Status == http.StatusTooManyRequests || se.Status >= 500:
			fix = "the provider failed or is rate limiting; try again later"
		}
	} else if errors.Is(err, context.DeadlineExceeded) {
		fix = "the provider did not answer in time; try again, or allow a longer timeout"
	}
	return fmt.Errorf("authkit: cannot fetch the %s profile: %w; %s", p.label(), err, fix)
}

func (p *Provider) baseURLHint() string {
	switch p.family {
	case "github":
		return " (for GitHub Enterprise, the base URL of the server: the API is at <base>/api/v3)"
	case "gitlab":
		return " (for a self-hosted GitLab, the base URL of the server)"
	}
	return ""
}

// label is the provider id for messages.
func (p *Provider) label() string {
	if p.ID != "" {
		return p.ID
	}
	if p.Name != "" {
		return p.Name
	}
	return "provider"
}

// FetchRaw reads the raw profile after the code exchange: p.FetchProfile
// when set, else FetchUserInfo. For OIDC providers the flow merges the ID
// token claims with the result (which may be nil) before Normalise.
func (p *Provider) FetchRaw(ctx context.Context, client *http.Client, tok *Token) (map[string]any, error) {
	if p.FetchProfile != nil {
		return p.FetchProfile(ctx, client, p, tok)
	}
	return FetchUserInfo(ctx, client, p, tok)
}

// Normalise maps a raw profile with p.MapProfile (the OIDC default when
// nil) and then cleans the result: surrounding spaces trimmed, an image
// that is not an http(s) URL or a data:image/ URL dropped (a provider must
// not be able to plant a javascript: URL in an app's pages), and a profile
// without an account id refused.
func (p *Provider) Normalise(raw map[string]any) (Profile, error) {
	if raw == nil {
		return Profile{}, fmt.Errorf("authkit: cannot read the %s profile: it is empty; check the scopes requested (%s)", p.label(), strings.Join(p.Scopes, " "))
	}
	var (
		prof Profile
		err  error
	)
	if p.MapProfile != nil {
		prof, err = p.MapProfile(raw)
	} else {
		prof, err = mapOIDC(p.label(), raw)
	}
	if err != nil {
		return Profile{}, err
	}
	prof.ID = strings.TrimSpace(prof.ID)
	prof.Name = strings.TrimSpace(prof.Name)
	prof.Email = strings.TrimSpace(prof.Email)
	prof.Image = cleanImage(strings.TrimSpace(prof.Image))
	if prof.Email == "" {
		prof.EmailVerified = false
	}
	if prof.ID == "" {
		return Profile{}, missingID(p.label())
	}
	return prof, nil
}

func missingID(label string) error {
	return fmt.Errorf("authkit: cannot read the %s profile: it has no account id; check that the userinfo URL and scopes are the provider's", label)
}

// cleanImage keeps http(s) URLs and data:image/ URLs, and drops anything
// else.
func cleanImage(s string) string {
	if s == "" {
		return ""
	}
	lower := strings.ToLower(s)
	if strings.HasPrefix(lower, "data:image/") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return s
}

// readLimited reads at most max bytes of resp's body, and refuses more.
func readLimited(resp *http.Response, max int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > max {
		return nil, fmt.Errorf("the answer is larger than %d bytes", max)
	}
	return b, nil
}
