#!/usr/bin/env node
// express-email.mjs: the real Auth.js (@auth/express on @auth/core, pinned
// in package.json) with email (magic link) sign-in, database sessions and
// the real @auth/pg-adapter, as an Express app on 127.0.0.1, for the
// email interop test (email_test.go). authkit did not write Auth.js; this
// script only configures it.
//
//   node express-email.mjs [PORT]     PORT 0 or none picks a free one
//
// When it is ready it prints one JSON line on stdout:
//   {"url":"http://127.0.0.1:PORT","port":PORT}
// and serves until SIGTERM or SIGINT, or until its stdin closes, then
// closes and exits 0.
//
// ExpressAuth is mounted at /auth with trustHost, session strategy
// "database" and PostgresAdapter(new pg.Pool(DATABASE_URL)). Its one
// provider is Auth.js's email provider under the id "email" (authkit's id
// for email sign-in): what `Email({server, sendVerificationRequest})` of
// @auth/core/providers/email returns, written out here, because that
// module imports `nodemailer` at load time and nodemailer is not installed
// (nothing is mailed). Its sendVerificationRequest appends one JSON line
//   {"identifier":"...","url":"...","token":"...","expires":"ISO"}
// to the file MAIL_OUTBOX, synchronously, so that the line is there before
// Auth.js answers the sign-in POST. (stdout carries only the ready line:
// the Go side reads that one line and discards the rest.)
//
// The environment sets:
//   AUTH_SECRET    the secret (required; the Go side uses the same one)
//   DATABASE_URL   the Postgres database with the pg-adapter tables (required)
//   MAIL_OUTBOX    the file the sign-in links are appended to (required)

import { appendFileSync } from "node:fs";
import http from "node:http";

import express from "express";
import { ExpressAuth } from "@auth/express";
import PostgresAdapter from "@auth/pg-adapter";
import pg from "pg";
import { serveLoopback } from "./serve-loopback.mjs";

function fail(msg) {
  process.stderr.write(`express-email.mjs: ${msg}\n`);
  process.exit(2);
}

const portArg = process.argv[2] ?? "0";
const port = Number.parseInt(portArg, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535 || String(port) !== portArg.trim()) {
  fail(`usage: node express-email.mjs [PORT]  (got ${JSON.stringify(portArg)})`);
}

const env = process.env;
for (const name of ["AUTH_SECRET", "DATABASE_URL", "MAIL_OUTBOX"]) {
  if (!env[name]) {
    fail(`set ${name}`);
  }
}

const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });

// The provider object of @auth/core/providers/email (Nodemailer's, with
// id "email" and name "Email"); `options` is the user configuration that
// Auth.js merges over the defaults, as Email(config) sets it.
const options = {
  server: "smtp://127.0.0.1:9", // never used: sendVerificationRequest below mails nothing
  sendVerificationRequest({ identifier, url, token, expires }) {
    appendFileSync(
      env.MAIL_OUTBOX,
      JSON.stringify({ identifier, url, token, expires: expires.toISOString() }) + "\n"
    );
  },
};
const emailProvider = {
  id: "email",
  type: "email",
  name: "Email",
  server: { host: "localhost", port: 25, auth: { user: "", pass: "" } },
  from: "Auth.js <no-reply@authjs.dev>",
  maxAge: 24 * 60 * 60,
  async sendVerificationRequest() {
    throw new Error("not reached: the options' sendVerificationRequest replaces this one");
  },
  options,
};

const authConfig = {
  secret: env.AUTH_SECRET,
  trustHost: true,
  basePath: "/auth",
  session: { strategy: "database" },
  adapter: PostgresAdapter(pool),
  providers: [emailProvider],
};

const app = express();
app.disable("x-powered-by");
// @auth/express 0.12 finds its base path as req.baseUrl minus req.params[0];
// under Express 5 a regular expression with one capture group fills it.
app.use(/^\/auth\/(.*)$/, ExpressAuth(authConfig));

const server = http.createServer(app);
serveLoopback(server, { name: "express-email.mjs", port, ready: (p) => ({ url: `http://127.0.0.1:${p}`, port: p }), close: () => pool.end() });
