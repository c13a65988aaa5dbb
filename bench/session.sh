#!/usr/bin/env bash
# Session token benchmark: authkit's Go decoder against @auth/core's
# decode() in Node on the same Auth.js v5 token, side by side (both at
# once, one core each, pinned with taskset), the Go decoder against the raw
# cost of base64url + HMAC-SHA-512 + AES-256-CBC over the same bytes
# (go test -bench), and the wall time of a cold `authkit session decode`.
# See bench/README.md.
#
#   bench/session.sh [--rounds N] [--seconds S] [--cold N]
#
#   --rounds N   side-by-side rounds; the ratio reported is the median (default 5)
#   --seconds S  length of each decode loop (default 3)
#   --cold N     cold runs of `authkit session decode` (default 30)
#
# Needs Node and interop/node_modules (cd interop && npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=5 SECONDS_EACH=3 COLD=30
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    --cold) COLD=$2; shift 2 ;;
    *) echo "bench/session.sh: unknown flag $1" >&2; exit 2 ;;
  esac
done

[ -d interop/node_modules/@auth/core ] || { echo "bench/session.sh: run (cd interop && npm ci) first" >&2; exit 1; }
mkdir -p bench/out
go build -o bench/out/sessionbench ./bench/sessionbench
go build -o bench/out/authkit ./cmd/authkit

AUTHKIT_BENCH_SECRET=$(head -c 32 /dev/urandom | base64)
export AUTHKIT_BENCH_SECRET
token=$(bench/out/sessionbench mint)
echo "token: ${#token} bytes (default Auth.js OAuth session claims)"

pin() { if command -v taskset >/dev/null; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { sed -E "s/.*\"$1\":([0-9.e+]+).*/\1/"; }

echo
echo "## side by side: tokens decoded per second, one core each"
echo "| round | authkit (Go) | @auth/core (Node) | ratio |"
echo "|---:|---:|---:|---:|"
ratios=()
for r in $(seq 1 "$ROUNDS"); do
  go_out=$(mktemp) node_out=$(mktemp)
  GOMAXPROCS=1 pin 0 bench/out/sessionbench decode -duration "${SECONDS_EACH}s" <<<"$token" >"$go_out" &
  (cd interop && pin 1 node bench-decode.mjs "$SECONDS_EACH" <<<"$token" >"$node_out") &
  wait
  g=$(field perSecond <"$go_out") n=$(field perSecond <"$node_out")
  ratio=$(awk -v g="$g" -v n="$n" 'BEGIN {printf "%.1f", g/n}')
  ratios+=("$ratio")
  printf '| %d | %.0f | %.0f | %sx |\n' "$r" "$g" "$n" "$ratio"
  rm -f "$go_out" "$node_out"
done
echo "median ratio authkit/@auth/core: $(printf '%s\n' "${ratios[@]}" | median)x (target >= 50x)"

echo
echo "## against the raw crypto (go test -bench, GOMAXPROCS=1, 5 counts)"
bench_out=$(go test -run '^$' -bench 'AuthJSDecode$|AuthJSEncode$|RawCBCHMAC$|GoJoseDecode$|JWSVerify' -count 5 -cpu 1 ./pkg/session)
echo "$bench_out" | grep -E '^Benchmark' | awk '{name=$1; ns[name]=ns[name] " " $3} END {for (n in ns) print n ":" ns[n] " ns/op"}' | sort
dec=$(echo "$bench_out" | awk '$1 ~ /^BenchmarkAuthJSDecode$/ {print $3}' | median)
raw=$(echo "$bench_out" | awk '$1 ~ /^BenchmarkRawCBCHMAC$/ {print $3}' | median)
jose=$(echo "$bench_out" | awk '$1 ~ /^BenchmarkGoJoseDecode$/ {print $3}' | median)
echo "median v5 decode ${dec} ns, raw base64url+HMAC-SHA-512+AES-CBC ${raw} ns: decode/raw = $(awk -v d="$dec" -v r="$raw" 'BEGIN {printf "%.2f", d/r}')x (target <= 3x)"
echo "the same decode through go-jose: ${jose} ns = $(awk -v d="$jose" -v r="$raw" 'BEGIN {printf "%.2f", d/r}')x raw, $(awk -v d="$jose" -v a="$dec" 'BEGIN {printf "%.2f", d/a}')x authkit's"

echo
echo "## cold process: authkit session decode - (token on stdin)"
help=$(bench/out/authkit session decode --help 2>&1 || true)
if [[ $help == *--secret-file* ]]; then
  times=()
  for _ in $(seq 1 "$COLD"); do
    start=$(date +%s%N)
    AUTH_SECRET=$AUTHKIT_BENCH_SECRET bench/out/authkit session decode - <<<"$token" >/dev/null
    end=$(date +%s%N)
    times+=("$(( (end - start) / 1000 ))")
  done
  med=$(printf '%s\n' "${times[@]}" | median)
  p90=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {i=int(NR*0.9); if (i<1) i=1; print a[i]}')
  max=$(printf '%s\n' "${times[@]}" | sort -g | tail -1)
  ms() { awk -v u="$1" 'BEGIN {printf "%.1f", u/1000}'; }
  echo "median $(ms "$med") ms, p90 $(ms "$p90") ms, max $(ms "$max") ms over $COLD runs (target < 30 ms)"
else
  echo "authkit has no session decode command in this build" >&2
  exit 1
fi
