#!/usr/bin/env node
// oidc-provider.mjs: a real, certified OpenID provider (the npm package
// oidc-provider, pinned in package.json) on 127.0.0.1, for authkit's
// end-to-end tests (e2e/). authkit did not write it; this script only
// configures it.
//
//   node oidc-provider.mjs [PORT]      PORT 0 or none picks a free one
//
// When it is ready it prints one JSON line on stdout:
//   {"issuer":"http://127.0.0.1:PORT","port":PORT}
// and serves until SIGTERM or SIGINT, then closes and exits 0.
//
// The environment sets the one confidential client and the one account:
//   OP_CLIENT_ID        client id (required)
//   OP_CLIENT_SECRET    client secret (required; client_secret_basic)
//   OP_REDIRECT_URIS    the exact redirect URIs, separated by spaces or
//                       commas (required: oidc-provider compares them exactly)
//   OP_USER_LOGIN       what to type as the login on the sign-in form; it is
//                       also the subject (default 248289761001)
//   OP_USER_EMAIL       the account's email, asserted as verified
//                       (default op-user@example.com)
//   OP_USER_NAME        the account's name (default OP User)
//   OP_EXIT_WITH_STDIN  1: also stop when stdin closes, so that the provider
//                       does not outlive a test process that dies
//
// The provider requires PKCE (S256) for every client, serves the scopes
// openid, email and profile, and keeps oidc-provider's built-in development
// interactions: a browser must fill in the sign-in form (any password) and
// confirm on the consent page. findAccount knows no other login, and
// oidc-provider then ends the sign-in on its error page (server_error).

import http from "node:http";
import { generateKeyPairSync, randomBytes } from "node:crypto";

import Provider from "oidc-provider";
import { serveLoopback } from "./serve-loopback.mjs";

function fail(msg) {
  process.stderr.write(`oidc-provider.mjs: ${msg}\n`);
  process.exit(2);
}

const portArg = process.argv[2] ?? "0";
const port = Number.parseInt(portArg, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535 || String(port) !== portArg.trim()) {
  fail(`usage: node oidc-provider.mjs [PORT]  (got ${JSON.stringify(portArg)})`);
}

const env = process.env;
const clientID = env.OP_CLIENT_ID ?? "";
const clientSecret = env.OP_CLIENT_SECRET ?? "";
const redirectURIs = (env.OP_REDIRECT_URIS ?? "").split(/[\s,]+/).filter(Boolean);
if (!clientID || !clientSecret || redirectURIs.length === 0) {
  fail("set OP_CLIENT_ID, OP_CLIENT_SECRET and OP_REDIRECT_URIS");
}
const user = {
  login: env.OP_USER_LOGIN || "248289761001",
  email: env.OP_USER_EMAIL || "op-user@example.com",
  name: env.OP_USER_NAME || "OP User",
};

// A fresh signing key per run, so that nothing relies on the package's
// development key.
const signingKey = {
  ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }),
  kid: randomBytes(8).toString("hex"),
  alg: "RS256",
  use: "sig",
};

const server = http.createServer();
serveLoopback(server, {
  name: "oidc-provider.mjs",
  port,
  withStdin: env.OP_EXIT_WITH_STDIN === "1",
  ready(actual) {
    const issuer = `http://127.0.0.1:${actual}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: clientID,
          client_secret: clientSecret,
          redirect_uris: redirectURIs,
          grant_types: ["authorization_code"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_basic",
        },
      ],
      jwks: { keys: [signingKey] },
      cookies: { keys: [randomBytes(32).toString("hex")] },
      // PKCE for every client, not only public ones (the default).
      pkce: { required: () => true },
      claims: {
        openid: ["sub"],
        email: ["email", "email_verified"],
        profile: ["name"],
      },
      // Put the scopes' claims in the ID token too. authkit, like Auth.js,
      // reads an OIDC provider's profile from the ID token; oidc-provider's
      // default keeps them for the userinfo endpoint only.
      conformIdTokenClaims: false,
      features: {
        devInteractions: { enabled: true },
      },
      async findAccount(ctx, id) {
        if (id !== user.login) {
          return undefined;
        }
        return {
          accountId: user.login,
          async claims() {
            return { sub: user.login, email: user.email, email_verified: true, name: user.name };
          },
        };
      },
    });
    server.on("request", provider.callback());
    return { issuer, port: actual };
  },
});
