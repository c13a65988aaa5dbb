#!/usr/bin/env bash
# Store benchmark: peak memory and time of `authkit users list --json`,
# `users show <email>` and `users duplicates --json` on SQLite and Postgres
# with 1,000,000 users (2 accounts each), and the query plans of the SQL
# those commands issue. See bench/README.md.
#
#   bench/store.sh [--users N] [--small N] [--runs R] [--fresh] [--keep]
#                  [--engines sqlite,postgres] [--no-authjs] [--drizzle]
#                  [--timeout SECONDS]
#
#   --users N     the large data set (default 1000000)
#   --small N     the small data set, to compare memory with (default 100000)
#   --runs R      runs of each measured command; the table shows the median
#                 wall time and the largest peak RSS (default 3)
#   --fresh       seed again even when a seeded database is present
#   --keep        keep the Postgres databases (default: drop them at the end;
#                 the SQLite files in bench/out are always kept and reused)
#   --no-authjs   skip the Auth.js-profile runs (authjs-pg on Postgres)
#   --drizzle     also run the authjs-drizzle profile on SQLite
#   --timeout S   stop any one measured command after S seconds (default 1800)
#
# Environment: AUTHKIT_BENCH_PG, the server to create the benchmark
# databases on (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable);
# AUTHKIT_BENCH_PGLOG, the server log to capture statements from (default:
# the log file pg_lsclusters names).
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=1000000 SMALL=100000 RUNS=3 FRESH=0 KEEP=0 ENGINES=sqlite,postgres AUTHJS=1 DRIZZLE=0 TIMEOUT=1800
while [ $# -gt 0 ]; do
  case "$1" in
    --users) USERS=$2; shift ;;
    --small) SMALL=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --fresh) FRESH=1 ;;
    --keep) KEEP=1 ;;
    --engines) ENGINES=$2; shift ;;
    --no-authjs) AUTHJS=0 ;;
    --drizzle) DRIZZLE=1 ;;
    --timeout) TIMEOUT=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "store.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
has_engine() { [[ ",$ENGINES," == *",$1,"* ]]; }

OUT=bench/out
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RES=$OUT/results-$STAMP
mkdir -p "$RES/raw"
PGADMIN=${AUTHKIT_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
pgurl() { # database name -> URL on the same server
  local base=${PGADMIN%%\?*} query=""
  [[ "$PGADMIN" == *\?* ]] && query="?${PGADMIN#*\?}"
  echo "${base%/*}/$1$query"
}
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# --- tools -----------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
  log "installing GNU time"
  apt-get update -q >/dev/null && apt-get install -y -q time >/dev/null
fi
log "building authkit and storebench"
go build -o "$OUT/authkit" ./cmd/authkit
go build -o "$OUT/storebench" ./bench/storebench
AUTHKIT=$OUT/authkit
SB=$OUT/storebench

# --- Postgres databases: dropped at the end unless --keep -------------------
PGDBS=()
cleanup() {
  local rc=$?
  if [ "$KEEP" = 0 ]; then
    for db in "${PGDBS[@]}"; do
      psql "$PGADMIN" -qXc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 && log "dropped Postgres database $db"
    done
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# seed ENGINE SCHEMA N -> sets URL; reuses a seeded database
seed() {
  local engine=$1 schema=$2 n=$3 url db
  if [ "$engine" = sqlite ]; then
    url="sqlite:$OUT/$schema-$n.db"
  else
    db="authkit_bench_${schema//-/_}_$n"
    PGDBS+=("$db")
    url=$(pgurl "$db")
  fi
  if [ "$FRESH" = 0 ] && "$SB" check --database-url "$url" --schema "$schema" --users "$n" >/dev/null 2>&1; then
    log "reusing the seeded $engine $schema database of $n users"
  else
    log "seeding $engine $schema with $n users"
    if [ "$engine" = sqlite ]; then
      rm -f "$OUT/$schema-$n.db" "$OUT/$schema-$n.db-wal" "$OUT/$schema-$n.db-shm"
    else
      psql "$PGADMIN" -qXc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
    fi
    "$SB" seed --database-url "$url" --schema "$schema" --users "$n" 2>>"$RES/raw/seed.log" | tee -a "$RES/seed.txt" >&2
  fi
  URL=$url
}

dbsize() { # URL -> human size
  case "$1" in
    sqlite:*) du -h "${1#sqlite:}" | cut -f1 ;;
    *) psql "$1" -AtXc "SELECT pg_size_pretty(pg_database_size(current_database()))" ;;
  esac
}

# measure LABEL ENGINE SCHEMA N URL ROWS -- authkit args...
# Runs the command RUNS times under /usr/bin/time -v, stdout to /dev/null,
# and appends one row to the results table.
TABLE=$RES/table.tsv
printf 'engine\tschema\tusers\tcommand\twall_median_s\twall_runs_s\tpeak_rss_mb\trows_per_s\tload1\texit\n' >"$TABLE"
measure() {
  local label=$1 engine=$2 schema=$3 n=$4 url=$5 rows=$6; shift 7
  local walls=() rss=0 rc=0 i f load runs=${MRUNS:-$RUNS}
  load=$(cut -d' ' -f1 /proc/loadavg) # how busy the shared machine was
  for ((i = 1; i <= runs; i++)); do
    f="$RES/raw/${engine}-${schema}-${n}-${label//[^A-Za-z0-9-]/_}-$i.time"
    local t0 t1 wall r
    set +e
    t0=$(date +%s%N)
    timeout "$TIMEOUT" /usr/bin/time -v -o "$f" "$AUTHKIT" --database-url "$url" "$@" >/dev/null 2>"$f.stderr"
    rc=$?
    t1=$(date +%s%N)
    set -e
    # Wall time to the millisecond (time -v prints hundredths only).
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
    r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$f")
    walls+=("${wall:-NaN}")
    [ "${r:-0}" -gt "$rss" ] && rss=$r
    if [ "$rc" != 0 ]; then
      log "  $label on $engine/$schema/$n exited $rc: $(head -c 300 "$f.stderr")"
      break
    fi
  done
  local median rps
  median=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  rps=-
  [ "$rows" != - ] && rps=$(awk -v r="$rows" -v s="$median" 'BEGIN {if (s > 0) printf "%.0f", r / s; else print "-"}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\n' "$engine" "$schema" "$n" "$label" "$median" "$(IFS=,; echo "${walls[*]}")" \
    "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" "$rps" "$load" "$rc" >>"$TABLE"
  log "  $label ($engine $schema $n): median ${median}s, peak RSS $((rss / 1024)) MB, exit $rc"
}

# --- statement capture for the plans ----------------------------------------
PGLOG=${AUTHKIT_BENCH_PGLOG:-$(pg_lsclusters -h 2>/dev/null | awk 'NR == 1 {print $7}')}
can_capture() { [ -n "$PGLOG" ] && [ -r "$PGLOG" ]; }
# capture DB URL LABEL SQLITEURL -- authkit args...   (the command's own SQL)
capture() {
  local db=$1 url=$2 label=$3 lite=$4; shift 5
  local since until
  psql "$url" -qXc "ALTER DATABASE $db SET log_min_duration_statement = 0" >/dev/null
  since=$(stat -c %s "$PGLOG")
  # `users list` is cut after ~4 MB of output (its first pages: the first
  # page and pages after a cursor); the others run to the end.
  set +e +o pipefail
  timeout "$TIMEOUT" "$AUTHKIT" --database-url "$url" "$@" 2>/dev/null | head -c 4000000 >/dev/null
  set -e -o pipefail
  sleep 1 # let the server write its log
  until=$(stat -c %s "$PGLOG")
  psql "$url" -qXc "ALTER DATABASE $db RESET log_min_duration_statement" >/dev/null
  local args=(--pg "$url" --pglog "$PGLOG" --db "$db" --since "$since" --until "$until" --label "$label")
  [ -n "$lite" ] && args+=(--sqlite "$lite")
  "$SB" plans "${args[@]}" >>"$RES/plans.md" || log "  no plan for $label"
}

# --- the runs ----------------------------------------------------------------
run_native() { # ENGINE
  local engine=$1 url_small url_large email
  seed "$engine" authkit "$SMALL"; url_small=$URL
  seed "$engine" authkit "$USERS"; url_large=$URL
  log "measuring $engine authkit: small $(dbsize "$url_small"), large $(dbsize "$url_large")"
  echo "$engine authkit $SMALL: $(dbsize "$url_small"); $USERS: $(dbsize "$url_large")" >>"$RES/sizes.txt"
  for n in "$SMALL" "$USERS"; do
    local url=$url_small
    [ "$n" = "$USERS" ] && url=$url_large
    email=$("$SB" email --users "$n")
    measure "users list --json" "$engine" authkit "$n" "$url" "$n" -- users list --json
    measure "users show <email>" "$engine" authkit "$n" "$url" - -- users show "$email"
    measure "users duplicates --json" "$engine" authkit "$n" "$url" - -- users duplicates --json
  done
}

run_authjs_pg() {
  local url_small url_large email
  seed postgres authjs-pg "$SMALL"; url_small=$URL
  seed postgres authjs-pg "$USERS"; url_large=$URL
  echo "postgres authjs-pg $SMALL: $(dbsize "$url_small"); $USERS: $(dbsize "$url_large")" >>"$RES/sizes.txt"
  log "measuring postgres authjs-pg"
  measure "users list --json" postgres authjs-pg "$SMALL" "$url_small" "$SMALL" -- users list --json
  measure "users list --json --limit 10000" postgres authjs-pg "$USERS" "$url_large" 10000 -- users list --json --limit 10000
  for n in "$SMALL" "$USERS"; do
    local url=$url_small
    [ "$n" = "$USERS" ] && url=$url_large
    email=$("$SB" email --users "$n")
    measure "users show <email>" postgres authjs-pg "$n" "$url" - -- users show "$email"
    measure "users duplicates --json" postgres authjs-pg "$n" "$url" - -- users duplicates --json
  done
}

run_drizzle() {
  local url_small url_large email
  seed sqlite authjs-drizzle "$SMALL"; url_small=$URL
  seed sqlite authjs-drizzle "$USERS"; url_large=$URL
  echo "sqlite authjs-drizzle $SMALL: $(dbsize "$url_small"); $USERS: $(dbsize "$url_large")" >>"$RES/sizes.txt"
  log "measuring sqlite authjs-drizzle"
  measure "users list --json" sqlite authjs-drizzle "$SMALL" "$url_small" "$SMALL" -- users list --json
  measure "users list --json --limit 10000" sqlite authjs-drizzle "$USERS" "$url_large" 10000 -- users list --json --limit 10000
  for n in "$SMALL" "$USERS"; do
    local url=$url_small
    [ "$n" = "$USERS" ] && url=$url_large
    email=$("$SB" email --users "$n")
    measure "users show <email>" sqlite authjs-drizzle "$n" "$url" - -- users show "$email"
    # One accounts scan per duplicate group: minutes at 1M, so one run there.
    local r=$RUNS
    [ "$n" = "$USERS" ] && r=1
    MRUNS=$r measure "users duplicates --json" sqlite authjs-drizzle "$n" "$url" - -- users duplicates --json
  done
}

START=$(date +%s)
{
  echo "# store benchmark $STAMP"
  echo "host: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "authkit: $(git rev-parse --short HEAD)$([ -z "$(git status --porcelain -- pkg internal cmd)" ] || echo ' + uncommitted changes'), $(go version | cut -d' ' -f3)"
  echo "postgres: $(psql "$PGADMIN" -AtXc 'SHOW server_version' 2>/dev/null || echo none)"
} >"$RES/env.txt"

has_engine sqlite && run_native sqlite
has_engine postgres && run_native postgres
has_engine postgres && [ "$AUTHJS" = 1 ] && run_authjs_pg
has_engine sqlite && [ "$DRIZZLE" = 1 ] && run_drizzle

# Plans: the statements each command issued on Postgres, explained there and
# (native schema) on the SQLite database of the same size and data.
if has_engine postgres && can_capture; then
  log "capturing statements and plans"
  db="authkit_bench_authkit_$USERS"
  url=$(pgurl "$db")
  lite=""
  has_engine sqlite && lite="sqlite:$OUT/authkit-$USERS.db"
  email=$("$SB" email --users "$USERS")
  capture "$db" "$url" "authkit schema, $USERS users: users show $email" "$lite" -- users show "$email"
  capture "$db" "$url" "authkit schema, $USERS users: users duplicates --json" "$lite" -- users duplicates --json
  capture "$db" "$url" "authkit schema, $USERS users: users list --json (first pages)" "$lite" -- users list --json
  if [ "$AUTHJS" = 1 ]; then
    db="authkit_bench_authjs_pg_$USERS"
    url=$(pgurl "$db")
    capture "$db" "$url" "authjs-pg schema, $USERS users: users show $email" "" -- users show "$email"
    capture "$db" "$url" "authjs-pg schema, $USERS users: users duplicates --json" "" -- users duplicates --json
    capture "$db" "$url" "authjs-pg schema, $USERS users: users list --json (first pages)" "" -- users list --json
  fi
elif has_engine postgres; then
  log "cannot read the Postgres log ${PGLOG:-(none found)}; set AUTHKIT_BENCH_PGLOG to capture plans"
fi

# authjs-drizzle on SQLite: the statements sqlstore builds for that profile
# (the authjs-pg ones above with the tables "user", "account", "session" and
# no session id column), written out here because only Postgres logs what a
# command runs. Plans only: the timings are in the table.
if [ "$DRIZZLE" = 1 ] && has_engine sqlite && command -v sqlite3 >/dev/null; then
  {
    echo "## authjs-drizzle schema (SQLite), $USERS users: EXPLAIN QUERY PLAN of the profile's statements (written out, not captured)"
    while IFS= read -r q; do
      [ -z "$q" ] && continue
      printf '\n    %s\n\n' "$q"
      sqlite3 -readonly "$OUT/authjs-drizzle-$USERS.db" "EXPLAIN QUERY PLAN $q" | sed 's/^/      /'
    done <<'SQL'
SELECT "id", "name", "email", "emailVerified", "image" FROM "user" WHERE "email" = ? ORDER BY "id" LIMIT 1
SELECT "userId", "type", "provider", "providerAccountId", "refresh_token", "access_token", "expires_at", "token_type", "scope", "id_token", "session_state" FROM "account" WHERE "userId" IN (?, ?) ORDER BY "provider", "providerAccountId"
SELECT "sessionToken", "userId", "expires", NULL FROM "session" WHERE "userId" = ? ORDER BY "expires", "sessionToken"
SELECT "email" FROM "user" WHERE "email" IS NOT NULL
SELECT "id", "name", "email", "emailVerified", "image" FROM "user" WHERE "email" IS NOT NULL
SELECT u."id", u."name", u."email", u."emailVerified", u."image" FROM "user" u WHERE u."id" > ? ORDER BY u."id" LIMIT 1000
SQL
  } >>"$RES/plans.md"
fi

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg), total $(( $(date +%s) - START )) s" >>"$RES/env.txt"
ln -sfn "results-$STAMP" "$OUT/latest"
{
  cat "$RES/env.txt"
  echo
  cat "$RES/sizes.txt" 2>/dev/null || true
  echo
  column -t -s $'\t' "$TABLE"
  echo
  echo "peak RSS of users list --json, $USERS vs $SMALL users:"
  awk -F'\t' -v big="$USERS" -v small="$SMALL" '
    $4 == "users list --json" { rss[$1 "/" $2 "/" $3] = $7 }
    END { for (k in rss) { split(k, p, "/"); if (p[3] == big && ((p[1] "/" p[2] "/" small) in rss))
      printf "  %s %s: %.1f MB vs %.1f MB, ratio %.2f\n", p[1], p[2], rss[k], rss[p[1] "/" p[2] "/" small], rss[k] / rss[p[1] "/" p[2] "/" small] } }' "$TABLE"
} | tee "$RES/summary.txt"
log "results in $RES (plans: $RES/plans.md)"
