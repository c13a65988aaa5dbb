#!/usr/bin/env bash
# Regenerates testdata/session/vectors.json: session tokens and cookies
# minted by the real @auth/core 0.41.3 and next-auth 4.24.15 (through
# interop/session.mjs mint), each with what the real library's decode
# returns for it. Then runs the Go test that reads them.
#
# Needs: node_modules (npm ci in interop/). Tokens carry random IVs and
# jtis, so every run changes the file; non-expired vectors are minted with
# a 50-year maxAge and stay valid until then.
#
# usage: interop/gen-session-vectors.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="$root/testdata/session/vectors.json"

cd "$here"
[[ -d node_modules/@auth/core && -d node_modules/next-auth ]] || {
  echo "gen-session-vectors: run 'npm ci' in interop/ first" >&2
  exit 1
}

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
node session.mjs mint >"$tmp"
# Pretty-print (JSON.parse then stringify keeps every number as the
# library wrote it, since these are already JavaScript's own forms).
mkdir -p "$(dirname "$out")"
node -e '
const fs = require("fs");
const v = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
if (v.error || !Array.isArray(v.vectors)) { console.error("mint failed:", v.error); process.exit(1); }
fs.writeFileSync(process.argv[2], JSON.stringify(v, null, 2) + "\n");
console.error(`wrote ${v.vectors.length} vectors to ${process.argv[2]}`);
' "$tmp" "$out"

if command -v go >/dev/null; then
  cd "$root" && go test -count=1 -run 'TestAuthJSVectors' ./pkg/session
fi
