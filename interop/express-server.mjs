#!/usr/bin/env node
// express-server.mjs: the real Auth.js (@auth/express, on @auth/core,
// pinned in package.json) as an Express app on 127.0.0.1, for the
// differential test of authkit's HTTP handler (differential_test.go).
// authkit did not write Auth.js; this script only configures it.
//
//   node express-server.mjs [PORT]     PORT 0 or none picks a free one
//
// When it is ready it prints one JSON line on stdout:
//   {"url":"http://127.0.0.1:PORT","port":PORT}
// and serves until SIGTERM or SIGINT, or until its stdin closes, then
// closes and exits 0.
//
// ExpressAuth is mounted at /auth with JWT sessions, trustHost, and one
// OpenID provider with the id "dev" (type "oidc", its default checks),
// found by discovery at the issuer. The environment sets:
//   AUTH_SECRET        the secret (required; the Go side uses the same one)
//   IDP_ISSUER         the provider's issuer URL (required)
//   IDP_CLIENT_ID      the client id (required)
//   IDP_CLIENT_SECRET  the client secret (required)
//   IDP_NAME           the provider's display name (default "Dev")

import http from "node:http";

import express from "express";
import { ExpressAuth } from "@auth/express";
import { serveLoopback } from "./serve-loopback.mjs";

function fail(msg) {
  process.stderr.write(`express-server.mjs: ${msg}\n`);
  process.exit(2);
}

const portArg = process.argv[2] ?? "0";
const port = Number.parseInt(portArg, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535 || String(port) !== portArg.trim()) {
  fail(`usage: node express-server.mjs [PORT]  (got ${JSON.stringify(portArg)})`);
}

const env = process.env;
for (const name of ["AUTH_SECRET", "IDP_ISSUER", "IDP_CLIENT_ID", "IDP_CLIENT_SECRET"]) {
  if (!env[name]) {
    fail(`set ${name}`);
  }
}

const authConfig = {
  secret: env.AUTH_SECRET,
  trustHost: true,
  basePath: "/auth",
  session: { strategy: "jwt" },
  providers: [
    {
      id: "dev",
      name: env.IDP_NAME || "Dev",
      type: "oidc",
      issuer: env.IDP_ISSUER,
      clientId: env.IDP_CLIENT_ID,
      clientSecret: env.IDP_CLIENT_SECRET,
    },
  ],
};

const app = express();
app.disable("x-powered-by");
// @auth/express 0.12 finds its base path as req.baseUrl minus req.params[0]:
// Express 4's "/auth/*" fills params[0]; under Express 5 a regular
// expression with one capture group does the same.
app.use(/^\/auth\/(.*)$/, ExpressAuth(authConfig));

const server = http.createServer(app);
serveLoopback(server, { name: "express-server.mjs", port, ready: (p) => ({ url: `http://127.0.0.1:${p}`, port: p }) });
