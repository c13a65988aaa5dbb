package providers

import (
	"errors"
	"fmt"
	"github.com/authkit-dev/authkit/pkg/internal/textdist"
	"net/url"
	"sort"
	"strings"
)

// The catalogue. Each constructor returns a new template, without
// credentials: fill ClientID and ClientSecret (FromEnv reads them from
// AUTH_<ID>_ID and AUTH_<ID>_SECRET), and Issuer where the provider is a
// tenant of a product (Auth0, Okta, Keycloak, ...). Endpoints, scopes,
// checks and profile mapping follow Auth.js v5 (@auth/core 0.41) unless a
// comment says otherwise. OIDC entries leave their endpoints empty:
// Discover fills them from the issuer, as Auth.js does.
//
// TrustEmail is decided per provider. It is true only for a single,
// global provider whose own "verified" flag is reliable, so that the
// "verified" linking policy may link on Profile.EmailVerified. Providers
// run by whoever holds a tenant (Auth0, Okta, Keycloak, Zitadel, Authentik,
// Cognito, Entra ID, Slack workspaces, self-hosted GitLab or GitHub
// Enterprise) are not trusted by default, because the tenant's
// administrator, or a user of a misconfigured tenant, decides what the
// flag says; set TrustEmail on a copy to trust a tenant you run.

var oidcScopes = []string{"openid", "profile", "email"}

func scopes(s ...string) []string { return s }

// GitHub is GitHub's OAuth app (or GitHub App user authorisation): OAuth 2,
// scopes read:user and user:email, profile from api.github.com/user. The
// address and whether it is verified come from /user/emails: when /user
// has no public address, the primary verified address is used, else the
// first verified one (Auth.js takes the primary address, verified or
// not). TrustEmail: true, since the verified flag of /user/emails is
// GitHub's own and an address is only marked verified once its owner
// clicked GitHub's link. For GitHub Enterprise Server, see SetBaseURL.
// Register the app and its callback URL at
// https://github.com/settings/developers.
func GitHub() *Provider {
	return &Provider{
		ID:           "github",
		Name:         "GitHub",
		Kind:         OAuth2,
		AuthURL:      "https://github.com/login/oauth/authorize",
		TokenURL:     "https://github.com/login/oauth/access_token",
		UserInfoURL:  "https://api.github.com/user",
		Scopes:       scopes("read:user", "user:email"),
		Checks:       []Check{CheckPKCE},
		TokenAuth:    ClientSecretBasic,
		TrustEmail:   true,
		ConsoleURL:   "https://github.com/settings/developers",
		FetchProfile: fetchGitHub,
		MapProfile:   mapGitHub,
		family:       "github",
	}
}

// Google is Google's OpenID Connect (issuer https://accounts.google.com,
// scope openid profile email; profile from the ID token: sub, name, email,
// picture). TrustEmail: true, but EmailVerified is only set when Google is
// authoritative for the address: email_verified is true and the address is
// a Gmail address or the account is a Google Workspace one (hd claim).
// For other addresses Google only says they were verified once, when the
// account was made, and the address may have changed hands since.
// Register the OAuth client at https://console.cloud.google.com/apis/credentials.
func Google() *Provider {
	return &Provider{
		ID:         "google",
		Name:       "Google",
		Kind:       OIDC,
		Issuer:     "https://accounts.google.com",
		Scopes:     scopes(oidcScopes...),
		Checks:     []Check{CheckPKCE},
		TokenAuth:  ClientSecretBasic,
		TrustEmail: true,
		ConsoleURL: "https://console.cloud.google.com/apis/credentials",
		MapProfile: mapGoogle,
		family:     "google",
	}
}

// Discord is Discord's OAuth 2 (scopes identify email, profile from
// discord.com/api/users/@me: id, global_name else username, email, avatar
// by DiscordAvatarURL). TrustEmail: true; EmailVerified is Discord's
// verified flag, which Discord sets once the owner confirmed the address.
// Register the application at https://discord.com/developers/applications.
func Discord() *Provider {
	return &Provider{
		ID:          "discord",
		Name:        "Discord",
		Kind:        OAuth2,
		AuthURL:     "https://discord.com/api/oauth2/authorize",
		TokenURL:    "https://discord.com/api/oauth2/token",
		UserInfoURL: "https://discord.com/api/users/@me",
		Scopes:      scopes("identify", "email"),
		Checks:      []Check{CheckPKCE},
		TokenAuth:   ClientSecretBasic,
		TrustEmail:  true,
		ConsoleURL:  "https://discord.com/developers/applications",
		MapProfile:  mapDiscord,
		family:      "discord",
	}
}

// GitLab is gitlab.com's OAuth 2 (scope read_user, profile from
// /api/v4/user: id, name else username, email, avatar_url). For a
// self-hosted GitLab, see SetBaseURL. TrustEmail: true on gitlab.com,
// where the profile's address is the confirmed primary one, and
// EmailVerified is set when the profile has confirmed_at; false on a
// self-hosted instance, whose administrator may skip confirmation.
// Register the application at https://gitlab.com/-/user_settings/applications.
func GitLab() *Provider {
	return &Provider{
		ID:          "gitlab",
		Name:        "GitLab",
		Kind:        OAuth2,
		AuthURL:     "https://gitlab.com/oauth/authorize",
		TokenURL:    "https://gitlab.com/oauth/token",
		UserInfoURL: "https://gitlab.com/api/v4/user",
		Scopes:      scopes("read_user"),
		Checks:      []Check{CheckPKCE},
		TokenAuth:   ClientSecretBasic,
		TrustEmail:  true,
		ConsoleURL:  "https://gitlab.com/-/user_settings/applications",
		MapProfile:  mapGitLab,
		family:      "gitlab",
	}
}

// Apple is Sign in with Apple: OIDC (issuer https://appleid.apple.com),
// scope "name email", response_mode=form_post (the callback is a POST),
// client_secret_post, and the checks nonce and state, as Auth.js v5 has
// them. The client secret is an ES256 JWT that AppleClientSecret makes from
// the team's .p8 key; it expires after six months at most. Apple sends the
// user's name only on the first sign-in, in the callback's user form
// field, which the flow passes to the mapping as raw["user"]; after that
// the name is the e-mail address, as in Auth.js. TrustEmail: true; Apple
// only gives addresses it verified (private relay addresses included) and
// says so in email_verified. Register the Services ID at
// https://developer.apple.com/account/resources/identifiers/list/serviceId.
func Apple() *Provider {
	return &Provider{
		ID:           "apple",
		Name:         "Apple",
		Kind:         OIDC,
		Issuer:       "https://appleid.apple.com",
		Scopes:       scopes("name", "email"),
		Checks:       []Check{CheckNonce, CheckState},
		TokenAuth:    ClientSecretPost,
		ResponseMode: "form_post",
		TrustEmail:   true,
		ConsoleURL:   "https://developer.apple.com/account/resources/identifiers/list/serviceId",
		MapProfile:   mapApple,
		family:       "apple",
	}
}

// MicrosoftEntraID is Microsoft Entra ID (formerly Azure AD), OIDC, scope
// openid profile email User.Read. The issuer is the tenant's,
// https://login.microsoftonline.com/<tenant-id>/v2.0 (EntraIssuer), from
// AUTH_MICROSOFT_ENTRA_ID_ISSUER; it defaults to the multi-tenant "common"
// issuer as in Auth.js. Multi-tenant issuers ("common", "organizations",
// "consumers") are handled thus: discovery accepts the document's
// templated issuer https://login.microsoftonline.com/{tenantid}/v2.0 (or,
// for "consumers", the personal accounts tenant's issuer), and
// IDTokenIssuer gives the iss each ID token must carry, from its own tid
// claim. Auth.js instead rewrites the template to the configured tenant
// and discovers again with the token's tid. Give the tenant id (a GUID),
// not a domain name: a domain's document names the GUID issuer and is
// refused as a mismatch.
//
// The profile is the userinfo answer (sub, name, email) and the user's
// Microsoft Graph photo (48x48) as a data:image/jpeg;base64, URL (Auth.js
// puts a space after the comma; authkit does not). TrustEmail: false:
// Entra's email claim is an attribute the tenant's administrators, and in
// some tenants the users, may set to any address without verification
// (the "nOAuth" attack); EmailVerified is email_verified or the optional
// xms_edov claim when the tenant emits them. Register the app at
// https://entra.microsoft.com (App registrations).
func MicrosoftEntraID() *Provider {
	return &Provider{
		ID:           "microsoft-entra-id",
		Name:         "Microsoft Entra ID",
		Kind:         OIDC,
		Issuer:       EntraIssuer("common"),
		Scopes:       scopes("openid", "profile", "email", "User.Read"),
		Checks:       []Check{CheckPKCE},
		TokenAuth:    ClientSecretBasic,
		ConsoleURL:   "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade",
		FetchProfile: fetchEntra,
		MapProfile:   mapEntra,
		family:       "microsoft-entra-id",
	}
}

// tenantOIDC is an OIDC product that runs as a tenant the app owner
// configures: issuer required, default mapping, TrustEmail false.
func tenantOIDC(id, name, console string, checks ...Check) *Provider {
	if len(checks) == 0 {
		checks = []Check{CheckPKCE}
	}
	return &Provider{
		ID:         id,
		Name:       name,
		Kind:       OIDC,
		Scopes:     scopes(oidcScopes...),
		Checks:     checks,
		TokenAuth:  ClientSecretBasic,
		ConsoleURL: console,
		family:     id,
	}
}

// Auth0 is an Auth0 tenant: OIDC, issuer required
// (https://<tenant>.<region>.auth0.com/, with its trailing slash, or a
// custom domain), default OIDC mapping. TrustEmail: false; the tenant's
// connections (social, enterprise, custom databases) and actions decide
// email_verified. Register the application at
// https://manage.auth0.com/#/applications.
func Auth0() *Provider {
	return tenantOIDC("auth0", "Auth0", "https://manage.auth0.com/#/applications")
}

// Okta is an Okta org or authorization server: OIDC, issuer required
// (https://<org>.okta.com or https://<org>.okta.com/oauth2/default),
// checks pkce and state, default OIDC mapping. TrustEmail: false; the
// org's administrators and profile sources decide email_verified.
// Register the app integration in the org's admin console
// (https://login.okta.com, then Applications).
func Okta() *Provider {
	return tenantOIDC("okta", "Okta", "https://login.okta.com", CheckPKCE, CheckState)
}

// Keycloak is a Keycloak realm: OIDC, issuer required
// (https://<host>/realms/<realm>), default OIDC mapping. TrustEmail:
// false; realm administrators may mark any address verified, and realms
// without "verify email" let users set one. Register the client in the
// realm's admin console (https://<host>/admin/master/console/, Clients).
func Keycloak() *Provider {
	return tenantOIDC("keycloak", "Keycloak", "https://www.keycloak.org/docs/latest/server_admin/#_oidc_clients")
}

// LinkedIn is Sign In with LinkedIn using OpenID Connect: issuer
// https://www.linkedin.com/oauth, scope openid profile email,
// client_secret_post, check state only (LinkedIn supports PKCE for native
// apps only), default OIDC mapping. TrustEmail: true; email_verified is
// LinkedIn's own flag for the member's primary address. Register the app
// at https://www.linkedin.com/developers/apps and add the "Sign In with
// LinkedIn using OpenID Connect" product.
func LinkedIn() *Provider {
	return &Provider{
		ID:         "linkedin",
		Name:       "LinkedIn",
		Kind:       OIDC,
		Issuer:     "https://www.linkedin.com/oauth",
		Scopes:     scopes(oidcScopes...),
		Checks:     []Check{CheckState},
		TokenAuth:  ClientSecretPost,
		TrustEmail: true,
		ConsoleURL: "https://www.linkedin.com/developers/apps",
		family:     "linkedin",
	}
}

// Twitter is X (Twitter) with OAuth 2, the endpoints of Auth.js v5:
// x.com/i/oauth2/authorize, api.x.com/2/oauth2/token, and the profile from
// api.x.com/2/users/me?user.fields=profile_image_url, under "data" (id,
// name, email when present, profile_image_url); scopes users.read
// tweet.read offline.access; checks pkce and state. TrustEmail: false; X
// gives no verified flag. Register the app at
// https://developer.x.com/en/portal/dashboard (User authentication
// settings, type "Web App").
func Twitter() *Provider {
	return &Provider{
		ID:          "twitter",
		Name:        "Twitter",
		Kind:        OAuth2,
		AuthURL:     "https://x.com/i/oauth2/authorize",
		TokenURL:    "https://api.x.com/2/oauth2/token",
		UserInfoURL: "https://api.x.com/2/users/me?user.fields=profile_image_url",
		Scopes:      scopes("users.read", "tweet.read", "offline.access"),
		Checks:      []Check{CheckPKCE, CheckState},
		TokenAuth:   ClientSecretBasic,
		ConsoleURL:  "https://developer.x.com/en/portal/dashboard",
		MapProfile:  mapTwitter,
		family:      "twitter",
	}
}

// Slack is Sign in with Slack (OpenID Connect, issuer https://slack.com,
// scope openid profile email, check nonce as in Auth.js v5, default OIDC
// mapping). TrustEmail: false; anyone can create a workspace, and a
// workspace with single sign-on takes its members' addresses from the
// workspace's own identity provider. Register the app at
// https://api.slack.com/apps.
func Slack() *Provider {
	return &Provider{
		ID:         "slack",
		Name:       "Slack",
		Kind:       OIDC,
		Issuer:     "https://slack.com",
		Scopes:     scopes(oidcScopes...),
		Checks:     []Check{CheckNonce},
		TokenAuth:  ClientSecretBasic,
		ConsoleURL: "https://api.slack.com/apps",
		family:     "slack",
	}
}

// Twitch is Twitch's OpenID Connect (issuer https://id.twitch.tv/oauth2,
// scope openid user:read:email, client_secret_post). Twitch puts the
// address in the ID token only when asked by the claims parameter, so the
// authorization request carries
// claims={"id_token":{"email":null,"email_verified":null,"picture":null,"preferred_username":null}}
// (Auth.js asks for the same without email_verified). Default OIDC
// mapping: the name is preferred_username. TrustEmail: true;
// email_verified is Twitch's own flag. Note that Twitch's token endpoint
// answers scope as a JSON array. Register the application at
// https://dev.twitch.tv/console/apps.
func Twitch() *Provider {
	return &Provider{
		ID:     "twitch",
		Name:   "Twitch",
		Kind:   OIDC,
		Issuer: "https://id.twitch.tv/oauth2",
		Scopes: scopes("openid", "user:read:email"),
		AuthParams: url.Values{
			"claims": {`{"id_token":{"email":null,"email_verified":null,"picture":null,"preferred_username":null}}`},
		},
		Checks:     []Check{CheckPKCE},
		TokenAuth:  ClientSecretPost,
		TrustEmail: true,
		ConsoleURL: "https://dev.twitch.tv/console/apps",
		family:     "twitch",
	}
}

// Spotify is Spotify's OAuth 2 (accounts.spotify.com/authorize and
// /api/token, scope user-read-email, profile from api.spotify.com/v1/me:
// id, display_name, email, images[0].url). TrustEmail: false; Spotify gives
// no verified flag. Register the app at https://developer.spotify.com/dashboard.
func Spotify() *Provider {
	return &Provider{
		ID:          "spotify",
		Name:        "Spotify",
		Kind:        OAuth2,
		AuthURL:     "https://accounts.spotify.com/authorize",
		TokenURL:    "https://accounts.spotify.com/api/token",
		UserInfoURL: "https://api.spotify.com/v1/me",
		Scopes:      scopes("user-read-email"),
		Checks:      []Check{CheckPKCE},
		TokenAuth:   ClientSecretBasic,
		ConsoleURL:  "https://developer.spotify.com/dashboard",
		MapProfile:  mapSpotify,
		family:      "spotify",
	}
}

// Facebook is Facebook Login over OAuth 2: www.facebook.com/dialog/oauth,
// graph.facebook.com/oauth/access_token, profile from
// graph.facebook.com/me?fields=id,name,email,picture (id, name, email,
// picture.data.url), scope email. Auth.js pins Graph API v19.0 in the
// authorization URL; authkit uses the unversioned URL, which follows the
// app's own API version, so that it does not break when v19.0 is retired.
// TrustEmail: false; Facebook gives no verified flag. Register the app at
// https://developers.facebook.com/apps.
func Facebook() *Provider {
	return &Provider{
		ID:          "facebook",
		Name:        "Facebook",
		Kind:        OAuth2,
		AuthURL:     "https://www.facebook.com/dialog/oauth",
		TokenURL:    "https://graph.facebook.com/oauth/access_token",
		UserInfoURL: "https://graph.facebook.com/me?fields=id,name,email,picture",
		Scopes:      scopes("email"),
		Checks:      []Check{CheckPKCE},
		TokenAuth:   ClientSecretBasic,
		ConsoleURL:  "https://developers.facebook.com/apps",
		MapProfile:  mapFacebook,
		family:      "facebook",
	}
}

// Bitbucket is Bitbucket Cloud's OAuth 2 (bitbucket.org/site/oauth2/authorize
// and /access_token, profile from api.bitbucket.org/2.0/user: id from
// account_id, display_name else username, links.avatar.href, as Auth.js
// v5). authkit also asks for the email scope and reads
// /2.0/user/emails: the primary confirmed address, else the first
// confirmed one (Auth.js reads no address). TrustEmail: true; is_confirmed
// is Bitbucket's own flag. Register an OAuth consumer in the workspace
// settings (https://bitbucket.org/account/workspaces/, then OAuth
// consumers).
func Bitbucket() *Provider {
	return &Provider{
		ID:           "bitbucket",
		Name:         "Bitbucket",
		Kind:         OAuth2,
		AuthURL:      "https://bitbucket.org/site/oauth2/authorize",
		TokenURL:     "https://bitbucket.org/site/oauth2/access_token",
		UserInfoURL:  "https://api.bitbucket.org/2.0/user",
		Scopes:       scopes("account", "email"),
		Checks:       []Check{CheckPKCE},
		TokenAuth:    ClientSecretBasic,
		TrustEmail:   true,
		ConsoleURL:   "https://bitbucket.org/account/workspaces/",
		FetchProfile: fetchBitbucket,
		MapProfile:   mapBitbucket,
		family:       "bitbucket",
	}
}

// Zitadel is a ZITADEL instance: OIDC, issuer required
// (https://<instance>.zitadel.cloud or your own domain), default OIDC
// mapping. TrustEmail: false; the instance's administrators and identity
// providers decide email_verified. Register the application in the
// instance's console (https://<instance>/ui/console, Projects).
func Zitadel() *Provider {
	return tenantOIDC("zitadel", "ZITADEL", "https://zitadel.com/docs/guides/manage/console/applications")
}

// Authentik is an authentik OAuth2/OpenID provider: OIDC, issuer required
// (https://<host>/application/o/<slug>/, with its trailing slash), default
// OIDC mapping. TrustEmail: false; authentik's email_verified comes from
// its own configuration. Register the provider and application in the
// admin interface (https://<host>/if/admin/).
func Authentik() *Provider {
	return tenantOIDC("authentik", "Authentik", "https://docs.goauthentik.io/docs/add-secure-apps/providers/oauth2/")
}

// Cognito is an Amazon Cognito user pool: OIDC, issuer required
// (https://cognito-idp.<region>.amazonaws.com/<user-pool-id>), default
// OIDC mapping. TrustEmail: false; email_verified can be set by the pool's
// administrators and, when an app client may write it, by users.
// Register the app client at
// https://console.aws.amazon.com/cognito/v2/idp/user-pools.
func Cognito() *Provider {
	return tenantOIDC("cognito", "Cognito", "https://console.aws.amazon.com/cognito/v2/idp/user-pools")
}

// NewOIDC is a generic OpenID Connect provider: the given issuer
// (discovered with Discover), scope openid profile email, check pkce, the
// default OIDC mapping (MapOIDCProfile). TrustEmail is false; set it on the
// result for an issuer you trust to verify addresses.
func NewOIDC(id, name, issuer string) *Provider {
	return &Provider{
		ID:        id,
		Name:      name,
		Kind:      OIDC,
		Issuer:    issuer,
		Scopes:    scopes(oidcScopes...),
		Checks:    []Check{CheckPKCE},
		TokenAuth: ClientSecretBasic,
		family:    "oidc",
	}
}

// NewOAuth2 is a generic OAuth 2 provider with explicit endpoints, check
// pkce, no default scope, FetchUserInfo for the profile and the default
// mapping (MapOIDCProfile: sub or id, name, email, picture). TrustEmail is false.
func NewOAuth2(id, name string, authURL, tokenURL, userinfoURL string) *Provider {
	return &Provider{
		ID:          id,
		Name:        name,
		Kind:        OAuth2,
		AuthURL:     authURL,
		TokenURL:    tokenURL,
		UserInfoURL: userinfoURL,
		Checks:      []Check{CheckPKCE},
		TokenAuth:   ClientSecretBasic,
		family:      "oauth2",
	}
}

// SetBaseURL points a GitHub or GitLab provider at a self-hosted server:
// for GitHub Enterprise Server, <base>/login/oauth/authorize,
// <base>/login/oauth/access_token and the API at <base>/api/v3; for GitLab,
// <base>/oauth/authorize, <base>/oauth/token and <base>/api/v4/user. The
// console URL follows. A self-hosted server's administrator decides which
// addresses count as verified, so TrustEmail becomes false (set it again
// for a server you run). https://github.com and https://gitlab.com give
// back the catalogue's own settings. Other providers have no base URL.
func (p *Provider) SetBaseURL(base string) error {
	fail := func(cause, fix string) error {
		return fmt.Errorf("authkit: cannot set the base URL of provider %s: %s; %s", p.label(), cause, fix)
	}
	if p.family != "github" && p.family != "gitlab" {
		return fail("only GitHub and GitLab have one", "give the endpoints (or, for OIDC, the issuer) instead")
	}
	if err := checkURL(base); err != nil {
		return fail("the URL "+err.Error(), "give the server's https URL, such as https://git.example.com")
	}
	u, _ := url.Parse(base)
	if u.RawQuery != "" || u.Fragment != "" {
		return fail("the URL has a query or fragment", "give the server's URL alone, such as https://git.example.com")
	}
	base = strings.TrimRight(u.String(), "/")
	var def *Provider
	if p.family == "github" {
		def = GitHub()
		if !strings.EqualFold(u.Host, "github.com") {
			def.AuthURL = base + "/login/oauth/authorize"
			def.TokenURL = base + "/login/oauth/access_token"
			def.UserInfoURL = base + "/api/v3/user"
			def.ConsoleURL = base + "/settings/developers"
			def.TrustEmail = false
		}
	} else {
		def = GitLab()
		if !strings.EqualFold(u.Host, "gitlab.com") {
			def.AuthURL = base + "/oauth/authorize"
			def.TokenURL = base + "/oauth/token"
			def.UserInfoURL = base + "/api/v4/user"
			def.ConsoleURL = base + "/-/user_settings/applications"
			def.TrustEmail = false
		}
	}
	p.AuthURL, p.TokenURL, p.UserInfoURL, p.ConsoleURL, p.TrustEmail = def.AuthURL, def.TokenURL, def.UserInfoURL, def.ConsoleURL, def.TrustEmail
	return nil
}

// catalogue is every built-in template by id.
var catalogue = func() map[string]*Provider {
	m := map[string]*Provider{}
	for _, p := range []*Provider{
		GitHub(), Google(), Discord(), GitLab(), Apple(), MicrosoftEntraID(),
		Auth0(), Okta(), Keycloak(), LinkedIn(), Twitter(), Slack(), Twitch(),
		Spotify(), Facebook(), Bitbucket(), Zitadel(), Authentik(), Cognito(),
		NewOIDC("oidc", "OpenID Connect", ""),
		NewOAuth2("oauth2", "OAuth 2.0", "", "", ""),
	} {
		m[p.ID] = p
	}
	return m
}()

// ErrUnknownProvider is wrapped by Lookup's error for an id that is not in
// the catalogue.
var ErrUnknownProvider = errors.New("unknown provider")

// IDs returns the catalogue's provider ids, sorted. "oidc" and "oauth2"
// are the generic providers (an issuer, or explicit endpoints, to be
// configured).
func IDs() []string {
	ids := make([]string, 0, len(catalogue))
	for id := range catalogue {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// All returns a copy of every catalogue entry, sorted by id.
func All() []*Provider {
	out := make([]*Provider, 0, len(catalogue))
	for _, id := range IDs() {
		out = append(out, catalogue[id].Clone())
	}
	return out
}

// Lookup returns a copy of the catalogue entry id, to fill in with
// credentials (FromEnv) without changing the catalogue. For an unknown id
// the error wraps ErrUnknownProvider and lists the known ids, sorted, with
// a suggestion when the id looks like a typo of one.
func Lookup(id string) (*Provider, error) {
	if p, ok := catalogue[id]; ok {
		return p.Clone(), nil
	}
	msg := fmt.Sprintf("authkit: cannot find provider %q: %s; ", sanitise(id, 64), ErrUnknownProvider)
	if s := suggest(id); s != "" {
		msg += "did you mean " + s + "? "
	}
	msg += "use one of " + strings.Join(IDs(), ", ")
	return nil, &lookupError{msg: msg}
}

type lookupError struct{ msg string }

func (e *lookupError) Error() string { return e.msg }
func (e *lookupError) Unwrap() error { return ErrUnknownProvider }

// suggest returns the catalogue id closest to id (case-insensitive edit
// distance at most 2, or a prefix), or "".
func suggest(id string) string {
	lid := strings.ToLower(strings.TrimSpace(id))
	if lid == "" {
		return ""
	}
	best, bestD := "", 3
	for _, k := range IDs() {
		d := textdist.Distance(lid, k)
		if d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		for _, k := range IDs() {
			if len(lid) >= 3 && strings.HasPrefix(k, lid) {
				return k
			}
		}
	}
	return best
}
