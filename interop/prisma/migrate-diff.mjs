#!/usr/bin/env node
// Equivalent of
//   prisma migrate diff --from-empty --to-schema SCHEMA.prisma --script
// that runs here, where the Prisma 7 CLI cannot: the CLI needs a native
// schema-engine binary that it downloads from a host this machine cannot reach.
//
// It drives Prisma's own schema engine, compiled to WebAssembly and published on
// npm as @prisma/schema-engine-wasm (pinned to 7.10.0-4.0edf323e, the engine that
// prisma@7.10.0 uses), and sends it the same `diff` request the CLI sends for the
// command above (from: empty, to: schemaDatamodel, script: true). The engine
// needs a driver adapter to know the SQL dialect:
//   - postgresql: @prisma/adapter-pg over $DATABASE_URL (the Postgres connector
//     connects before diffing; nothing is written to that database);
//   - sqlite: Prisma's mock adapter for "sqlite" (a diff from empty never
//     touches the database).
//
// usage: [DATABASE_URL=postgres://...] node prisma/migrate-diff.mjs SCHEMA.prisma > out.sql

import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import path from "node:path"

import * as engineBg from "@prisma/schema-engine-wasm/schema_engine_bg"
import {
  bindMigrationAwareSqlAdapterFactory,
  mockMigrationAwareAdapterFactory,
} from "@prisma/driver-adapter-utils"

let lastPanic = null
globalThis.PRISMA_WASM_PANIC_REGISTRY = {
  set_message(message) {
    lastPanic = message
  },
}

async function loadEngine() {
  const require = createRequire(import.meta.url)
  const entry = require.resolve("@prisma/schema-engine-wasm")
  const wasmFile = path.join(path.dirname(entry), "schema_engine_bg.wasm")
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmFile), {
    "./schema_engine_bg.js": engineBg,
  })
  engineBg.__wbg_set_wasm(instance.exports)
  instance.exports.__wbindgen_start()
  return engineBg.SchemaEngine
}

async function adapterFor(provider) {
  switch (provider) {
    case "postgresql":
    case "postgres": {
      if (!process.env.DATABASE_URL) {
        throw new Error("DATABASE_URL must point at a Postgres database for a postgresql schema")
      }
      const { PrismaPg } = await import("@prisma/adapter-pg")
      return new PrismaPg({ connectionString: process.env.DATABASE_URL })
    }
    case "sqlite":
      return mockMigrationAwareAdapterFactory("sqlite")
    default:
      throw new Error(`unsupported datasource provider: ${provider}`)
  }
}

async function main() {
  const [schemaPath] = process.argv.slice(2)
  if (!schemaPath) throw new Error("usage: node prisma/migrate-diff.mjs SCHEMA.prisma")
  const content = readFileSync(schemaPath, "utf8")
  const m = /datasource\s+\w+\s*\{[^}]*?provider\s*=\s*"([^"]+)"/s.exec(content)
  if (!m) throw new Error(`${schemaPath}: no datasource provider`)

  const SchemaEngine = await loadEngine()
  const adapter = bindMigrationAwareSqlAdapterFactory(await adapterFor(m[1]))
  const log = process.env.DEBUG ? (line) => process.stderr.write(line + "\n") : () => {}
  const files = [{ path: schemaPath, content }]
  let engine
  try {
    engine = await SchemaEngine.new({ datamodels: [[schemaPath, content]] }, log, adapter)
    const result = await engine.diff({
      from: { tag: "empty" },
      to: { tag: "schemaDatamodel", files },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    })
    process.stdout.write(result.stdout ?? "")
  } catch (err) {
    // Driver adapter errors cross the Wasm boundary as "External error id#N".
    const id = /External error id#(\d+)/.exec(err?.message ?? "")?.[1]
    const original = id && adapter.errorRegistry.consumeError(Number(id))
    throw original?.error ?? err
  } finally {
    engine?.free()
  }
}

main().catch((err) => {
  const panic = lastPanic ? `\nengine panic: ${lastPanic}` : ""
  process.stderr.write(`migrate-diff: ${err?.message ?? err}${panic}\n`)
  process.exit(1)
})
