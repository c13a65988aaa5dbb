// The Node side of bench/session.sh: decodes one Auth.js session token
// with the real @auth/core decode() in a loop for a fixed time and prints
// how many it decoded. Secret from AUTHKIT_BENCH_SECRET, token on stdin.
//
//   node bench-decode.mjs <seconds> < token
import { decode } from "@auth/core/jwt"
import { readFileSync } from "node:fs"

const seconds = Number(process.argv[2] ?? "5")
const secret = process.env.AUTHKIT_BENCH_SECRET
const token = readFileSync(0, "utf8").trim()
const salt = "authjs.session-token"

const first = await decode({ token, secret, salt })
if (!first || !first.sub) throw new Error("the token does not decode")
let ops = 0
const start = performance.now()
while (performance.now() - start < seconds * 1000) {
  for (let i = 0; i < 100; i++) await decode({ token, secret, salt })
  ops += 100
}
const elapsed = (performance.now() - start) / 1000
console.log(JSON.stringify({ impl: "@auth/core", ops, seconds: elapsed, perSecond: ops / elapsed }))
