#!/usr/bin/env bash
# Start-up benchmark (issue 7): `authkit --help` and `authkit version` must
# start within 15 ms of a bare Go program that prints one line. Builds both
# with `go build`, then runs each of the three N times as fresh processes,
# interleaved (bare, --help, version, bare, ...) so that the machine's
# drift hits all three alike, and prints the median and p90 wall times and
# authkit minus bare. See bench/README.md.
#
#   bench/startup.sh [--runs N] [--check] [--authkit PATH]
#
#   --runs N        runs of each command (default 50)
#   --check         exit 1 when a median difference is over the target
#   --authkit PATH  measure this authkit binary (say a release build from
#                   dist/) instead of building one
#
# Times come from bash's $EPOCHREALTIME around each command (no fork for the
# clock), stdout and stderr to /dev/null. The binaries are in the page cache
# after the first run: "cold" means a new process each time, not a cold disk.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=50 CHECK=0 TARGET_MS=15 AUTHKIT=
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --check) CHECK=1; shift ;;
    --authkit) AUTHKIT=$2; shift 2 ;;
    *) echo "bench/startup.sh: unknown flag $1" >&2; exit 2 ;;
  esac
done
[ "${BASH_VERSINFO[0]}" -ge 5 ] || { echo "bench/startup.sh: needs bash 5 (EPOCHREALTIME)" >&2; exit 1; }

mkdir -p bench/out
if [ -z "$AUTHKIT" ]; then
  go build -o bench/out/authkit ./cmd/authkit
  AUTHKIT=bench/out/authkit
fi
go build -o bench/out/startup ./bench/startup
# One run of each first: the binaries are then in the page cache.
bench/out/startup >/dev/null
"$AUTHKIT" version >/dev/null
"$AUTHKIT" --help >/dev/null

names=(bare help version)
cmds=("bench/out/startup" "$AUTHKIT --help" "$AUTHKIT version")
declare -A times
for _ in $(seq 1 "$RUNS"); do
  for i in 0 1 2; do
    t0=${EPOCHREALTIME/[.,]/}
    ${cmds[$i]} >/dev/null 2>&1
    t1=${EPOCHREALTIME/[.,]/}
    times[${names[$i]}]+="$((10#$t1 - 10#$t0)) "
  done
done

# stat prints "median p90" in microseconds of the numbers on stdin.
stat() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {m = int(NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); i=int(NR*0.9+0.5); if (i<1) i=1; print m, a[i]}'; }
ms() { awk -v u="$1" 'BEGIN {printf "%.2f", u/1000}'; }

read -r bare_med bare_p90 < <(stat <<<"${times[bare]}")
echo "start-up of $AUTHKIT ($(($(wc -c <"$AUTHKIT") / 1048576)) MiB), $RUNS runs each, interleaved ($(go version | awk '{print $3}'), $(nproc) cores)"
echo "| command | median | p90 | authkit - bare (median) | authkit - bare (p90) |"
echo "|---|---:|---:|---:|---:|"
echo "| bare Go program (bench/startup) | $(ms "$bare_med") ms | $(ms "$bare_p90") ms | | |"
over=0
for n in help version; do
  read -r med p90 < <(stat <<<"${times[$n]}")
  d=$((med - bare_med)) dp=$((p90 - bare_p90))
  label="authkit --help"; [ $n = version ] && label="authkit version"
  echo "| $label | $(ms "$med") ms | $(ms "$p90") ms | **$(ms "$d") ms** | $(ms "$dp") ms |"
  [ "$d" -le $((TARGET_MS * 1000)) ] || over=1
done
if [ $over = 0 ]; then
  echo "pass: both within ${TARGET_MS} ms of the bare program (medians)"
else
  echo "FAIL: over the ${TARGET_MS} ms target (medians)"
  [ $CHECK = 0 ] || exit 1
fi
