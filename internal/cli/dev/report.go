package dev

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/devidp"
)

// Placeholders printed for an app's credentials when none are pinned:
// the provider accepts any.
const (
	anyClientID     = "authkit-dev"
	anyClientSecret = "authkit-dev-secret"
)

// idpReport is what `authkit dev idp` prints once it listens. It never
// holds the client secret, only the name of the variable that does.
type idpReport struct {
	URL        string           `json:"url"`
	Issuer     *string          `json:"issuer"`
	Shape      string           `json:"shape"`
	ProviderID string           `json:"providerId"`
	Endpoints  devidp.Endpoints `json:"endpoints"`
	Client     clientReport     `json:"client"`
	LoginPage  bool             `json:"loginPage"`
	Users      []userReport     `json:"users"`
	Failures   []string         `json:"failures"`
	// Env holds the variables an app sets, by name.
	Env map[string]string `json:"env"`
	// envLines are the same in the order they are printed.
	envLines []envVar
}

type clientReport struct {
	ID          *string `json:"id"`
	SecretEnv   *string `json:"secretEnv"`
	AnyAccepted bool    `json:"anyAccepted"`
}

type userReport struct {
	ID            string `json:"id"`
	Email         string `json:"email"`
	Name          string `json:"name"`
	Login         string `json:"login"`
	EmailVerified bool   `json:"emailVerified"`
}

type envVar struct{ name, value string }

func newIdpReport(srv *devidp.Server, o *IdpOptions, opts devidp.Options) *idpReport {
	r := &idpReport{URL: srv.URL(), Shape: string(srv.Shape()), Endpoints: srv.Endpoints(), LoginPage: opts.LoginPage,
		Failures: []string{}, ProviderID: o.ProviderID}
	if srv.Shape().OIDC() {
		iss := srv.Issuer()
		r.Issuer = &iss
	}
	if r.ProviderID == "" {
		r.ProviderID = string(srv.Shape())
	}
	if o.ClientID != "" {
		r.Client.ID = &o.ClientID
	}
	if o.ClientSecretEnv != "" {
		r.Client.SecretEnv = &o.ClientSecretEnv
	}
	r.Client.AnyAccepted = o.ClientID == "" && o.ClientSecretEnv == ""
	for _, u := range srv.Users() {
		r.Users = append(r.Users, userReport{ID: u.ID, Email: u.Email, Name: u.Name, Login: u.Login, EmailVerified: u.Verified()})
	}
	for _, f := range srv.ActiveFailures() {
		r.Failures = append(r.Failures, string(f))
	}
	id, secret := anyClientID, anyClientSecret
	if o.ClientID != "" {
		id = o.ClientID
	}
	if o.ClientSecretEnv != "" {
		secret = "${" + o.ClientSecretEnv + "}"
	}
	prefix := "AUTH_" + strings.ToUpper(strings.ReplaceAll(r.ProviderID, "-", "_")) + "_"
	r.envLines = []envVar{{prefix + "ID", id}, {prefix + "SECRET", secret}, {prefix + "ISSUER", r.URL}}
	r.Env = map[string]string{}
	for _, e := range r.envLines {
		r.Env[e.name] = e.value
	}
	return r
}

// printJSON writes the report as one JSON object on one line, so that a
// script reading the provider's output line by line gets it whole.
func (r *idpReport) printJSON(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// printText writes one fact a line, then the variables as dotenv lines.
func (r *idpReport) printText(w io.Writer) error {
	ew := &cmdutil.ErrWriter{W: w}
	fmt.Fprintf(ew, "url: %s\n", r.URL)
	if r.Issuer != nil {
		fmt.Fprintf(ew, "issuer: %s\n", *r.Issuer)
	}
	fmt.Fprintf(ew, "shape: %s\n", r.Shape)
	for _, e := range []struct{ name, url string }{
		{"discovery", r.Endpoints.Discovery}, {"authorization", r.Endpoints.Authorization}, {"token", r.Endpoints.Token},
		{"userinfo", r.Endpoints.UserInfo}, {"emails", r.Endpoints.Emails}, {"jwks", r.Endpoints.JWKS},
		{"end-session", r.Endpoints.EndSession},
	} {
		if e.url != "" {
			fmt.Fprintf(ew, "%s: %s\n", e.name, e.url)
		}
	}
	switch {
	case r.Client.AnyAccepted:
		fmt.Fprintln(ew, "client: any client id and secret are accepted")
	case r.Client.ID != nil && r.Client.SecretEnv != nil:
		fmt.Fprintf(ew, "client: id %s only, with the secret in $%s\n", cmdutil.Quote(*r.Client.ID), *r.Client.SecretEnv)
	case r.Client.ID != nil:
		fmt.Fprintf(ew, "client: id %s only, any secret\n", cmdutil.Quote(*r.Client.ID))
	default:
		fmt.Fprintf(ew, "client: any id, with the secret in $%s\n", *r.Client.SecretEnv)
	}
	fmt.Fprintln(ew, "redirect URIs: any on 127.0.0.1, [::1] or localhost, and those given with --redirect-uri")
	if r.LoginPage {
		fmt.Fprintln(ew, "sign-in: a login page lists the users")
	} else {
		fmt.Fprintln(ew, "sign-in: approved at once, as the first user or the one named by login_hint")
	}
	for _, u := range r.Users {
		verified := "verified"
		if !u.EmailVerified {
			verified = "unverified"
		}
		name := ""
		if u.Name != "" {
			name = " " + cmdutil.Quote(u.Name)
		}
		fmt.Fprintf(ew, "user: %s%s (id %s, login %s, %s)\n", cmdutil.Safe(u.Email), name, cmdutil.Safe(u.ID), cmdutil.Safe(u.Login), verified)
	}
	if len(r.Failures) == 0 {
		fmt.Fprintln(ew, "failures: none")
	}
	for _, f := range r.Failures {
		fmt.Fprintf(ew, "failure: %s (%s)\n", f, devidp.Failure(f).Describe())
	}
	for _, e := range r.envLines {
		fmt.Fprintf(ew, "%s=%s\n", e.name, e.value)
	}
	return ew.Err
}
