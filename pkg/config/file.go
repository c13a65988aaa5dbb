package config

// File mirrors authkit.yaml as written, before defaults and resolution:
// strings stay strings ("30d"), secret references stay references
// ("${AUTH_SECRET}"). Load reads it and turns it into a Config; a command
// that writes authkit.yaml (authkit init) can fill a File and marshal it
// with a YAML library, since every field has its yaml tag.
//
// Fields tagged authkit:"secret" hold secret references, never values:
// "${NAME}" (an environment variable) or "file:PATH" (a file whose
// content, trimmed, is the secret). Every other string may use ${NAME} and
// ${NAME:-default} interpolation; "$${" writes a literal "${".
type File struct {
	// BaseURL is the app's public URL (scheme, host, and a path when the
	// app is mounted under one), such as https://app.example.com. The auth
	// routes live at BaseURL + Serve.BasePath.
	BaseURL string `yaml:"base_url,omitempty"`
	// Secret lists the secrets that seal session tokens and check cookies,
	// newest first: the first signs, all are tried when opening. A single
	// reference may be written without the list. When the key is absent,
	// the secrets come from AUTH_SECRET (and AUTH_SECRET_1..3,
	// NEXTAUTH_SECRET) as Auth.js reads them.
	Secret []string `yaml:"secret,omitempty" authkit:"secret"`
	// Database is where users, accounts and sessions live.
	Database DatabaseFile `yaml:"database,omitempty"`
	// Session configures the session strategy and its tokens.
	Session SessionFile `yaml:"session,omitempty"`
	// Linking is the linking policy for an email collision with nobody
	// signed in: never (the default, as Auth.js), verified or always.
	Linking string `yaml:"linking,omitempty"`
	// Providers are the OAuth / OpenID providers users sign in with.
	Providers []ProviderFile `yaml:"providers,omitempty"`
	// Pages brands the built-in pages or replaces them.
	Pages Pages `yaml:"pages,omitempty"`
	// Email turns on magic-link sign-in when present.
	Email *EmailFile `yaml:"email,omitempty"`
	// Credentials configures password sign-in.
	Credentials *Credentials `yaml:"credentials,omitempty"`
	// SIWE turns on Sign-In with Ethereum when present.
	SIWE *SIWE `yaml:"siwe,omitempty"`
	// Serve configures authkit serve.
	Serve Serve `yaml:"serve,omitempty"`
}

// DatabaseFile is the database section of authkit.yaml.
type DatabaseFile struct {
	// URL is the database URL: a SQLite file (sqlite:./authkit.db,
	// file:./authkit.db) or postgres://. A URL with a password must take
	// it from the environment: ${DATABASE_URL}, or
	// postgres://app:${DB_PASSWORD}@db/app.
	URL string `yaml:"url,omitempty"`
	// Schema forces a schema profile: authkit, authjs-prisma, authjs-pg or
	// authjs-drizzle. Empty means: detect it from the tables.
	Schema string `yaml:"schema,omitempty"`
}

// SessionFile is the session section of authkit.yaml.
type SessionFile struct {
	// Strategy is jwt or database. Empty leaves the choice to the caller
	// (DESIGN: database when a store is used, else jwt).
	Strategy string `yaml:"strategy,omitempty"`
	// MaxAge is the session lifetime: a Go duration ("720h"), days
	// ("30d", "1d12h"), or whole seconds as Auth.js writes maxAge
	// ("2592000"). 30 days when empty.
	MaxAge string `yaml:"max_age,omitempty"`
	// UpdateAge is how often a database session's expiry is pushed back
	// (Auth.js updateAge); same forms as MaxAge, 24 hours when empty, 0
	// means on every read.
	UpdateAge string `yaml:"update_age,omitempty"`
	// Encoding is the JWT encoding: authjs (Auth.js v5 JWE, the default),
	// authjs-v4 (next-auth v4 JWE) or jws (signed, see JWS).
	Encoding string `yaml:"encoding,omitempty"`
	// Revocation, with jwt sessions, keeps a deny-list of token ids in the
	// database so that sign-out and revocation take effect at once.
	Revocation bool `yaml:"revocation,omitempty"`
	// JWS configures the jws encoding.
	JWS *JWSFile `yaml:"jws,omitempty"`
}

// JWSFile is session.jws: the key that signs JWS session tokens.
type JWSFile struct {
	// Alg is HS256, HS384, HS512, RS256, ES256 or EdDSA; empty infers it
	// from the key.
	Alg string `yaml:"alg,omitempty"`
	// Key is the path of a PEM, JWK or JWKS file holding the signing key
	// (relative paths are taken from the directory of authkit.yaml).
	Key string `yaml:"key,omitempty"`
}

// ProviderFile is one entry of the providers list.
type ProviderFile struct {
	// ID is the provider id in URLs and account rows: lower-case letters,
	// digits and '-'. Required.
	ID string `yaml:"id"`
	// Type is the catalogue entry the provider is made from ("github",
	// "google", ...), or "oidc" (an issuer) or "oauth2" (explicit
	// endpoints) for a generic one. Defaults to ID.
	Type string `yaml:"type,omitempty"`
	// Name is the display name; the catalogue's (or the id) when empty.
	Name string `yaml:"name,omitempty"`
	// ClientID is the app's client id; AUTH_<ID>_ID when empty.
	ClientID string `yaml:"client_id,omitempty"`
	// ClientSecret is a reference to the client secret ("${NAME}" or
	// "file:PATH"); AUTH_<ID>_SECRET when empty.
	ClientSecret string `yaml:"client_secret,omitempty" authkit:"secret"`
	// Issuer is the OIDC issuer; AUTH_<ID>_ISSUER when empty. Required for
	// oidc and for tenant products (auth0, okta, keycloak, ...).
	Issuer string `yaml:"issuer,omitempty"`
	// Scopes replace the catalogue's scopes (a list, or one string of
	// space-separated scopes).
	Scopes []string `yaml:"scopes,omitempty"`
	// BaseURL points github at GitHub Enterprise Server, or gitlab at a
	// self-hosted GitLab.
	BaseURL string `yaml:"base_url,omitempty"`
	// AuthorizationURL, TokenURL and UserInfoURL are the endpoints;
	// required for oauth2, optional overrides elsewhere.
	AuthorizationURL string `yaml:"authorization_url,omitempty"`
	TokenURL         string `yaml:"token_url,omitempty"`
	UserInfoURL      string `yaml:"userinfo_url,omitempty"`
	// TokenAuth is client_secret_basic (the default) or
	// client_secret_post.
	TokenAuth string `yaml:"token_auth,omitempty"`
	// TrustEmail says the provider only asserts addresses it verified, so
	// that the verified linking policy may link on them. Only for generic
	// and tenant providers (and self-hosted GitHub / GitLab); for the
	// others the catalogue decides, and only false may be set.
	TrustEmail *bool `yaml:"trust_email,omitempty"`
	// Params are extra authorization request parameters (prompt,
	// access_type, hd, ...). Parameters the flow sets itself are refused.
	Params map[string]string `yaml:"params,omitempty"`
}

// Pages brands the built-in pages, or replaces them with the app's own,
// as Auth.js pages do.
type Pages struct {
	// Brand is the product name shown on the pages.
	Brand string `yaml:"brand,omitempty" json:"brand,omitempty"`
	// Logo is the logo's URL: https, a path on the app ("/logo.svg"), or a
	// data:image/ URL.
	Logo string `yaml:"logo,omitempty" json:"logo,omitempty"`
	// Accent is the accent colour, #rgb or #rrggbb.
	Accent string `yaml:"accent,omitempty" json:"accent,omitempty"`
	// SignIn, SignOut, Error and VerifyRequest replace a built-in page
	// with the app's own: a path ("/login") or a URL of the app's origin.
	SignIn        string `yaml:"signin,omitempty" json:"signin,omitempty"`
	SignOut       string `yaml:"signout,omitempty" json:"signout,omitempty"`
	Error         string `yaml:"error,omitempty" json:"error,omitempty"`
	VerifyRequest string `yaml:"verify_request,omitempty" json:"verify_request,omitempty"`
	// NewUser is where a first sign-in lands (with callbackUrl), as
	// Auth.js pages.newUser.
	NewUser string `yaml:"new_user,omitempty" json:"new_user,omitempty"`
}

// EmailFile is the email section: magic-link sign-in.
type EmailFile struct {
	// From is the sender, "auth@example.com" or "Example <auth@example.com>".
	// Required.
	From string `yaml:"from,omitempty"`
	// SMTPURL is the mail server: smtp://[user@]host[:port] (STARTTLS) or
	// smtps://host[:port] (TLS). A password must come from the
	// environment (smtp://user:${SMTP_PASSWORD}@host, or ${SMTP_URL}).
	// Empty means no mail server: only authkit serve --dev can deliver.
	SMTPURL string `yaml:"smtp_url,omitempty"`
	// MaxAge is how long a link stays valid; 24 hours when empty.
	MaxAge string `yaml:"max_age,omitempty"`
	// PerAddress is how many links one address may be sent per hour; 5
	// when zero.
	PerAddress int64 `yaml:"per_address,omitempty"`
	// PerClient is how many links one client may request per hour; 20
	// when zero.
	PerClient int64 `yaml:"per_client,omitempty"`
}

// Credentials is the credentials section: sign-in with a password.
type Credentials struct {
	// Enabled turns password sign-in on.
	Enabled bool `yaml:"enabled,omitempty" json:"enabled"`
}

// SIWE is the siwe section: Sign-In with Ethereum (EIP-4361).
type SIWE struct {
	// Domain is the domain messages must name (an RFC 3986 authority,
	// "app.example.com" or "localhost:3000"); the host of base_url when
	// empty.
	Domain string `yaml:"domain,omitempty" json:"domain"`
	// ChainIDs are the EIP-155 chain ids accepted; [1] (Ethereum mainnet)
	// when empty.
	ChainIDs []int64 `yaml:"chain_ids,omitempty" json:"chain_ids"`
	// Statement is the sentence wallets show above the message; none when
	// empty.
	Statement string `yaml:"statement,omitempty" json:"statement,omitempty"`
}

// Serve is the serve section: how authkit serve listens.
type Serve struct {
	// Addr is the listen address, host:port. Empty leaves the choice to
	// authkit serve (its --addr flag and default).
	Addr string `yaml:"addr,omitempty" json:"addr,omitempty"`
	// BasePath is the path the auth routes live under: /auth (the
	// default), or /api/auth for Next.js parity.
	BasePath string `yaml:"base_path,omitempty" json:"base_path"`
	// TrustedProxies are the reverse proxies in front of authkit serve
	// (IP addresses or CIDR prefixes): behind them, per-client limits key
	// on the X-Forwarded-For address they add.
	TrustedProxies []string `yaml:"trusted_proxies,omitempty" json:"trusted_proxies,omitempty"`
}
