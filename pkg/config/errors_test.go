package config

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// errorCases pin every message: file, line, column, key path and fix.
// $DIR stands for the directory of the file.
var errorCases = []struct{ src, want string }{
	{"base_url: foo\n",
		"authkit: cannot load authkit.yaml: line 1, column 11: base_url \"foo\" is not an absolute http(s) URL; write the app's public URL, such as https://app.example.com"},
	{"base_url: https://a.example/?x=1\n",
		"authkit: cannot load authkit.yaml: line 1, column 11: base_url \"https://a.example/?x=1\" has a query or fragment; write the app's URL alone, such as https://app.example.com"},
	{"base_url: ftp://a.example\n",
		"authkit: cannot load authkit.yaml: line 1, column 11: base_url \"ftp://a.example\" is not an absolute http(s) URL; write the app's public URL, such as https://app.example.com"},
	{"base_url: https://u:p@a.example\n",
		"authkit: cannot load authkit.yaml: line 1, column 11: base_url has a user name or password; write the app's URL alone, such as https://app.example.com"},
	{"base_url: ${AUTH_URL}\n",
		"authkit: cannot load authkit.yaml: line 1, column 11: base_url: ${AUTH_URL} is not set; set AUTH_URL, or give a default: ${AUTH_URL:-value}"},
	{"base_url: ${AUTH_URL\n",
		"authkit: cannot load authkit.yaml: line 1, column 11: base_url: the ${ at offset 0 is not closed; close it with }, or write $${ for a literal ${"},
	{"base_url: ${1BAD}\n",
		"authkit: cannot load authkit.yaml: line 1, column 11: base_url: ${1BAD} is not a variable reference; write ${NAME} or ${NAME:-default} (letters, digits and _), or $${ for a literal ${"},
	{"clientid: x\n",
		"authkit: cannot load authkit.yaml: line 1, column 1: unknown key \"clientid\" at the top level; did you mean client_id in a providers entry?"},
	{"strategy: jwt\n",
		"authkit: cannot load authkit.yaml: line 1, column 1: unknown key \"strategy\" at the top level; did you mean session.strategy?"},
	{"providers:\n  - id: github\n    clientid: x\n",
		"authkit: cannot load authkit.yaml: line 3, column 5: unknown key \"clientid\" in providers[0]; did you mean client_id?"},
	{"providers:\n  - id: github\n    ClientId: x\n",
		"authkit: cannot load authkit.yaml: line 3, column 5: unknown key \"ClientId\" in providers[0]; did you mean client_id?"},
	{"providers:\n  - id: github\n    scope: x\n",
		"authkit: cannot load authkit.yaml: line 3, column 5: unknown key \"scope\" in providers[0]; did you mean scopes?"},
	{"providers:\n  - id: github\n    foo: x\n",
		"authkit: cannot load authkit.yaml: line 3, column 5: unknown key \"foo\" in providers[0]; use one of id, type, name, client_id, client_secret, issuer, scopes, base_url, authorization_url, token_url, userinfo_url, token_auth, trust_email or params"},
	{"session:\n  stratgy: jwt\n",
		"authkit: cannot load authkit.yaml: line 2, column 3: unknown key \"stratgy\" in session; did you mean strategy?"},
	{"session:\n  strategy: jwtt\n",
		"authkit: cannot load authkit.yaml: line 2, column 13: session.strategy \"jwtt\" is not known; did you mean jwt? use jwt or database"},
	{"session:\n  strategy: cookie\n",
		"authkit: cannot load authkit.yaml: line 2, column 13: session.strategy \"cookie\" is not known; use jwt or database"},
	{"session:\n  max_age: 0\n",
		"authkit: cannot load authkit.yaml: line 2, column 12: session.max_age \"0\" must be greater than zero; write 30d, 12h or 90m"},
	{"session:\n  max_age: -5m\n",
		"authkit: cannot load authkit.yaml: line 2, column 12: session.max_age \"-5m\" must be greater than zero; write 30d, 12h or 90m"},
	{"session:\n  max_age: forever\n",
		"authkit: cannot load authkit.yaml: line 2, column 12: session.max_age \"forever\" is not a duration; write 30d, 12h, 90m, or seconds as a whole number"},
	{"session:\n  max_age: 1h\n  update_age: 2h\n",
		"authkit: cannot load authkit.yaml: line 3, column 15: session.update_age is longer than session.max_age, so sessions would expire before they are refreshed; make it shorter (Auth.js uses 24h)"},
	{"session:\n  strategy: database\n  revocation: true\n",
		"authkit: cannot load authkit.yaml: line 3, column 15: session.revocation applies to jwt sessions; database sessions are revoked by deleting their row, so remove it or use strategy: jwt"},
	{"session:\n  strategy: database\n  encoding: authjs\n",
		"authkit: cannot load authkit.yaml: line 3, column 13: session.encoding applies to jwt sessions; a database session's cookie holds a random token, so remove it or use strategy: jwt"},
	{"session:\n  encoding: jws\n",
		"authkit: cannot load authkit.yaml: line 2, column 13: session.encoding jws needs a signing key; add session.jws.key: the path of a PEM, JWK or JWKS file (and session.jws.alg)"},
	{"session:\n  jws:\n    key: k.pem\n",
		"authkit: cannot load authkit.yaml: line 3, column 5: session.jws is set but session.encoding is authjs; add encoding: jws, or remove session.jws"},
	{"session:\n  encoding: jws\n  jws:\n    alg: HS1\n    key: k.pem\n",
		"authkit: cannot load authkit.yaml: line 4, column 10: session.jws.alg \"HS1\" is not known; use HS256, HS384, HS512, RS256, ES256 or EdDSA\nauthkit: cannot load authkit.yaml: line 5, column 10: session.jws.key: cannot read $DIR/k.pem: the file does not exist; check the path (relative paths start at the directory of the configuration file)"},
	{"session:\n  encoding: jws\n  jws:\n    key: missing.pem\n",
		"authkit: cannot load authkit.yaml: line 4, column 10: session.jws.key: cannot read $DIR/missing.pem: the file does not exist; check the path (relative paths start at the directory of the configuration file)"},
	{"session:\n  encoding: jws\n  jws:\n    key: https://x.example/jwks\n",
		"authkit: cannot load authkit.yaml: line 4, column 10: session.jws.key must be a file path; a signing key is never fetched from a URL"},
	{"session: [a]\n",
		"authkit: cannot load authkit.yaml: line 1, column 10: session must be a mapping of keys (strategy, max_age, update_age, encoding, revocation, jws), not a list"},
	{"session: jwt\n",
		"authkit: cannot load authkit.yaml: line 1, column 10: session must be a mapping of keys (strategy, max_age, update_age, encoding, revocation, jws), not a value"},
	{"linking: sometimes\n",
		"authkit: cannot load authkit.yaml: line 1, column 10: linking \"sometimes\" is not known; use never, verified or always"},
	{"linking: verfied\n",
		"authkit: cannot load authkit.yaml: line 1, column 10: linking \"verfied\" is not known; did you mean verified? use never, verified or always"},
	{"secret: hunter2-literal\n",
		"authkit: cannot load authkit.yaml: line 1, column 9: secret[0] is a secret written in the file, where it gets committed and leaks; put it in the environment and write ${AUTH_SECRET}, or in a file and write file:/run/secrets/auth_secret"},
	{"secret:\n  - ${AUTH_SECRET}\n  - literal-old\n",
		"authkit: cannot load authkit.yaml: line 3, column 5: secret[1] is a secret written in the file, where it gets committed and leaks; put it in the environment and write ${AUTH_SECRET_1}, or in a file and write file:/run/secrets/auth_secret_1"},
	{"secret: ${AUTH_SECRET:-fallback}\n",
		"authkit: cannot load authkit.yaml: line 1, column 9: secret[0]: a secret takes no default, which would be a secret written in the file; write ${NAME} alone and set NAME"},
	{"secret: ${NOPE}\n",
		"authkit: cannot load authkit.yaml: line 1, column 9: secret[0]: ${NOPE} is not set; set NOPE"},
	{"secret: file:nothere\n",
		"authkit: cannot load authkit.yaml: line 1, column 9: secret[0]: cannot read $DIR/nothere: the file does not exist; check the path (relative paths start at the directory of the configuration file)"},
	{"secret: []\n",
		"authkit: cannot load authkit.yaml: line 1, column 9: secret is empty; write secret: ${AUTH_SECRET}, or remove the key to read AUTH_SECRET"},
	{"secret:\n",
		"authkit: cannot load authkit.yaml: line 1, column 8: secret is empty; write secret: ${AUTH_SECRET}, or remove the key to read AUTH_SECRET"},
	{"database:\n  url: postgres://app:hunter2@db/app\n",
		"authkit: cannot load authkit.yaml: line 2, column 8: database.url holds a password written in the file, where it is committed and leaks; write url: ${DATABASE_URL}, or take the password alone from the environment: postgres://app:${DB_PASSWORD}@db:5432/app"},
	{"database:\n  url: host=db password=hunter2\n",
		"authkit: cannot load authkit.yaml: line 2, column 8: database.url holds a password written in the file, where it is committed and leaks; write url: ${DATABASE_URL}, or take the password alone from the environment: postgres://app:${DB_PASSWORD}@db:5432/app"},
	{"database:\n  url: ${DATABASE_URL:-postgres://u:pw@h/db}\n",
		"authkit: cannot load authkit.yaml: line 2, column 8: database.url holds a password written in the file, where it is committed and leaks; write url: ${DATABASE_URL}, or take the password alone from the environment: postgres://app:${DB_PASSWORD}@db:5432/app"},
	{"database:\n  schema: prisma\n",
		"authkit: cannot load authkit.yaml: line 2, column 11: database.schema \"prisma\" is not known; use authkit, authjs-prisma, authjs-pg or authjs-drizzle"},
	{"providers:\n  - type: github\n",
		"authkit: cannot load authkit.yaml: line 2, column 5: providers[0] has no id; add id: with the provider's name in URLs, such as id: github"},
	{"providers:\n  - id: GitHub\n",
		"authkit: cannot load authkit.yaml: line 2, column 9: providers[0].id \"GitHub\" is not a valid provider id; use lower-case letters, digits and '-' (64 at most), such as github or corp-sso"},
	{"providers:\n  - id: github\n  - id: github\n",
		"authkit: cannot load authkit.yaml: line 3, column 9: providers[1]: the provider id \"github\" is already used by providers[0] (line 2); give this one another id, such as github-2, with type: github"},
	{"providers:\n  - id: githb\n",
		"authkit: cannot load authkit.yaml: line 2, column 9: providers[0] (githb): \"githb\" is not a catalogue provider (did you mean github?), so give its type: oidc (with issuer) or oauth2 (with authorization_url, token_url and userinfo_url), or one of apple, auth0, authentik, bitbucket, cognito, discord, facebook, github, gitlab, google, keycloak, linkedin, microsoft-entra-id, oauth2, oidc, okta, slack, spotify, twitch, twitter, zitadel"},
	{"providers:\n  - id: corp\n",
		"authkit: cannot load authkit.yaml: line 2, column 9: providers[0] (corp): \"corp\" is not a catalogue provider, so give its type: oidc (with issuer) or oauth2 (with authorization_url, token_url and userinfo_url), or one of apple, auth0, authentik, bitbucket, cognito, discord, facebook, github, gitlab, google, keycloak, linkedin, microsoft-entra-id, oauth2, oidc, okta, slack, spotify, twitch, twitter, zitadel"},
	{"providers:\n  - id: corp\n    type: oidcc\n",
		"authkit: cannot load authkit.yaml: line 3, column 11: providers[0].type \"oidcc\" is not a known provider type; did you mean oidc? use one of apple, auth0, authentik, bitbucket, cognito, discord, facebook, github, gitlab, google, keycloak, linkedin, microsoft-entra-id, oauth2, oidc, okta, slack, spotify, twitch, twitter, zitadel"},
	{"providers:\n  - id: corp\n    type: oidc\n",
		"authkit: cannot load authkit.yaml: line 2, column 5: providers[0] (corp): type oidc needs an issuer; add issuer: (such as https://sso.example.com/realms/main) or set AUTH_CORP_ISSUER"},
	{"providers:\n  - id: corp\n    type: oauth2\n    token_url: https://x.example/t\n",
		"authkit: cannot load authkit.yaml: line 2, column 5: providers[0] (corp): type oauth2 needs authorization_url, token_url and userinfo_url; add authorization_url and userinfo_url (or use type: oidc with an issuer)"},
	{"providers:\n  - id: okta\n",
		"authkit: cannot load authkit.yaml: line 2, column 5: providers[0] (okta): type okta needs an issuer; add issuer: (such as https://sso.example.com/realms/main) or set AUTH_OKTA_ISSUER"},
	{"providers:\n  - id: google\n    base_url: https://x.example\n",
		"authkit: cannot load authkit.yaml: line 3, column 15: providers[0] (google): base_url is for type github (GitHub Enterprise Server) and gitlab (self-hosted GitLab) only; for google give the issuer or the endpoints"},
	{"providers:\n  - id: github\n    base_url: http://git.example.com\n",
		"authkit: cannot load authkit.yaml: line 3, column 15: providers[0].base_url \"http://git.example.com\" is not https; providers must be reached over https (http only on localhost)"},
	{"providers:\n  - id: google\n    trust_email: true\n",
		"authkit: cannot load authkit.yaml: line 3, column 18: providers[0] (google): trust_email: true is only for providers you run (oidc, oauth2, tenant products, self-hosted GitHub or GitLab); the catalogue already trusts google's emails, so remove it"},
	{"providers:\n  - id: twitter\n    trust_email: true\n",
		"authkit: cannot load authkit.yaml: line 3, column 18: providers[0] (twitter): trust_email: true is only for providers you run (oidc, oauth2, tenant products, self-hosted GitHub or GitLab); the catalogue does not trust twitter's emails, so remove it"},
	{"providers:\n  - id: github\n    trust_email: yes\n",
		"authkit: cannot load authkit.yaml: line 3, column 18: providers[0].trust_email must be true or false, not \"yes\""},
	{"providers:\n  - id: github\n    client_secret: abc123\n",
		"authkit: cannot load authkit.yaml: line 3, column 20: providers[0].client_secret is a secret written in the file, where it gets committed and leaks; put it in the environment and write ${AUTH_GITHUB_SECRET}, or in a file and write file:/run/secrets/auth_github_secret"},
	{"providers:\n  - id: github\n    client_secret: ${AUTH_GITHUB_SECRET}\n",
		"authkit: cannot load authkit.yaml: line 3, column 20: providers[0].client_secret: ${AUTH_GITHUB_SECRET} is not set; set AUTH_GITHUB_SECRET"},
	{"providers:\n  - id: github\n    params:\n      state: x\n      scope: y\n",
		"authkit: cannot load authkit.yaml: line 4, column 7: providers[0].params.state is set by the sign-in flow itself and cannot be overridden; remove it\nauthkit: cannot load authkit.yaml: line 5, column 7: providers[0].params.scope is set by the sign-in flow itself and cannot be overridden; use scopes: instead"},
	{"providers:\n  - id: github\n    token_auth: post\n",
		"authkit: cannot load authkit.yaml: line 3, column 17: providers[0].token_auth \"post\" is not known; use client_secret_basic or client_secret_post"},
	{"providers:\n  - id: github\n    scopes: []\n",
		"authkit: cannot load authkit.yaml: line 3, column 13: providers[0].scopes is empty; list the scopes to request, or remove the key to use the catalogue's"},
	{"providers:\n  id: github\n",
		"authkit: cannot load authkit.yaml: line 2, column 3: providers must be a list, not a mapping"},
	{"providers:\n  - github\n",
		"authkit: cannot load authkit.yaml: line 2, column 5: providers[0] must be a mapping of keys (id, type, name, client_id, client_secret, issuer, scopes, base_url, authorization_url, token_url, userinfo_url, token_auth, trust_email, params), not a value"},
	{"pages:\n  accent: red\n",
		"authkit: cannot load authkit.yaml: line 2, column 11: pages.accent \"red\" is not a colour; write #rgb or #rrggbb, such as #4f46e5"},
	{"pages:\n  logo: javascript:alert(1)\n",
		"authkit: cannot load authkit.yaml: line 2, column 9: pages.logo \"javascript:alert(1)\" is not a usable image URL; write an https URL, a path on the app such as /logo.svg, or a data:image/ URL"},
	{"pages:\n  signin: https://evil.example/login\n",
		"authkit: cannot load authkit.yaml: line 2, column 11: pages.signin \"https://evil.example/login\" is a full URL but base_url is not set; write a path such as /login, or set base_url"},
	{"base_url: https://app.example.com\npages:\n  signin: https://evil.example/login\n",
		"authkit: cannot load authkit.yaml: line 3, column 11: pages.signin \"https://evil.example/login\" is on another origin than base_url https://app.example.com; pages must be the app's own, so write a path such as /login"},
	{"pages:\n  error: //evil.example\n",
		"authkit: cannot load authkit.yaml: line 2, column 10: pages.error \"//evil.example\" is not a page of the app; write a path such as /login"},
	{"email: {}\n",
		"authkit: cannot load authkit.yaml: line 1, column 8: email needs from: the sender address, such as from: Example <auth@example.com>"},
	{"email:\n  from: not an address\n",
		"authkit: cannot load authkit.yaml: line 2, column 9: email.from \"not an address\" is not an email address; write auth@example.com or Example <auth@example.com>"},
	{"email:\n  from: a@b.example\n  smtp_url: smtp://u:pw@h\n",
		"authkit: cannot load authkit.yaml: line 3, column 13: email.smtp_url holds a password written in the file, where it is committed and leaks; write smtp_url: ${SMTP_URL}, or smtp://user:${SMTP_PASSWORD}@smtp.example.com:587"},
	{"email:\n  from: a@b.example\n  smtp_url: http://h\n",
		"authkit: cannot load authkit.yaml: line 3, column 13: email.smtp_url \"http://h\" is not an SMTP URL; write smtp://host:587 (STARTTLS) or smtps://host:465 (TLS)"},
	{"siwe: {}\n",
		"authkit: cannot load authkit.yaml: line 1, column 7: siwe needs a domain: set siwe.domain (such as app.example.com), or base_url"},
	{"siwe:\n  domain: https://app.example.com\n",
		"authkit: cannot load authkit.yaml: line 2, column 11: siwe.domain \"https://app.example.com\" is not a domain; write the host (and port) that wallets see, such as app.example.com or localhost:3000"},
	{"siwe:\n  domain: a.example\n  chain_ids: [1, 1, 0]\n",
		"authkit: cannot load authkit.yaml: line 3, column 18: siwe.chain_ids[1]: chain id 1 is listed twice; keep one\nauthkit: cannot load authkit.yaml: line 3, column 21: siwe.chain_ids[2] must be a positive EIP-155 chain id, such as 1 for Ethereum mainnet"},
	{"siwe:\n  domain: a.example\n  chain_ids: [mainnet]\n",
		"authkit: cannot load authkit.yaml: line 3, column 15: siwe.chain_ids[0] must be a whole number, not \"mainnet\""},
	{"serve:\n  addr: localhost\n",
		"authkit: cannot load authkit.yaml: line 2, column 9: serve.addr \"localhost\" is not a host:port address; write 127.0.0.1:3000, or :3000 for every interface"},
	{"serve:\n  base_path: auth\n",
		"authkit: cannot load authkit.yaml: line 2, column 14: serve.base_path \"auth\" is not a path under the site root; write /auth, or /api/auth for Next.js parity"},
	{"serve:\n  base_path: /\n",
		"authkit: cannot load authkit.yaml: line 2, column 14: serve.base_path \"/\" is not a path under the site root; write /auth, or /api/auth for Next.js parity"},
	{"credentials:\n  enabled: maybe\n",
		"authkit: cannot load authkit.yaml: line 2, column 12: credentials.enabled must be true or false, not \"maybe\""},
	{"linking: never\nlinking: always\n",
		"authkit: cannot load authkit.yaml: line 2, column 1: key \"linking\" appears twice at the top level (first at line 1); keep one"},
	{"a: &x 1\nlinking: *x\n",
		"authkit: cannot load authkit.yaml: line 1, column 1: unknown key \"a\" at the top level; use one of base_url, secret, database, session, linking, providers, pages, email, credentials, siwe or serve\nauthkit: cannot load authkit.yaml: line 2, column 10: linking: anchors and aliases (*x) are not supported; write the value out"},
	{"<<: {linking: never}\n",
		"authkit: cannot load authkit.yaml: line 1, column 1: merge keys (<<) are not supported at the top level; write the keys out"},
	{"linking: !custom never\n",
		"authkit: cannot load authkit.yaml: line 1, column 10: linking: the YAML tag \"!custom\" is not supported; remove it"},
	{"- a\n- b\n",
		"authkit: cannot load authkit.yaml: line 1, column 1: the file must be a mapping of keys (base_url:, providers:, ...), not a list"},
	{"linking: never\n---\nlinking: always\n",
		"authkit: cannot load authkit.yaml: line 2: the file holds more than one YAML document (---); keep one"},
	{"session:\n\tstrategy: jwt\n",
		"authkit: cannot load authkit.yaml: line 2: the YAML is malformed: found character that cannot start any token; indent with spaces, not tabs"},
	{"session:\n  strategy: jwt\n   max_age: 1d\n",
		"authkit: cannot load authkit.yaml: line 3: the YAML is malformed: mapping values are not allowed in this context; check the indentation and quoting there"},
	{"providers: [\n",
		"authkit: cannot load authkit.yaml: line 2: the YAML is malformed: did not find expected node content; check the indentation and quoting there"},
	{"'unterminated\n",
		"authkit: cannot load authkit.yaml: line 2: the YAML is malformed: found unexpected end of stream; check the indentation and quoting there"},
	{"? [a, b]\n: c\n",
		"authkit: cannot load authkit.yaml: line 1, column 3: a key at the top level is a list; keys are plain names"},
	// These use files that TestErrors puts in $DIR.
	{"pages:\n  brand: \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n",
		"authkit: cannot load authkit.yaml: line 2, column 10: pages.brand must be one line of at most 100 characters"},
	{"pages:\n  brand: \"two\\nlines\"\n",
		"authkit: cannot load authkit.yaml: line 2, column 10: pages.brand must be one line of at most 100 characters"},
	{"providers:\n  - id: github\n    name: \"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\"\n",
		"authkit: cannot load authkit.yaml: line 3, column 11: providers[0].name must be one line of at most 100 characters"},
	{"providers:\n  - id: github\n    scopes: [\"a\\\"b\"]\n",
		"authkit: cannot load authkit.yaml: line 3, column 14: providers[0].scopes[0] \"a\\\"b\" is not a valid scope; scopes are words without quotes or backslashes"},
	{"providers:\n  - id: github\n    params:\n      \"a b\": x\n",
		"authkit: cannot load authkit.yaml: line 4, column 7: providers[0].params has an invalid parameter name \"a b\""},
	{"providers:\n  - id: github\n    params: [a]\n",
		"authkit: cannot load authkit.yaml: line 3, column 13: providers[0].params must be a mapping of names to values, not a list"},
	{"base_url: [a]\n",
		"authkit: cannot load authkit.yaml: line 1, column 11: base_url must be a string, not a list"},
	{"providers:\n  - id: corp\n    type: oidc\n    issuer: https://u:p@idp.example\n",
		"authkit: cannot load authkit.yaml: line 4, column 13: providers[0].issuer \"https://u:p@idp.example\" has a user name or fragment; write the URL alone"},
	{"providers:\n  - id: corp\n    type: oidc\n    issuer: https://idp.example/#frag\n",
		"authkit: cannot load authkit.yaml: line 4, column 13: providers[0].issuer \"https://idp.example/#frag\" has a user name or fragment; write the URL alone"},
	{"email:\n  from: a@b.example\n  max_age: 0s\n",
		"authkit: cannot load authkit.yaml: line 3, column 12: email.max_age \"0s\" must be greater than zero; write 30d, 12h or 90m"},
	{"secret: file:${NOPE}/x\n",
		"authkit: cannot load authkit.yaml: line 1, column 9: secret[0]: ${NOPE} is not set; set NOPE, or give a default: ${NOPE:-value}"},
	{"secret: file:empty\n",
		"authkit: cannot load authkit.yaml: line 1, column 9: secret[0]: the file $DIR/empty is empty; write the secret in it (authkit secret makes one)"},
	{"secret: file:adir\n",
		"authkit: cannot load authkit.yaml: line 1, column 9: secret[0]: cannot read $DIR/adir: not a regular file; give the path of a file"},
	{"session:\n  encoding: jws\n  jws:\n    key: garbage.pem\n",
		"authkit: cannot load authkit.yaml: line 4, column 10: session.jws.key: the file $DIR/garbage.pem holds no usable key: the data is neither PEM (-----BEGIN ...) nor a JWK or JWKS (JSON); an HMAC secret is given with HMACKey or as an oct JWK, never as a raw file"},
	{"session:\n  encoding: jws\n  jws:\n    alg: RS256\n    key: ec.pem\n",
		"authkit: cannot load authkit.yaml: line 5, column 10: session.jws.key: the file $DIR/ec.pem holds no usable key: PEM block 1 (PRIVATE KEY): an EC P-256 key cannot be used with RS256; use ES256"},
	{"providers:\n  - id: ${PID}\n",
		"authkit: cannot load authkit.yaml: line 2, column 9: providers[0].id: ${PID} is not set; set PID, or give a default: ${PID:-value}"},
	{"session:\n  max_age: 1d-2h\n",
		"authkit: cannot load authkit.yaml: line 2, column 12: session.max_age \"1d-2h\" is not a duration; write 30d, 12h, 90m, or seconds as a whole number"},
	{"session:\n  max_age: 100000d\n",
		"authkit: cannot load authkit.yaml: line 2, column 12: session.max_age \"100000d\" is longer than 100 years; write 30d, 12h or 90m"},
}

func TestErrors(t *testing.T) {
	for _, tt := range errorCases {
		t.Run(strings.SplitN(tt.src, "\n", 2)[0], func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "empty"), "\n \n")
			writeFile(t, filepath.Join(dir, "adir/file"), "")
			writeFile(t, filepath.Join(dir, "garbage.pem"), "not a key")
			writeFile(t, filepath.Join(dir, "ec.pem"), ecKeyPEM(t))
			c, err := parseIn(t, dir, tt.src, map[string]string{"AUTH_SECRET": "x"})
			if err == nil {
				t.Fatalf("loaded %+v, want error\n%s", c, tt.want)
			}
			got := strings.ReplaceAll(err.Error(), dir, "$DIR")
			if got != tt.want {
				t.Errorf("source:\n%s\ngot:\n%s\nwant:\n%s", tt.src, got, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || len(e.Problems) == 0 || e.File != FileName {
				t.Fatalf("error is %T %+v, want *Error with problems", err, err)
			}
			if c != nil {
				t.Error("a Config came back with the error")
			}
		})
	}
}

func TestProblemFields(t *testing.T) {
	src := "providers:\n  - id: github\n    clientid: x\nsession:\n  max_age: soon\nlinking: maybe\n"
	_, err := parse(t, src, nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v", err)
	}
	want := []Problem{
		{Line: 3, Column: 5, Path: "providers[0].clientid"},
		{Line: 5, Column: 12, Path: "session.max_age"},
		{Line: 6, Column: 10, Path: "linking"},
	}
	if len(e.Problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(e.Problems), len(want), err)
	}
	for i, w := range want {
		p := e.Problems[i]
		if p.Line != w.Line || p.Column != w.Column || p.Path != w.Path {
			t.Errorf("problem %d at %d:%d %s, want %d:%d %s", i, p.Line, p.Column, p.Path, w.Line, w.Column, w.Path)
		}
		if !strings.HasPrefix(strings.Split(err.Error(), "\n")[i], "authkit: cannot load authkit.yaml: "+p.Location()+": ") {
			t.Errorf("line %d of the message does not start with the location: %q", i, strings.Split(err.Error(), "\n")[i])
		}
	}
	eq(t, Problem{Line: 4}.Location(), "line 4")
	eq(t, Problem{}.Location(), "")
}

// TestMessagesHoldNoSecret checks that refused literal secrets, and
// values read from the environment, never appear in a message.
func TestMessagesHoldNoSecret(t *testing.T) {
	for _, src := range []string{
		"secret: hunter2-literal\n",
		"secret: [\"${S}\", hunter2-literal]\n",
		"providers:\n  - id: github\n    client_secret: hunter2-literal\n",
		"database:\n  url: postgres://app:hunter2-literal@db/app\n",
		"database:\n  url: host=db password=hunter2-literal\n",
		"email:\n  from: a@b.example\n  smtp_url: smtp://u:hunter2-literal@h\n",
		"email:\n  from: a@b.example\n  smtp_url: ${SMTP}\n",
		"secret: ${S}\nlinking: ${S}\n",
	} {
		_, err := parse(t, src, map[string]string{"S": "env-hunter3", "SMTP": "http://u:env-hunter3@h"})
		if err == nil {
			t.Errorf("%q loaded", src)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "hunter3") {
			t.Errorf("%q: the message shows the secret: %v", src, err)
		}
	}
}

// TestManyProblems checks that a file full of mistakes is reported fast,
// with the first problems listed and the rest counted.
// manyProblems is a file of just under MaxFileSize of unknown keys.
func manyProblems() string {
	var b strings.Builder
	for i := 0; b.Len() < MaxFileSize-64; i++ {
		b.WriteString("unknown_key_" + strings.Repeat("x", i%7) + strconv.Itoa(i) + ": 1\n")
	}
	return b.String()
}

func TestManyProblems(t *testing.T) {
	_, err := parse(t, manyProblems(), nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	if len(e.Problems) != maxProblems+1 || !strings.HasPrefix(e.Problems[maxProblems].Message, "and ") {
		t.Errorf("%d problems, last %q", len(e.Problems), e.Problems[len(e.Problems)-1].Message)
	}
}

// BenchmarkManyProblems loads a 1 MiB file of unknown keys: past the
// listed problems no suggestion is searched for.
func BenchmarkManyProblems(b *testing.B) {
	src := []byte(manyProblems())
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		l := &loader{name: FileName, dir: b.TempDir(), getenv: envOf(nil), readFile: readSecretFile}
		if _, err := l.load(src); err == nil {
			b.Fatal("no error")
		}
	}
}
