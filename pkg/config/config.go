// Package config loads authkit.yaml: it reads the file, interpolates
// ${NAME} and ${NAME:-default} from the environment, validates every key
// with messages that name the file, the line, the key and the fix, and
// returns a resolved Config: defaults applied, durations parsed, secrets
// read from the environment or from files (and never printed).
//
// A file looks like testdata/config/full.yaml at the root of the module;
// File documents every key.
package config

import (
	"slices"
	"time"
)

// Strategy is how sessions are kept.
type Strategy string

// The session strategies (flow.JWT and flow.Database).
const (
	// StrategyJWT keeps the session in an encrypted (or signed) cookie.
	StrategyJWT Strategy = "jwt"
	// StrategyDatabase keeps a session row; the cookie holds its token.
	StrategyDatabase Strategy = "database"
)

// LinkingPolicy decides an email collision with nobody signed in (see
// flow.LinkingPolicy).
type LinkingPolicy string

// The linking policies (flow.LinkNever, flow.LinkVerified, flow.LinkAlways).
const (
	// LinkNever refuses with OAuthAccountNotLinked (the default).
	LinkNever LinkingPolicy = "never"
	// LinkVerified links when a trusted provider asserts the email verified.
	LinkVerified LinkingPolicy = "verified"
	// LinkAlways links on any email match; dangerous.
	LinkAlways LinkingPolicy = "always"
)

// Encoding is how JWT session tokens are written.
type Encoding string

// The encodings.
const (
	// EncodingAuthJS is the Auth.js v5 JWE (the default).
	EncodingAuthJS Encoding = "authjs"
	// EncodingAuthJSv4 is the next-auth v4 JWE.
	EncodingAuthJSv4 Encoding = "authjs-v4"
	// EncodingJWS is a signed JWT (session.jws configures the key).
	EncodingJWS Encoding = "jws"
)

// Defaults applied by Load.
const (
	// DefaultMaxAge is the session lifetime: 30 days, as Auth.js.
	DefaultMaxAge = 30 * 24 * time.Hour
	// DefaultUpdateAge is how often a database session is extended: 24
	// hours, as Auth.js (at most MaxAge).
	DefaultUpdateAge = 24 * time.Hour
	// DefaultEmailMaxAge is a magic link's lifetime: 24 hours.
	DefaultEmailMaxAge = 24 * time.Hour
	// DefaultBasePath is where the auth routes live.
	DefaultBasePath = "/auth"
)

// FileName is the configuration file looked for in the working directory.
const FileName = "authkit.yaml"

// EnvConfig names the variable that points at the configuration file.
const EnvConfig = "AUTHKIT_CONFIG"

// MaxFileSize is the largest configuration file Load reads: 1 MiB.
const MaxFileSize = 1 << 20

// Config is authkit.yaml resolved: defaults applied, durations parsed,
// secrets read. Printing it (fmt, encoding/json, log/slog) never shows a
// secret's value, only where it comes from.
type Config struct {
	// Path is the file the configuration was loaded from, as given to
	// Load (cleaned); messages name it so.
	Path string `json:"path"`
	// BaseURL is the app's public URL, without a trailing slash; empty
	// when not configured.
	BaseURL string `json:"base_url,omitempty"`
	// Secrets are the secrets, newest first: from the file's secret list,
	// else from AUTH_SECRET and its rotation variables.
	Secrets []Secret `json:"secrets"`
	// Database is the database section.
	Database Database `json:"database"`
	// Session is the session section, with defaults.
	Session Session `json:"session"`
	// Linking is the linking policy; LinkNever by default.
	Linking LinkingPolicy `json:"linking"`
	// ProviderConfigs are the providers as configured, in file order.
	// Providers builds them.
	ProviderConfigs []ProviderConfig `json:"providers"`
	// Pages brands or replaces the built-in pages.
	Pages Pages `json:"pages"`
	// Email is the magic-link configuration; nil when not configured.
	Email *Email `json:"email,omitempty"`
	// Credentials configures password sign-in.
	Credentials Credentials `json:"credentials"`
	// SIWE is the Sign-In with Ethereum configuration, defaults applied;
	// nil when not configured.
	SIWE *SIWE `json:"siwe,omitempty"`
	// Serve is the serve section, defaults applied.
	Serve Serve `json:"serve"`

	getenv func(string) string
}

// Database is the resolved database section.
type Database struct {
	// URL is the database URL; empty when not configured.
	URL Secret `json:"url"`
	// Schema is the forced schema profile; empty means detect.
	Schema string `json:"schema,omitempty"`
}

// Session is the resolved session section.
type Session struct {
	// Strategy is jwt or database; empty when the file does not say.
	Strategy Strategy `json:"strategy,omitempty"`
	// MaxAge is the session lifetime.
	MaxAge time.Duration `json:"max_age"`
	// UpdateAge is how often a database session's expiry is pushed back.
	UpdateAge time.Duration `json:"update_age"`
	// Encoding is the JWT encoding.
	Encoding Encoding `json:"encoding"`
	// Revocation turns on the jti deny-list for JWT sessions.
	Revocation bool `json:"revocation"`
	// JWSAlg is the JWS algorithm; empty means inferred from the key.
	JWSAlg string `json:"jws_alg,omitempty"`
	// JWSKey is the absolute path of the JWS key file; empty unless
	// Encoding is jws.
	JWSKey string `json:"jws_key,omitempty"`
}

// Email is the resolved email section.
type Email struct {
	// From is the sender address.
	From string `json:"from"`
	// SMTPURL is the mail server URL; empty when none is configured.
	SMTPURL Secret `json:"smtp_url"`
	// MaxAge is how long a link stays valid.
	MaxAge time.Duration `json:"max_age"`
	// PerAddress and PerClient are the hourly link limits; 0 means the
	// defaults (5 and 20).
	PerAddress int `json:"per_address,omitempty"`
	PerClient  int `json:"per_client,omitempty"`
}

// ProviderConfig is one configured provider, resolved from the file.
// Empty ClientID, ClientSecret and Issuer are filled from AUTH_<ID>_*
// when Providers builds it.
type ProviderConfig struct {
	// ID is the provider id.
	ID string `json:"id"`
	// Type is the catalogue entry it is made from ("oidc" and "oauth2"
	// for generic ones); the id when the file does not say.
	Type string `json:"type"`
	// Name is the display name, the catalogue's (or the id) by default.
	Name string `json:"name,omitempty"`
	// ClientID is the client id from the file; empty means AUTH_<ID>_ID.
	ClientID string `json:"client_id,omitempty"`
	// ClientSecret is the client secret from the file's reference; empty
	// means AUTH_<ID>_SECRET.
	ClientSecret Secret `json:"client_secret"`
	// Issuer is the OIDC issuer from the file; empty means the
	// catalogue's, else AUTH_<ID>_ISSUER.
	Issuer string `json:"issuer,omitempty"`
	// Scopes replace the catalogue's when not empty.
	Scopes []string `json:"scopes,omitempty"`
	// BaseURL is a GitHub Enterprise or self-hosted GitLab server.
	BaseURL string `json:"base_url,omitempty"`
	// AuthURL, TokenURL and UserInfoURL override (or, for oauth2, give)
	// the endpoints.
	AuthURL     string `json:"authorization_url,omitempty"`
	TokenURL    string `json:"token_url,omitempty"`
	UserInfoURL string `json:"userinfo_url,omitempty"`
	// TokenAuth is client_secret_basic or client_secret_post; empty
	// means the catalogue's.
	TokenAuth string `json:"token_auth,omitempty"`
	// TrustEmail overrides the catalogue's decision when not nil.
	TrustEmail *bool `json:"trust_email,omitempty"`
	// Params are added to the authorization request.
	Params map[string]string `json:"params,omitempty"`
	// Line is where the entry starts in the file.
	Line int `json:"line"`
	// Unset lists the values that wait for the environment, when loaded
	// with LoadOptions.AllowUnsetProviderEnv; always empty otherwise.
	Unset []UnsetEnv `json:"-"`
}

// UnsetEnv is a provider value left empty because its variable is unset.
type UnsetEnv struct {
	// Key is the key in the entry: issuer, client_id, client_secret,
	// scopes[0], params.audience, ...
	Key string
	// Env is the variable to set.
	Env string
}

// UnsetEnv lists the variables the providers wait for (see
// LoadOptions.AllowUnsetProviderEnv), each once, in file order.
func (c *Config) UnsetEnv() []string {
	var out []string
	for _, pc := range c.ProviderConfigs {
		for _, u := range pc.Unset {
			if !slices.Contains(out, u.Env) {
				out = append(out, u.Env)
			}
		}
	}
	return out
}

// SecretValues returns the secrets' values, newest first, as the session
// codecs and flow.Config take them.
func (c *Config) SecretValues() []string {
	out := make([]string, len(c.Secrets))
	for i, s := range c.Secrets {
		out[i] = s.Value()
	}
	return out
}

// AuthURL is the absolute URL of the auth routes, BaseURL + BasePath
// (https://app.example.com/auth), as flow.Config.BaseURL takes it; empty
// when BaseURL is.
func (c *Config) AuthURL() string {
	if c.BaseURL == "" {
		return ""
	}
	return c.BaseURL + c.Serve.BasePath
}
