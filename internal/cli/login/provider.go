package login

import (
	"fmt"
	"github.com/authkit-dev/authkit/pkg/config"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/providers"
)

// resolveProvider builds the provider from the catalogue (or a generic
// one), the AUTH_<ID>_* environment, and the flags, which win.
func resolveProvider(f *cmdutil.Factory, o *Options, cfg *config.Config) (*providers.Provider, error) {
	var p *providers.Provider
	var err error
	if cfg != nil && cfg.HasProvider(o.Provider) {
		if p, err = cfg.Provider(o.Provider); err != nil {
			return nil, cmdutil.Fail(action(o), trimCannot(err), "fix the providers entry in "+cfg.Path)
		}
	} else if p, err = providers.Lookup(o.Provider); err != nil {
		if o.Issuer == "" {
			return nil, cmdutil.Usage(action(o), "use one of the catalogue's ids, or --issuer URL for any OpenID provider", "%s", strings.TrimPrefix(err.Error(), "authkit: "))
		}
		p = providers.NewOIDC(o.Provider, o.Provider, o.Issuer)
	}
	if o.BaseURL != "" {
		if err := p.SetBaseURL(o.BaseURL); err != nil {
			return nil, cmdutil.Usage(action(o), "drop --base-url, or use it with github or gitlab", "%s", strings.TrimPrefix(err.Error(), "authkit: cannot "))
		}
	}
	providers.FromEnv(p, f.Getenv)
	if o.ClientID != "" {
		p.ClientID = o.ClientID
	}
	if o.ClientSecretEnv != "" {
		v := f.Getenv(o.ClientSecretEnv)
		if v == "" {
			return nil, cmdutil.Fail(action(o), fmt.Errorf("the variable %s named by --client-secret-env is empty or unset", o.ClientSecretEnv), "export "+o.ClientSecretEnv+" with the client secret, or drop the flag to read "+envSecret(p.ID))
		}
		p.ClientSecret = v
	}
	if o.Issuer != "" {
		if p.Issuer != "" && p.Issuer != o.Issuer {
			p.TrustEmail = false
		}
		p.Issuer = o.Issuer
	}
	if len(o.Scopes) > 0 {
		p.Scopes = o.Scopes
	}
	if err := p.Validate(); err != nil {
		return nil, cmdutil.Fail(action(o), trimCannot(err), "")
	}
	return p, nil
}

func envSecret(id string) string {
	_, secret, _ := providers.EnvNames(id)
	return secret
}

// trimCannot turns "authkit: cannot use provider x: cause; fix" into its
// cause, for wrapping in the command's own error.
func trimCannot(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "authkit: cannot ") && i >= 0 {
		rest := strings.TrimPrefix(msg, "authkit: cannot ")
		if j := strings.Index(rest, ": "); j >= 0 {
			msg = rest[j+2:]
		}
	}
	return fmt.Errorf("%s", msg)
}

// callbackBase picks the base URL of the Auth.js routes the redirect URI
// is built on: --port gives http://localhost:PORT/api/auth; else
// authkit.yaml's base_url, AUTH_URL or NEXTAUTH_URL, the first that is a
// loopback http URL, so that the redirect URI registered for local
// development works as it is; else a free port.
func callbackBase(f *cmdutil.Factory, o *Options, cfg *config.Config) (base *url.URL, port int, err error) {
	if o.Port > 0 {
		u, _ := url.Parse("http://localhost:" + strconv.Itoa(o.Port) + "/api/auth")
		return u, o.Port, nil
	}
	candidates := []string{f.Getenv("AUTH_URL"), f.Getenv("NEXTAUTH_URL")}
	if cfg != nil && cfg.BaseURL != "" {
		candidates = append([]string{cfg.AuthURL()}, candidates...)
	}
	for _, raw := range candidates {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "http" || !isLoopback(u.Hostname()) {
			continue
		}
		if u.Path == "" || u.Path == "/" {
			u.Path = "/api/auth"
		}
		u.Path = strings.TrimRight(u.Path, "/")
		p, _ := strconv.Atoi(u.Port())
		if p == 0 {
			p = 80
		}
		return u, p, nil
	}
	u, _ := url.Parse("http://localhost/api/auth")
	return u, 0, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
