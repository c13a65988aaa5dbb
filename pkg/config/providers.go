package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"

	"github.com/authkit-dev/authkit/pkg/providers"
)

// Providers builds every configured provider, in file order: a copy of
// its catalogue entry, then the file's values, then AUTH_<ID>_ID,
// AUTH_<ID>_SECRET and AUTH_<ID>_ISSUER for what the file leaves empty
// (file values win, as in Auth.js), and checks each with
// providers.Provider.Validate. The error joins one *ProviderError per
// provider that is not usable, each naming the variable to set and the
// line of its entry.
func (c *Config) Providers() ([]*providers.Provider, error) {
	out := make([]*providers.Provider, 0, len(c.ProviderConfigs))
	var errs []error
	for i := range c.ProviderConfigs {
		pc := &c.ProviderConfigs[i]
		p, err := c.build(pc)
		if err == nil {
			err = p.Validate()
		}
		if err != nil {
			errs = append(errs, &ProviderError{File: c.Path, Line: pc.Line, ID: pc.ID, Err: err})
			continue
		}
		out = append(out, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// HasProvider reports whether the file configures a provider with this id.
func (c *Config) HasProvider(id string) bool {
	for i := range c.ProviderConfigs {
		if c.ProviderConfigs[i].ID == id {
			return true
		}
	}
	return false
}

// Provider builds the configured provider id as Providers does, without
// Validate, so that a caller (authkit login) may complete it with flags
// first. An id that is not configured is an error listing those that are.
func (c *Config) Provider(id string) (*providers.Provider, error) {
	var ids []string
	for i := range c.ProviderConfigs {
		pc := &c.ProviderConfigs[i]
		if pc.ID == id {
			p, err := c.build(pc)
			if err != nil {
				return nil, &ProviderError{File: c.Path, Line: pc.Line, ID: pc.ID, Err: err}
			}
			return p, nil
		}
		ids = append(ids, pc.ID)
	}
	known := "none is configured; add a providers entry"
	if len(ids) > 0 {
		known = "configured: " + joinAnd(ids)
	}
	return nil, fmt.Errorf("authkit: cannot find provider %s in %s: %s", quote(id, 64), c.Path, known)
}

// build fills a catalogue copy from the file and the environment.
func (c *Config) build(pc *ProviderConfig) (*providers.Provider, error) {
	p, err := providers.Lookup(pc.Type)
	if err != nil {
		return nil, err
	}
	p.ID = pc.ID
	if pc.Name != "" {
		p.Name = pc.Name
	}
	if pc.BaseURL != "" {
		if err := p.SetBaseURL(pc.BaseURL); err != nil {
			return nil, err
		}
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&p.Issuer, pc.Issuer)
	set(&p.AuthURL, pc.AuthURL)
	set(&p.TokenURL, pc.TokenURL)
	set(&p.UserInfoURL, pc.UserInfoURL)
	set(&p.ClientID, pc.ClientID)
	set(&p.ClientSecret, pc.ClientSecret.Value())
	if len(pc.Scopes) > 0 {
		p.Scopes = append([]string(nil), pc.Scopes...)
	}
	if pc.TokenAuth != "" {
		p.TokenAuth = providers.TokenAuth(pc.TokenAuth)
	}
	if pc.TrustEmail != nil {
		p.TrustEmail = *pc.TrustEmail
	}
	if len(pc.Params) > 0 {
		if p.AuthParams == nil {
			p.AuthParams = url.Values{}
		}
		for k, v := range pc.Params {
			p.AuthParams.Set(k, v)
		}
	}
	getenv := c.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	providers.FromEnv(p, getenv)
	return p, nil
}

// ProviderError is a configured provider that cannot be built or used:
// Err (often a *providers.ValidationError, naming the variable to set)
// with the place of its entry.
type ProviderError struct {
	// File and Line are where the entry is.
	File string
	Line int
	// ID is the provider id.
	ID string
	// Err is the cause.
	Err error
}

// Error is the cause followed by the entry's place: "authkit: cannot use
// provider github: no client secret; set AUTH_GITHUB_SECRET (configured
// in authkit.yaml, line 12)".
func (e *ProviderError) Error() string {
	where := e.File
	if e.Line > 0 {
		where += ", line " + strconv.Itoa(e.Line)
	}
	return e.Err.Error() + " (configured in " + where + ")"
}

// Unwrap returns the cause.
func (e *ProviderError) Unwrap() error { return e.Err }
