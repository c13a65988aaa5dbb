#!/usr/bin/env node
// session.mjs: a small CLI over the real Auth.js session-token and cookie
// code, so that authkit's Go session package can be checked against it.
//
//   node session.mjs mint                  prints the golden vector set
//   node session.mjs decode < request.json
//   node session.mjs encode < request.json
//   node session.mjs cookies < request.json
//   node session.mjs readcookies < request.json
//   node session.mjs gettoken < request.json
//   node session.mjs batch < [{"cmd": "decode", ...}, ...]
//
// Every command reads one JSON document on stdin (mint reads nothing) and
// prints one JSON document on stdout. A failure prints {"error": "...",
// "code": "..."} (code only when the library gave one) and exits 1; bad
// usage exits 2. See README.md for the request fields.
//
// "version" is 5 (@auth/core 0.41.3) or 4 (next-auth 4.24.15). Secrets in
// the vectors are test-only strings.

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

import * as v5 from "@auth/core/jwt";
import * as v4 from "next-auth/jwt";
import { EncryptJWT, calculateJwkThumbprint, base64url } from "jose";
import { hkdf } from "@panva/hkdf";

// @auth/core keeps its cookie code (SessionStore, defaultCookies), its
// vendored cookie serializer and its OAuth check cookies out of the
// package's "exports"; a file URL next to the exported jwt.js reaches the
// very same module instances that jwt.js itself uses.
const v5jwtURL = import.meta.resolve("@auth/core/jwt");
const v5cookie = await import(new URL("./lib/utils/cookie.js", v5jwtURL));
const v5serializer = await import(new URL("./lib/vendored/cookie.js", v5jwtURL));
const v5checks = await import(new URL("./lib/actions/callback/oauth/checks.js", v5jwtURL));

// next-auth v4 is CommonJS; its SessionStore lives in core/lib/cookie.js
// (not exported) and it serializes and parses cookies with the `cookie`
// package it depends on.
const require = createRequire(import.meta.url);
const v4jwtPath = require.resolve("next-auth/jwt");
const v4require = createRequire(v4jwtPath);
const v4cookie = v4require(path.join(path.dirname(v4jwtPath), "..", "core", "lib", "cookie.js"));
const v4serializer = v4require("cookie");

const quietLogger = {
  debug() {},
  warn(...a) { process.stderr.write(`warn: ${a.map(String).join(" ")}\n`); },
  error(...a) { process.stderr.write(`error: ${a.map(String).join(" ")}\n`); },
};

class UsageError extends Error {}

function lib(version) {
  if (version === 5 || version === undefined) return v5;
  if (version === 4) return v4;
  throw new UsageError(`version must be 5 or 4, not ${JSON.stringify(version)}`);
}

// withClock runs fn with Date and Date.now frozen at `now` (unix seconds),
// so that the real libraries issue or judge tokens at another time. Both
// @auth/core (Date.now) and jose (new Date()) read the clock through the
// global Date.
async function withClock(now, fn) {
  if (now === undefined || now === null) return await fn();
  if (typeof now !== "number" || !Number.isFinite(now)) throw new UsageError("now must be unix seconds");
  const RealDate = globalThis.Date;
  const ms = now * 1000;
  class FrozenDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(ms);
      else super(...args);
    }
    static now() { return ms; }
  }
  globalThis.Date = FrozenDate;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

// ---- commands ---------------------------------------------------------

async function decode({ version, token, secret, salt, now }) {
  const claims = await withClock(now, () =>
    version === 4 ? v4.decode({ token, secret, salt: salt ?? "" }) : v5.decode({ token, secret, salt }),
  );
  return { claims };
}

async function encode({ version, claims, secret, salt, maxAge, now }) {
  const token = await withClock(now, () =>
    version === 4
      ? v4.encode({ token: claims, secret, salt: salt ?? "", maxAge })
      : v5.encode({ token: claims, secret, salt, maxAge }),
  );
  return { token };
}

function parseCookieHeader(version, header) {
  return version === 4 ? v4serializer.parse(header ?? "") : v5serializer.parse(header ?? "");
}

// cookies: the Set-Cookie lines Auth.js emits when it writes `value` as the
// session cookie `name`, via SessionStore.chunk (as lib/actions/session.js
// and the callback do) and the serializer of the framework layer
// (@auth/core toResponse, next-auth setCookie/toResponse). `existing` is the
// request's Cookie header: chunks present there are cleared first, as
// Auth.js does. `expires` is unix seconds (default: now + 30 days).
async function cookies({ version, name, value, secure, expires, existing }) {
  const l = version === 4 ? v4cookie : v5cookie;
  const defaults = l.defaultCookies(!!secure).sessionToken;
  const option = { name: name ?? defaults.name, options: defaults.options };
  const parsed = parseCookieHeader(version, existing);
  const store =
    version === 4
      ? new l.SessionStore(option, { cookies: parsed, headers: {} }, quietLogger)
      : new l.SessionStore(option, parsed, quietLogger);
  const exp = new Date(expires !== undefined ? expires * 1000 : Date.now() + 30 * 24 * 3600 * 1000);
  const list = store.chunk(value, { expires: exp });
  const serialize = version === 4 ? v4serializer.serialize : v5serializer.serialize;
  return {
    setCookie: list.map((c) => serialize(c.name, c.value, c.options)),
    cookies: list.map((c) => ({ name: c.name, value: c.value, options: c.options })),
  };
}

// readcookies: the session token Auth.js reassembles from a Cookie header.
async function readcookies({ version, name, cookieHeader }) {
  const l = version === 4 ? v4cookie : v5cookie;
  const option = { name, options: {} };
  const parsed = parseCookieHeader(version, cookieHeader);
  const store =
    version === 4
      ? new l.SessionStore(option, { cookies: parsed, headers: {} }, quietLogger)
      : new l.SessionStore(option, parsed, quietLogger);
  return { value: store.value };
}

// gettoken: the framework helper getToken on a request with this Cookie
// (and optionally Authorization) header. v4's getToken reads req.cookies,
// which Next.js fills by parsing the Cookie header; here the `cookie`
// package does that.
async function gettoken({ version, secret, cookieHeader, authorization, secureCookie, cookieName, salt }) {
  const headers = {};
  if (cookieHeader !== undefined) headers.cookie = cookieHeader;
  if (authorization !== undefined) headers.authorization = authorization;
  let claims;
  if (version === 4) {
    const req = { headers, cookies: parseCookieHeader(4, cookieHeader) };
    claims = await v4.getToken({ req, secret, secureCookie: !!secureCookie, cookieName, logger: quietLogger });
  } else {
    const req = { headers };
    claims = await v5.getToken({ req, secret, secureCookie: !!secureCookie, cookieName, salt, logger: quietLogger });
  }
  return { claims: claims ?? null };
}

// seal: the sealed check cookies of an OAuth sign-in (v5), from the real
// checks.js: {"state": <authjs.state cookie>, "pkce": <authjs.pkce.code_verifier cookie>}.
async function seal({ secret, secure, provider }) {
  const options = {
    provider: { id: provider ?? "github", checks: ["state", "pkce"] },
    cookies: v5cookie.defaultCookies(!!secure),
    jwt: { secret },
    logger: quietLogger,
  };
  const state = await v5checks.state.create(options);
  const pkce = await v5checks.pkce.create(options);
  return { state: state.cookie, pkce: pkce.cookie };
}

// jose: a token made with the jose that @auth/core uses, with a key derived
// exactly as @auth/core derives it, for the forms @auth/core accepts but
// never writes (A256GCM; no kid).
async function joseEncrypt({ secret, salt, enc, kid, claims, maxAge }) {
  const length = enc === "A256GCM" ? 32 : 64;
  const key = await hkdf("sha256", secret, salt, `Auth.js Generated Encryption Key (${salt})`, length);
  const header = { alg: "dir", enc };
  if (kid) header.kid = await calculateJwkThumbprint({ kty: "oct", k: base64url.encode(key) }, `sha${length << 3}`);
  const now = (Date.now() / 1000) | 0;
  const token = await new EncryptJWT(claims)
    .setProtectedHeader(header)
    .setIssuedAt()
    .setExpirationTime(now + maxAge)
    .setJti(crypto.randomUUID())
    .encrypt(key);
  return { token };
}

// ---- vectors ----------------------------------------------------------

const FIFTY_YEARS = 50 * 365 * 24 * 3600;
const SALT = "authjs.session-token";
const SECURE_SALT = "__Secure-authjs.session-token";
// Test-only secrets. They protect nothing.
const S5 = "authkit-test-only-v5-secret-do-not-use";
const S5_OLD = "authkit-test-only-v5-old-secret";
const S5_NEW = "authkit-test-only-v5-new-secret";
const S4 = "authkit-test-only-v4-secret-do-not-use";
const S4_OTHER = "authkit-test-only-v4-another-secret";
const CLOCK_2020 = 1577836800; // 2020-01-01T00:00:00Z

const plainClaims = {
  name: "Alice Example",
  email: "alice@example.com",
  picture: "https://example.com/alice.png",
  sub: "8d9f0c3e-6a41-4b0e-9c35-2f7a1d3b5e62",
};

const unicodeClaims = {
  sub: "user-ünïcödé",
  name: "Zoë Ñúñez 👩🏽‍💻",
  email: "zoë@exämple.com",
  emoji: "😀🎉👍🏿🏳️‍🌈",
  family: "👨‍👩‍👧‍👦",
  nonBMP: "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎𠜱𠝹 🀄",
  rtl: "مرحبا بالعالم",
  hebrew: "שָׁלוֹם עוֹלָם",
  bidi: "abc \u202Eevil\u202C def",
  combining: "e\u0301 n\u0303 a\u030A Z\u0351\u0352",
  cjk: "漢字かなカナ한국어",
  escapes: "quote \" backslash \\ slash / tab\tnewline\n cr\r",
  html: "<script>alert(1)</script> & 'x'",
  separators: "line\u2028para\u2029end",
  nul: "a\u0000b",
  control: "\u0001\u001F\u007F",
  bom: "\uFEFFbom",
  "ключ": "значение",
  "emoji🔑key": "💡",
  "": "empty key",
};

const nestedClaims = {
  sub: "42",
  user: {
    id: 42,
    roles: ["admin", "editor"],
    prefs: { theme: "dark", flags: [true, false, null], limits: { daily: 1000, ratio: 0.75 } },
  },
  // A JSON number beyond 2^53: JavaScript keeps it as a double, so the
  // token carries the double's shortest decimal form (12345678901234567000).
  big: 12345678901234567890,
  maxSafe: 9007199254740991,
  minSafe: -9007199254740991,
  negative: -42,
  zero: 0,
  pi: 3.141592653589793,
  tenth: 0.1,
  tiny: 1e-7,
  huge: 1.5e300,
  exp21: 1e21,
  negFloat: -0.5,
  mixed: [1, 2.5, "three", [4, [5, [6]]], { seven: 7 }, null, true],
  emptyObject: {},
  emptyArray: [],
  nothing: null,
  deep: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: "deep" } } } } } } } } } },
};

function largeClaims(n) {
  const groups = [];
  for (let i = 0; i < n; i++) groups.push(`group-${String(i).padStart(4, "0")}-engineering-platform`);
  return { ...plainClaims, groups };
}

async function expectation(version, token, secret, salt, withoutTime) {
  try {
    const { claims } = await decode({ version, token, secret, salt });
    return { claims };
  } catch (e) {
    const out = { error: e.message };
    if (e.code) out.code = e.code;
    if (withoutTime !== undefined) {
      out.claimsIfIgnoringTime = (await decode({ version, token, secret, salt, now: withoutTime })).claims;
    }
    return out;
  }
}

async function mint() {
  const mintedAt = (Date.now() / 1000) | 0;
  const vectors = [];
  async function add(v, extra = {}) {
    const expected = await expectation(v.version, v.token, v.secret, v.salt, extra.ignoreTimeAt);
    if (extra.secretIndex !== undefined) expected.secretIndex = extra.secretIndex;
    if (v.mintSalt !== undefined) {
      // Proof that the token is what the note says: under the salt it was
      // made with, the real decode opens it (at the time it was minted).
      expected.claimsUnderMintSalt = (await decode({ version: v.version, token: v.token, secret: v.secret, salt: v.mintSalt, now: mintedAt })).claims;
    }
    const vec = {
      name: v.name,
      version: v.version,
      token: v.token,
      secret: v.secret,
      salt: v.salt,
      expected,
      mintedAt,
      note: v.note,
    };
    if (v.mintSalt !== undefined) vec.mintSalt = v.mintSalt;
    if (v.cookieName !== undefined) vec.cookieName = v.cookieName;
    if (v.cookies !== undefined) vec.cookies = v.cookies;
    vectors.push(vec);
  }
  const enc5 = async (claims, secret, salt, maxAge = FIFTY_YEARS, now) =>
    (await encode({ version: 5, claims, secret, salt, maxAge, now })).token;
  const enc4 = async (claims, secret, maxAge = FIFTY_YEARS, now) =>
    (await encode({ version: 4, claims, secret, maxAge, now })).token;

  await add({
    name: "v5-plain", version: 5, salt: SALT, secret: S5,
    token: await enc5(plainClaims, S5, SALT),
    note: "@auth/core encode: the default jwt callback's token {name, email, picture, sub}",
  });
  await add({
    name: "v5-unicode", version: 5, salt: SALT, secret: S5,
    token: await enc5(unicodeClaims, S5, SALT),
    note: "emoji (ZWJ sequences, skin tones), non-BMP, RTL, bidi overrides, combining marks, escapes, NUL and other controls, U+2028/2029, non-ASCII and empty member names",
  });
  await add({
    name: "v5-nested-numbers", version: 5, salt: SALT, secret: S5,
    token: await enc5(nestedClaims, S5, SALT),
    note: "nested objects and arrays, ten levels deep; integers beyond 2^53 (written by JavaScript as 12345678901234567000), floats and exponents",
  });
  {
    const claims = largeClaims(190);
    const token = await enc5(claims, S5, SALT);
    if (token.length <= 2 * 3936) throw new Error(`v5 large token is only ${token.length} chars`);
    const c = await cookies({ version: 5, name: SALT, value: token, secure: false, expires: mintedAt + FIFTY_YEARS });
    await add({
      name: "v5-large-chunked", version: 5, salt: SALT, secret: S5, token,
      cookieName: SALT, cookies: c.setCookie,
      note: `a ${token.length}-char token; cookies are the Set-Cookie lines from @auth/core SessionStore.chunk and its vendored serializer (3936-char chunks)`,
    });
  }
  await add({
    name: "v5-rotated", version: 5, salt: SALT, secret: [S5_NEW, S5_OLD],
    token: await enc5(plainClaims, S5_OLD, SALT),
    note: "minted with the old secret, decoded with [new, old]: the kid selects the old one",
  }, { secretIndex: 1 });
  await add({
    name: "v5-secret-removed", version: 5, salt: SALT, secret: [S5_NEW],
    token: await enc5(plainClaims, S5_OLD, SALT),
    note: "minted with the old secret, which the decoder no longer has",
  });
  await add({
    name: "v5-secure-salt", version: 5, salt: SECURE_SALT, secret: S5,
    token: await enc5(plainClaims, S5, SECURE_SALT),
    note: "the session cookie name on https is the salt",
  });
  await add({
    name: "v5-wrong-salt-secure", version: 5, salt: SECURE_SALT, secret: S5, mintSalt: SALT,
    token: await enc5(plainClaims, S5, SALT),
    note: "minted under authjs.session-token, decoded under __Secure-authjs.session-token: the kid matches no key",
  });
  await add({
    name: "v5-expired", version: 5, salt: SALT, secret: S5,
    token: await enc5(plainClaims, S5, SALT, 30 * 24 * 3600, CLOCK_2020),
    note: "encoded with the clock at 2020-01-01T00:00:00Z and maxAge 30 days; claimsIfIgnoringTime is the real decode with the clock at 2020-01-02",
  }, { ignoreTimeAt: CLOCK_2020 + 24 * 3600 });
  {
    const sealed = await seal({ secret: S5, secure: false, provider: "github" });
    await add({
      name: "v5-oauth-state-cookie", version: 5, salt: SALT, secret: S5, mintSalt: sealed.state.name,
      token: sealed.state.value,
      note: "the authjs.state cookie value sealed by @auth/core's OAuth checks (lib/actions/callback/oauth/checks.js), presented as a session token (CVE-2023-48309 class)",
    });
    await add({
      name: "v5-pkce-cookie", version: 5, salt: SALT, secret: S5, mintSalt: sealed.pkce.name,
      token: sealed.pkce.value,
      note: "the authjs.pkce.code_verifier cookie value sealed by @auth/core, presented as a session token",
    });
  }
  await add({
    name: "v5-a256gcm-kid", version: 5, salt: SALT, secret: S5,
    token: (await joseEncrypt({ secret: S5, salt: SALT, enc: "A256GCM", kid: true, claims: plainClaims, maxAge: FIFTY_YEARS })).token,
    note: "jose EncryptJWT, dir + A256GCM with the 32-byte key @auth/core derives and its SHA-256 thumbprint as kid: @auth/core decodes it but never writes it",
  });
  await add({
    name: "v5-a256gcm-no-kid", version: 5, salt: SALT, secret: S5,
    token: (await joseEncrypt({ secret: S5, salt: SALT, enc: "A256GCM", kid: false, claims: plainClaims, maxAge: FIFTY_YEARS })).token,
    note: "jose EncryptJWT, dir + A256GCM without kid: @auth/core uses the first secret",
  });
  await add({
    name: "v5-cbc-no-kid", version: 5, salt: SALT, secret: S5,
    token: (await joseEncrypt({ secret: S5, salt: SALT, enc: "A256CBC-HS512", kid: false, claims: plainClaims, maxAge: FIFTY_YEARS })).token,
    note: "jose EncryptJWT, dir + A256CBC-HS512 without kid (as Auth.js before the kid): decodes with the first secret",
  });
  await add({
    name: "v5-cbc-no-kid-rotated", version: 5, salt: SALT, secret: [S5_NEW, S5_OLD],
    token: (await joseEncrypt({ secret: S5_OLD, salt: SALT, enc: "A256CBC-HS512", kid: false, claims: plainClaims, maxAge: FIFTY_YEARS })).token,
    note: "kid-less token made with the old secret, decoded with [new, old]: @auth/core tries only the first secret, so it fails",
  });
  {
    const token = await enc5(plainClaims, S5, SALT);
    const parts = token.split(".");
    const ct = parts[3];
    const i = Math.floor(ct.length / 2);
    parts[3] = ct.slice(0, i) + (ct[i] === "A" ? "B" : "A") + ct.slice(i + 1);
    await add({
      name: "v5-tampered-ciphertext", version: 5, salt: SALT, secret: S5, token: parts.join("."),
      note: "one character of the ciphertext changed after @auth/core encoded it",
    });
  }
  await add({
    name: "v4-plain", version: 4, salt: "", secret: S4,
    token: await enc4(plainClaims, S4),
    note: "next-auth 4 encode: dir + A256GCM, no kid, empty salt",
  });
  await add({
    name: "v4-unicode", version: 4, salt: "", secret: S4,
    token: await enc4(unicodeClaims, S4),
    note: "the v5-unicode claims under next-auth 4",
  });
  await add({
    name: "v4-expired", version: 4, salt: "", secret: S4,
    token: await enc4(plainClaims, S4, 30 * 24 * 3600, CLOCK_2020),
    note: "encoded with the clock at 2020-01-01T00:00:00Z and maxAge 30 days",
  }, { ignoreTimeAt: CLOCK_2020 + 24 * 3600 });
  await add({
    name: "v4-wrong-secret", version: 4, salt: "", secret: S4_OTHER,
    token: await enc4(plainClaims, S4),
    note: "decoded with another secret: without a kid, only the tag says so",
  });
  {
    const token = await enc4(largeClaims(190), S4);
    const name = "next-auth.session-token";
    const c = await cookies({ version: 4, name, value: token, secure: false, expires: mintedAt + FIFTY_YEARS });
    await add({
      name: "v4-large-chunked", version: 4, salt: "", secret: S4, token,
      cookieName: name, cookies: c.setCookie,
      note: `a ${token.length}-char token; cookies are the Set-Cookie lines from next-auth 4 SessionStore.chunk and cookie.serialize (3933-char chunks)`,
    });
  }
  return {
    generator: "interop/session.mjs mint (interop/gen-session-vectors.sh)",
    libraries: await versions(),
    vectors,
  };
}

async function versions() {
  const { readFileSync } = await import("node:fs");
  const read = (file) => JSON.parse(readFileSync(file, "utf8")).version;
  return {
    "@auth/core": read(fileURLToPath(new URL("./package.json", v5jwtURL))),
    "next-auth": read(path.join(path.dirname(v4jwtPath), "..", "package.json")),
    jose: read(path.join(path.dirname(fileURLToPath(import.meta.resolve("jose"))), "..", "..", "package.json")),
  };
}

// ---- main -------------------------------------------------------------

const commands = { decode, encode, cookies, readcookies, gettoken, seal, jose: joseEncrypt };

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`stdin is not JSON: ${e.message}`);
  }
}

function failure(e) {
  const out = { error: e?.message ?? String(e) };
  if (e?.code) out.code = e.code;
  return out;
}

async function main() {
  const cmd = process.argv[2];
  let result;
  if (cmd === "mint") {
    result = await mint();
  } else if (cmd === "batch") {
    const reqs = await readStdin();
    if (!Array.isArray(reqs)) throw new UsageError("batch reads an array of requests");
    result = [];
    for (const r of reqs) {
      const f = commands[r?.cmd];
      if (!f) {
        result.push({ error: `unknown command ${JSON.stringify(r?.cmd)}` });
        continue;
      }
      try {
        result.push(await f(r));
      } catch (e) {
        result.push(failure(e));
      }
    }
  } else if (commands[cmd]) {
    result = await commands[cmd](await readStdin());
  } else {
    throw new UsageError(`usage: node session.mjs mint|batch|${Object.keys(commands).join("|")} < request.json`);
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((e) => {
  process.stdout.write(JSON.stringify(failure(e)) + "\n");
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
