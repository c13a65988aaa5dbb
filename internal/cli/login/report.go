package login

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/flow"
	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/store"
)

// Report is what `authkit login` shows: what the provider said, what the
// app would store, and the session it would set.
type Report struct {
	Provider      string         `json:"provider"`
	RedirectURI   string         `json:"redirectUri"`
	Tokens        tokenView      `json:"tokens"`
	IDTokenClaims map[string]any `json:"idTokenClaims"`
	RawProfile    map[string]any `json:"rawProfile"`
	Profile       profileView    `json:"profile"`
	Linking       flow.Decision  `json:"linking"`
	User          store.User     `json:"user"`
	Account       accountView    `json:"account"`
	Session       sessionView    `json:"session"`
	Saved         bool           `json:"saved"`
	Notes         []string       `json:"notes"`
}

type tokenView struct {
	AccessToken  string     `json:"accessToken"`
	RefreshToken string     `json:"refreshToken,omitempty"`
	IDToken      string     `json:"idToken,omitempty"`
	TokenType    string     `json:"tokenType,omitempty"`
	Scope        string     `json:"scope,omitempty"`
	ExpiresAt    *time.Time `json:"expiresAt,omitempty"`
	Revealed     bool       `json:"revealed"`
}

type profileView struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Email         string `json:"email"`
	Image         string `json:"image"`
	EmailVerified bool   `json:"emailVerified"`
	TrustEmail    bool   `json:"providerTrustedForEmail"`
}

type accountView struct {
	Type              string `json:"type"`
	Provider          string `json:"provider"`
	ProviderAccountID string `json:"providerAccountId"`
	Scope             string `json:"scope,omitempty"`
	TokenType         string `json:"tokenType,omitempty"`
	ExpiresAt         *int64 `json:"expiresAt,omitempty"`
}

type sessionView struct {
	Strategy string         `json:"strategy"`
	Cookies  []string       `json:"cookies"`
	Size     int            `json:"size"`
	Expires  time.Time      `json:"expires"`
	Claims   map[string]any `json:"claims,omitempty"`
	Stored   bool           `json:"stored"`
	Token    string         `json:"token"`
}

func redact(s string, reveal bool) string {
	if s == "" || reveal {
		return s
	}
	return fmt.Sprintf("[redacted, %d characters; --reveal shows it]", len(s))
}

func buildReport(o *Options, p *providers.Provider, redirect string, res *flow.Result, note string) *Report {
	r := &Report{Provider: p.ID, RedirectURI: redirect, IDTokenClaims: res.IDTokenClaims, RawProfile: res.RawProfile,
		Linking: res.Decision, User: res.User, Saved: o.Save}
	t := res.Token
	r.Tokens = tokenView{AccessToken: redact(t.AccessToken, o.Reveal), RefreshToken: redact(t.RefreshToken, o.Reveal),
		IDToken: redact(t.IDToken, o.Reveal), TokenType: t.TokenType, Scope: t.Scope, Revealed: o.Reveal}
	if !t.ExpiresAt.IsZero() {
		at := t.ExpiresAt.UTC()
		r.Tokens.ExpiresAt = &at
	}
	pr := res.Profile
	r.Profile = profileView{ID: pr.ID, Name: pr.Name, Email: pr.Email, Image: pr.Image, EmailVerified: pr.EmailVerified, TrustEmail: p.TrustEmail}
	a := res.Account
	r.Account = accountView{Type: a.Type, Provider: a.Provider, ProviderAccountID: a.ProviderAccountID, Scope: a.Scope, TokenType: a.TokenType, ExpiresAt: a.ExpiresAt}
	s := res.Session
	r.Session = sessionView{Strategy: string(s.Strategy), Size: len(s.Token), Expires: s.Expires.UTC(), Claims: s.Claims, Stored: s.Stored, Token: redact(s.Token, o.Reveal)}
	for _, c := range s.Cookies {
		if c.MaxAge >= 0 {
			r.Session.Cookies = append(r.Session.Cookies, c.Name)
		}
	}
	if note != "" {
		r.Notes = append(r.Notes, note)
	}
	if !o.Save {
		r.Notes = append(r.Notes, "nothing was written: --save writes the user, account and session")
	}
	return r
}

func printReport(w io.Writer, r *Report) error {
	var b strings.Builder
	section := func(title string) { fmt.Fprintf(&b, "\n%s\n", title) }
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "  %-18s %s\n", k+":", cmdutil.Safe(v))
		}
	}
	fmt.Fprintf(&b, "signed in with %s\n", r.Provider)
	section("linking")
	kv("decision", string(r.Linking.Kind))
	kv("why", r.Linking.Reason)
	kv("user id", r.User.ID)
	section("user (normalised profile)")
	kv("account id", r.Profile.ID)
	kv("name", r.Profile.Name)
	kv("email", r.Profile.Email)
	kv("email verified", fmt.Sprintf("%v (provider trusted for email: %v)", r.Profile.EmailVerified, r.Profile.TrustEmail))
	kv("image", r.Profile.Image)
	section("tokens")
	kv("access token", r.Tokens.AccessToken)
	kv("refresh token", r.Tokens.RefreshToken)
	kv("id token", r.Tokens.IDToken)
	kv("token type", r.Tokens.TokenType)
	kv("scope", r.Tokens.Scope)
	if r.Tokens.ExpiresAt != nil {
		kv("expires", r.Tokens.ExpiresAt.Format(time.RFC3339))
	}
	if len(r.IDTokenClaims) > 0 {
		section("ID token claims")
		writeJSON(&b, r.IDTokenClaims)
	}
	section("raw profile")
	writeJSON(&b, r.RawProfile)
	section("session the app would set")
	kv("strategy", r.Session.Strategy)
	kv("cookies", strings.Join(r.Session.Cookies, ", "))
	kv("size", fmt.Sprintf("%d bytes", r.Session.Size))
	kv("expires", r.Session.Expires.Format(time.RFC3339))
	kv("stored", fmt.Sprint(r.Session.Stored))
	kv("token", r.Session.Token)
	if len(r.Session.Claims) > 0 {
		writeJSON(&b, r.Session.Claims)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\nnote: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeJSON(b *strings.Builder, v map[string]any) {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out, _ := json.Marshal(v[k])
		fmt.Fprintf(b, "  %-18s %s\n", cmdutil.Safe(k)+":", cmdutil.Safe(string(out)))
	}
}

// ephemeralSecret seals the check cookies and the session of a login run
// when no AUTH_SECRET is set; such a session is not valid in the app.
func ephemeralSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
