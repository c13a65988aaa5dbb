#!/usr/bin/env node
// Drives the real @auth/pg-adapter (PostgresAdapter over a pg Pool) against the
// database in $DATABASE_URL, so that authkit's Go code can be checked against the
// rows and values that Auth.js itself writes and reads.
//
// Every subcommand prints exactly one JSON document (one line) on stdout and
// exits 0; on failure it prints a message on stderr and exits non-zero
// (1 = the operation failed, 2 = bad usage). Dates come out as ISO 8601 strings
// (JSON.stringify of the Date objects the adapter returns).
//
//   schema                               create the adapter's tables
//   seed  < spec.json                    createUser + linkAccount + createSession
//   get-user ID
//   get-user-by-email EMAIL
//   get-user-by-account PROVIDER PROVIDER_ACCOUNT_ID
//   get-session-and-user SESSION_TOKEN
//   call METHOD [JSON_ARG ...]           any other adapter method, see README.md

import { randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import path from "node:path"

import PostgresAdapter from "@auth/pg-adapter"
import pg from "pg"

const here = path.dirname(fileURLToPath(import.meta.url))
const DDL_FILE = path.resolve(here, "../testdata/ddl/authjs-pg.postgres.sql")
const ADAPTER_TABLES = ["accounts", "sessions", "users", "verification_token"]

const USAGE = `usage: DATABASE_URL=postgres://... node pg-adapter.mjs COMMAND [ARGS]
commands:
  schema
  seed                      (JSON spec on stdin)
  get-user ID
  get-user-by-email EMAIL
  get-user-by-account PROVIDER PROVIDER_ACCOUNT_ID
  get-session-and-user SESSION_TOKEN
  call METHOD [JSON_ARG ...]`

class UsageError extends Error {}

function print(value) {
  const json = JSON.stringify(value === undefined ? null : value, (_k, v) =>
    typeof v === "bigint" ? v.toString() : v
  )
  process.stdout.write(json + "\n")
}

function args(argv, n, names) {
  if (argv.length !== n) {
    throw new UsageError(`expected ${n} argument(s): ${names}`)
  }
  return argv
}

// Date fields of the Auth.js models: turn ISO strings into Date objects, as
// Auth.js core hands Dates (not strings) to the adapter.
const DATE_KEYS = new Set(["expires", "emailVerified"])
function reviveDates(value) {
  if (Array.isArray(value)) return value.map(reviveDates)
  if (value && typeof value === "object") {
    const out = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        DATE_KEYS.has(k) && typeof v === "string" ? toDate(v, k) : reviveDates(v)
    }
    return out
  }
  return value
}

function toDate(s, what) {
  const d = new Date(s)
  if (Number.isNaN(d.getTime())) throw new Error(`${what}: not a date: ${s}`)
  return d
}

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  const text = Buffer.concat(chunks).toString("utf8")
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new Error(`stdin is not JSON: ${e.message}`)
  }
}

async function schema(pool) {
  const ddl = readFileSync(DDL_FILE, "utf8")
  await pool.query(ddl) // simple query protocol: runs every statement
  const { rows } = await pool.query(
    `select table_name from information_schema.tables
     where table_schema = current_schema() and table_name = any($1)
     order by table_name`,
    [ADAPTER_TABLES]
  )
  return {
    ddl: path.relative(path.resolve(here, ".."), DDL_FILE),
    tables: rows.map((r) => r.table_name),
  }
}

async function seed(adapter, spec) {
  if (!spec || !Array.isArray(spec.users)) {
    throw new Error('seed spec must be {"users":[...]}')
  }
  const users = []
  for (const u of spec.users) {
    const { accounts = [], sessions = [], ...profile } = u
    // Auth.js v5 core passes a random UUID as id; adapters drop it.
    const user = await adapter.createUser({
      id: randomUUID(),
      name: profile.name ?? null,
      email: profile.email,
      emailVerified: profile.emailVerified ? toDate(profile.emailVerified, "emailVerified") : null,
      image: profile.image ?? null,
    })
    const linked = []
    for (const a of accounts) {
      linked.push(await adapter.linkAccount({ ...a, userId: user.id }))
    }
    const created = []
    for (const s of sessions) {
      created.push(
        await adapter.createSession({
          sessionToken: s.sessionToken,
          userId: user.id,
          expires: toDate(s.expires, "expires"),
        })
      )
    }
    users.push({ ...user, accounts: linked, sessions: created })
  }
  return { users }
}

async function run(cmd, argv, pool, adapter) {
  switch (cmd) {
    case "schema":
      args(argv, 0, "none")
      return schema(pool)
    case "seed":
      args(argv, 0, "none (spec on stdin)")
      return seed(adapter, await readStdin())
    case "get-user": {
      const [id] = args(argv, 1, "ID")
      return adapter.getUser(id)
    }
    case "get-user-by-email": {
      const [email] = args(argv, 1, "EMAIL")
      return adapter.getUserByEmail(email)
    }
    case "get-user-by-account": {
      const [provider, providerAccountId] = args(argv, 2, "PROVIDER PROVIDER_ACCOUNT_ID")
      return adapter.getUserByAccount({ provider, providerAccountId })
    }
    case "get-session-and-user": {
      const [token] = args(argv, 1, "SESSION_TOKEN")
      return adapter.getSessionAndUser(token)
    }
    case "call": {
      if (argv.length < 1) throw new UsageError("expected METHOD [JSON_ARG ...]")
      const [method, ...rest] = argv
      if (typeof adapter[method] !== "function") {
        throw new UsageError(`adapter has no method ${method}`)
      }
      const callArgs = rest.map((a) => {
        try {
          return reviveDates(JSON.parse(a))
        } catch (e) {
          throw new UsageError(`argument is not JSON: ${a}`)
        }
      })
      return adapter[method](...callArgs)
    }
    default:
      throw new UsageError(`unknown command: ${cmd ?? "(none)"}`)
  }
}

async function main() {
  const [cmd, ...argv] = process.argv.slice(2)
  if (!cmd || cmd === "-h" || cmd === "--help") {
    process.stderr.write(USAGE + "\n")
    process.exit(cmd ? 0 : 2)
  }
  if (!process.env.DATABASE_URL) {
    throw new UsageError("DATABASE_URL is not set")
  }
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 })
  try {
    const result = await run(cmd, argv, pool, PostgresAdapter(pool))
    print(result)
  } finally {
    await pool.end()
  }
}

main().catch((err) => {
  const usage = err instanceof UsageError
  process.stderr.write(`pg-adapter: ${err?.message ?? err}\n${usage ? USAGE + "\n" : ""}`)
  process.exit(usage ? 2 : 1)
})
