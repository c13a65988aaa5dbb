#!/usr/bin/env bash
# Store benchmark: peak memory and time of `authkit users list --json`,
# `users show <email>` and `users duplicates --json` on SQLite and Postgres
# with 1,000,000 users (2 accounts each), and the query plans of the SQL
# those commands issue. See bench/README.md.
#
#   bench/store.sh [--users N] [--small N] [--runs R] [--fresh] [--keep]
#                  [--engines sqlite,postgres] [--no-authjs] [--drizzle]
#                  [--with-index] [--verify] [--timeout SECONDS]
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
#   --with-index  also measure the Auth.js profiles with the indexes their
#                 users can add themselves (on accounts/sessions "userId",
#                 and users email on authjs-pg), on copies of the large
#                 databases (a Postgres database made from the seeded one as
#                 a template, a copy of the SQLite file); the copies are
#                 removed at the end (the Postgres one kept with --keep)
#   --verify      check the full `users list --json` of each large database
#                 once (storebench checklist: every user once, in id order,
#                 with its own two accounts)
#   --timeout S   stop any one measured command after S seconds (default 1800)
#
# Environment: AUTHKIT_BENCH_PG, the server to create the benchmark
# databases on (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable);
# AUTHKIT_BENCH_PGLOG, the server log to capture statements from (default:
# the log file pg_lsclusters names).
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=1000000 SMALL=100000 RUNS=3 FRESH=0 KEEP=0 ENGINES=sqlite,postgres AUTHJS=1 DRIZZLE=0 WITH_INDEX=0 VERIFY=0 TIMEOUT=1800
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
    --with-index) WITH_INDEX=1 ;;
    --verify) VERIFY=1 ;;
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
# (and the SQLite copies made for --with-index: always removed)
PGDBS=()
TMPFILES=()
cleanup() {
  local rc=$?
  if [ "$KEEP" = 0 ]; then
    for db in "${PGDBS[@]}"; do
      psql "$PGADMIN" -qXc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 && log "dropped Postgres database $db"
    done
  fi
  for f in "${TMPFILES[@]}"; do
    rm -f "$f" "$f-wal" "$f-shm" && log "removed $f"
  done
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

# pg_idle URL: wait (up to 60 s) until no other backend of that database is
# busy, e.g. with a statement whose client was cut short and has not yet
# noticed; a no-op for SQLite.
pg_idle() {
  case "$1" in sqlite:*) return 0 ;; esac
  local db=${1%%\?*} i
  db=${db##*/}
  for ((i = 0; i < 120; i++)); do
    [ "$(psql "$PGADMIN" -AtXc "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db' AND state <> 'idle' AND pid <> pg_backend_pid()")" = 0 ] && return 0
    sleep 0.5
  done
  log "  a backend of $db is still busy after 60 s"
}

# first_output URL -- authkit args...: prints the seconds until the command
# writes its first byte. The reader stops after that byte, so the command
# dies of SIGPIPE at its next write; a command that must read everything
# before its first row (a sort) shows it here.
first_output() {
  local url=$1 t0 t1; shift 2
  set +e +o pipefail
  t0=$(date +%s%N)
  timeout "$TIMEOUT" "$AUTHKIT" --database-url "$url" "$@" 2>/dev/null | head -c 1 >/dev/null
  t1=$(date +%s%N)
  set -e -o pipefail
  pg_idle "$url"
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}'
}

# verify_list ENGINE SCHEMA N URL: with --verify, check the output of one
# full `users list --json` (not timed) and note the result in verify.txt.
verify_list() {
  [ "$VERIFY" = 1 ] || return 0
  local engine=$1 schema=$2 n=$3 url=$4 serial=() out
  [[ "$schema" == authjs-pg* ]] && serial=(--serial)
  set +e
  out=$(timeout "$TIMEOUT" "$AUTHKIT" --database-url "$url" users list --json 2>>"$RES/raw/verify.stderr" |
    "$SB" checklist --users "$n" "${serial[@]}" 2>&1)
  set -e
  echo "$engine $schema $n users list --json: $out" | tee -a "$RES/verify.txt" >&2
}

# measure LABEL ENGINE SCHEMA N URL ROWS -- authkit args...
# Runs the command RUNS times under /usr/bin/time -v, stdout to /dev/null,
# and appends one row to the results table. With FIRST=1 it then runs it
# once more to time its first output (first_output).
TABLE=$RES/table.tsv
printf 'engine\tschema\tusers\tcommand\twall_median_s\twall_runs_s\tpeak_rss_mb\trows_per_s\tload1\texit\tfirst_output_s\n' >"$TABLE"
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
  local median rps first=-
  median=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  rps=-
  [ "$rows" != - ] && rps=$(awk -v r="$rows" -v s="$median" 'BEGIN {if (s > 0) printf "%.0f", r / s; else print "-"}')
  [ "${FIRST:-0}" = 1 ] && [ "$rc" = 0 ] && first=$(first_output "$url" -- "$@")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\t%s\n' "$engine" "$schema" "$n" "$label" "$median" "$(IFS=,; echo "${walls[*]}")" \
    "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" "$rps" "$load" "$rc" "$first" >>"$TABLE"
  log "  $label ($engine $schema $n): median ${median}s, peak RSS $((rss / 1024)) MB, exit $rc$([ "$first" = - ] || echo ", first output after ${first}s")"
}

# --- statement capture for the plans ----------------------------------------
PGLOG=${AUTHKIT_BENCH_PGLOG:-$(pg_lsclusters -h 2>/dev/null | awk 'NR == 1 {print $7}')}
can_capture() { [ -n "$PGLOG" ] && [ -r "$PGLOG" ]; }
# capture DB URL LABEL SQLITEURL -- authkit args...   (the command's own SQL)
# log_statement = 'all' logs each statement as it starts, with its
# parameters, and log_min_duration_statement = 0 adds its duration when it
# ends. Both are needed: `users list` is one long query (Store.EachUser),
# and it is cut after ~4 MB of output here, so it never ends normally and
# log_min_duration_statement alone would not log it at all.
capture() {
  local db=$1 url=$2 label=$3 lite=$4; shift 5
  local since until
  psql "$PGADMIN" -qX -c "ALTER DATABASE $db SET log_statement = 'all'" -c "ALTER DATABASE $db SET log_min_duration_statement = 0" >/dev/null
  since=$(stat -c %s "$PGLOG")
  # `users list` is cut after ~4 MB of output (about 10,000 users: the
  # start of its one query); the others run to the end.
  set +e +o pipefail
  timeout "$TIMEOUT" "$AUTHKIT" --database-url "$url" "$@" 2>/dev/null | head -c 4000000 >/dev/null
  set -e -o pipefail
  pg_idle "$url" # the server has ended the cut statement
  sleep 1        # and written its log
  until=$(stat -c %s "$PGLOG")
  psql "$PGADMIN" -qX -c "ALTER DATABASE $db RESET log_statement" -c "ALTER DATABASE $db RESET log_min_duration_statement" >/dev/null
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
    FIRST=1 measure "users list --json" "$engine" authkit "$n" "$url" "$n" -- users list --json
    [ "$n" = "$USERS" ] && verify_list "$engine" authkit "$n" "$url"
    measure "users show <email>" "$engine" authkit "$n" "$url" - -- users show "$email"
    measure "users duplicates --json" "$engine" authkit "$n" "$url" - -- users duplicates --json
  done
}

# run_authjs ENGINE SCHEMA: authjs-pg on Postgres, authjs-drizzle on SQLite.
# The same three commands at both sizes (full listings: since Store.EachUser
# a listing reads the accounts once, not once per page), plus at the large
# size the `--limit 10000` listing the runs before EachUser measured instead,
# and a `--limit 20` one (a short listing still reads all the accounts when
# they have no index on their user id).
run_authjs() {
  local engine=$1 schema=$2 url_small url_large email
  seed "$engine" "$schema" "$SMALL"; url_small=$URL
  seed "$engine" "$schema" "$USERS"; url_large=$URL
  echo "$engine $schema $SMALL: $(dbsize "$url_small"); $USERS: $(dbsize "$url_large")" >>"$RES/sizes.txt"
  log "measuring $engine $schema"
  for n in "$SMALL" "$USERS"; do
    local url=$url_small
    [ "$n" = "$USERS" ] && url=$url_large
    email=$("$SB" email --users "$n")
    FIRST=1 measure "users list --json" "$engine" "$schema" "$n" "$url" "$n" -- users list --json
    [ "$n" = "$USERS" ] && verify_list "$engine" "$schema" "$n" "$url"
    measure "users show <email>" "$engine" "$schema" "$n" "$url" - -- users show "$email"
    measure "users duplicates --json" "$engine" "$schema" "$n" "$url" - -- users duplicates --json
  done
  FIRST=1 measure "users list --json --limit 10000" "$engine" "$schema" "$USERS" "$url_large" 10000 -- users list --json --limit 10000
  FIRST=1 measure "users list --json --limit 20" "$engine" "$schema" "$USERS" "$url_large" 20 -- users list --json --limit 20
}

# The indexes an Auth.js user can add to their own tables (authkit never
# alters them), for --with-index.
PG_INDEXES='CREATE INDEX ON accounts ("userId");
CREATE INDEX ON sessions ("userId");
CREATE INDEX ON users (email);'
DRIZZLE_INDEXES='CREATE INDEX account_userId_idx ON account (userId);
CREATE INDEX session_userId_idx ON session (userId);'

# run_indexed ENGINE SCHEMA: the large Auth.js database again, on a copy
# with those indexes (schema label SCHEMA+idx).
IDX_PGDB="" IDX_LITE=""
run_indexed() {
  local engine=$1 schema=$2 url email t0 i
  email=$("$SB" email --users "$USERS")
  if [ "$engine" = postgres ]; then
    local src="authkit_bench_${schema//-/_}_$USERS" db="authkit_bench_${schema//-/_}_${USERS}_idx"
    PGDBS+=("$db")
    log "copying $src to $db and adding its indexes"
    psql "$PGADMIN" -qXc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    for ((i = 0; ; i++)); do # the template must have no other session (autovacuum)
      psql "$PGADMIN" -qXc "CREATE DATABASE $db TEMPLATE $src" >/dev/null 2>&1 && break
      [ "$i" -lt 20 ] || { log "cannot copy $src"; return 1; }
      sleep 3
    done
    url=$(pgurl "$db")
    t0=$(date +%s%N)
    psql "$url" -qX -v ON_ERROR_STOP=1 -c "$PG_INDEXES" >/dev/null
    echo "$engine $schema $USERS: $(echo "$PG_INDEXES" | tr '\n' ' ') took $(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}') s; size then $(dbsize "$url")" >>"$RES/sizes.txt"
    psql "$PGADMIN" -qXc "CHECKPOINT" >/dev/null
    IDX_PGDB=$db
  else
    local copy="$OUT/$schema-$USERS-idx.db"
    TMPFILES+=("$copy")
    log "copying $schema-$USERS.db and adding its indexes"
    rm -f "$copy" "$copy-wal" "$copy-shm"
    cp "$OUT/$schema-$USERS.db" "$copy"
    t0=$(date +%s%N)
    sqlite3 "$copy" "$DRIZZLE_INDEXES"
    echo "$engine $schema $USERS: $(echo "$DRIZZLE_INDEXES" | tr '\n' ' ') took $(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}') s; size then $(dbsize "sqlite:$copy")" >>"$RES/sizes.txt"
    url="sqlite:$copy"
    IDX_LITE=$copy
  fi
  log "measuring $engine $schema+idx"
  FIRST=1 measure "users list --json" "$engine" "$schema+idx" "$USERS" "$url" "$USERS" -- users list --json
  verify_list "$engine" "$schema+idx" "$USERS" "$url"
  measure "users show <email>" "$engine" "$schema+idx" "$USERS" "$url" - -- users show "$email"
  measure "users duplicates --json" "$engine" "$schema+idx" "$USERS" "$url" - -- users duplicates --json
  FIRST=1 measure "users list --json --limit 10000" "$engine" "$schema+idx" "$USERS" "$url" 10000 -- users list --json --limit 10000
  FIRST=1 measure "users list --json --limit 20" "$engine" "$schema+idx" "$USERS" "$url" 20 -- users list --json --limit 20
}

START=$(date +%s)
{
  echo "# store benchmark $STAMP"
  echo "host: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "authkit: $(git rev-parse --short HEAD)$([ -z "$(git status --porcelain -- pkg internal cmd)" ] || echo ' + uncommitted changes'), $(go version | cut -d' ' -f3)"
  echo "bench/: $([ -z "$(git status --porcelain -- bench)" ] && echo 'as committed' || echo "$(git status --porcelain -- bench | wc -l) file(s) changed since $(git rev-parse --short HEAD)")"
  echo "postgres: $(psql "$PGADMIN" -AtXc 'SHOW server_version' 2>/dev/null || echo none)"
} >"$RES/env.txt"

has_engine sqlite && run_native sqlite
has_engine postgres && run_native postgres
has_engine postgres && [ "$AUTHJS" = 1 ] && run_authjs postgres authjs-pg
has_engine sqlite && [ "$DRIZZLE" = 1 ] && run_authjs sqlite authjs-drizzle
has_engine postgres && [ "$AUTHJS" = 1 ] && [ "$WITH_INDEX" = 1 ] && run_indexed postgres authjs-pg
if has_engine sqlite && [ "$DRIZZLE" = 1 ] && [ "$WITH_INDEX" = 1 ]; then
  if command -v sqlite3 >/dev/null; then
    run_indexed sqlite authjs-drizzle
  else
    log "no sqlite3 shell to add the indexes with: skipping authjs-drizzle+idx"
  fi
fi

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
  capture "$db" "$url" "authkit schema, $USERS users: users list --json (cut after 4 MB)" "$lite" -- users list --json
  if [ "$AUTHJS" = 1 ]; then
    for db in "authkit_bench_authjs_pg_$USERS" $IDX_PGDB; do
      url=$(pgurl "$db")
      what="authjs-pg schema"
      [ "$db" = "$IDX_PGDB" ] && what="authjs-pg schema with the indexes of --with-index"
      capture "$db" "$url" "$what, $USERS users: users show $email" "" -- users show "$email"
      capture "$db" "$url" "$what, $USERS users: users duplicates --json" "" -- users duplicates --json
      capture "$db" "$url" "$what, $USERS users: users list --json (cut after 4 MB)" "" -- users list --json
    done
  fi
elif has_engine postgres; then
  log "cannot read the Postgres log ${PGLOG:-(none found)}; set AUTHKIT_BENCH_PGLOG to capture plans"
fi

# authjs-drizzle on SQLite: the statements sqlstore builds for that profile,
# written out here because only Postgres logs what a command runs. They are
# copied from pkg/store/sqlstore (users.go GetUserByEmail, accounts.go
# accountsOf, sessions.go ListSessions, admin.go EachUser, FindDuplicates
# and emailHashes) as of the EachUser change; they are the authjs-pg ones
# captured above with the tables "user", "account", "session" and no session
# id column. Plans only: the timings are in the table. `storebench explain`
# runs EXPLAIN QUERY PLAN through the SQLite library authkit links
# (modernc.org/sqlite); the sqlite3 shell of the system is an older SQLite
# whose plans differ (it shows no Bloom filter, for one).
if [ "$DRIZZLE" = 1 ] && has_engine sqlite; then
  in_list() { # N -> ?, ?, ... (N of them)
    local i out="?"
    for ((i = 1; i < $1; i++)); do out+=", ?"; done
    echo "$out"
  }
  ndup=$((USERS / 10000 * 2)) # users in duplicate groups: one accountsOf chunk (<= 500)
  [ "$ndup" -ge 1 ] || ndup=1
  [ "$ndup" -le 500 ] || ndup=500
  each_user() { # LIMIT clause -> the EachUser statement
    printf '%s' "SELECT u.*, a.\"userId\", a.\"type\", a.\"provider\", a.\"providerAccountId\" FROM (SELECT u.\"id\", u.\"name\", u.\"email\", u.\"emailVerified\", u.\"image\" FROM \"user\" u ORDER BY u.\"id\"$1) u"$'\n\t\t'"LEFT JOIN \"account\" a ON a.\"userId\" = u.\"id\" ORDER BY u.\"id\", a.\"provider\", a.\"providerAccountId\""
  }
  DRIZZLE_SQL=(
    "-- users show: GetUserByEmail, ListAccounts (with tokens), ListSessions"
    'SELECT "id", "name", "email", "emailVerified", "image" FROM "user" WHERE "email" = ? ORDER BY "id" LIMIT 1'
    'SELECT "userId", "type", "provider", "providerAccountId", "refresh_token", "access_token", "expires_at", "token_type", "scope", "id_token", "session_state" FROM "account" WHERE "userId" IN (?) ORDER BY "provider", "providerAccountId"'
    'SELECT "sessionToken", "userId", "expires", NULL FROM "session" WHERE "userId" = ? ORDER BY "expires", "sessionToken"'
    "-- users list --json: EachUser, one query"
    "$(each_user "")"
    "-- users list --json --limit 10000"
    "$(each_user " LIMIT 10000")"
    "-- users list --json --limit 20"
    "$(each_user " LIMIT 20")"
    "-- users duplicates --json: emailHashes (count, then the emails), FindDuplicates (the users, then the accounts of the $ndup colliding users in one chunk)"
    'SELECT count(*) FROM "user" WHERE "email" IS NOT NULL'
    'SELECT "email" FROM "user" WHERE "email" IS NOT NULL'
    'SELECT "id", "name", "email", "emailVerified", "image" FROM "user" WHERE "email" IS NOT NULL'
    "SELECT \"userId\", \"type\", \"provider\", \"providerAccountId\" FROM \"account\" WHERE \"userId\" IN ($(in_list "$ndup")) ORDER BY \"provider\", \"providerAccountId\""
  )
  for f in "$OUT/authjs-drizzle-$USERS.db" $IDX_LITE; do
    {
      if [ "$f" = "$IDX_LITE" ]; then
        echo "## authjs-drizzle schema (SQLite) with the indexes of --with-index, $USERS users: EXPLAIN QUERY PLAN of the profile's statements (written out, not captured)"
      else
        echo "## authjs-drizzle schema (SQLite), $USERS users: EXPLAIN QUERY PLAN of the profile's statements (written out, not captured)"
      fi
      for q in "${DRIZZLE_SQL[@]}"; do
        if [[ "$q" == --* ]]; then
          printf '\n### %s\n' "${q#-- }"
          continue
        fi
        printf '\n    %s\n\n' "$(printf '%s' "$q" | sed -E 's/(\?, ){4,}\?/?, ?, … ?/; 2,$s/^/    /')"
        "$SB" explain --sqlite "sqlite:$f" "$q" | sed 's/^/      /'
      done
      echo
    } >>"$RES/plans.md"
  done
fi

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg), total $(( $(date +%s) - START )) s" >>"$RES/env.txt"
ln -sfn "results-$STAMP" "$OUT/latest"
{
  cat "$RES/env.txt"
  echo
  cat "$RES/sizes.txt" 2>/dev/null || true
  echo
  [ -f "$RES/verify.txt" ] && { cat "$RES/verify.txt"; echo; }
  column -t -s $'\t' "$TABLE"
  echo
  echo "$USERS vs $SMALL users (ratios of peak RSS and of median wall time):"
  awk -F'\t' -v big="$USERS" -v small="$SMALL" '
    NR > 1 { k = $1 "|" $2 "|" $4; rss[k "|" $3] = $7; wall[k "|" $3] = $5; if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
    END { for (i = 1; i <= n; i++) { k = order[i]; b = k "|" big; s = k "|" small
      if ((b in rss) && (s in rss) && rss[s] > 0 && wall[s] > 0) { split(k, p, "|")
        printf "  %-8s %-16s %-26s RSS %6.1f / %6.1f MB = %5.2f   wall %8.3f / %7.3f s = %6.2f\n", p[1], p[2], p[3], rss[b], rss[s], rss[b] / rss[s], wall[b], wall[s], wall[b] / wall[s] } } }' "$TABLE"
} | tee "$RES/summary.txt"
log "results in $RES (plans: $RES/plans.md)"
