#!/usr/bin/env bash
# http_load.sh: slotbook-server (examples/booking-server) under an HTTP
# booking surge from wrk, next to the same bookings made in-process by
# slotbook-book, on the same disk, one after the other.
#
# Each run starts a fresh server on 127.0.0.1 (--port 0, a fresh --data dir
# in a temp dir, a random --token, --durable as asked), opens the locations
# and releases the slots' places through the admin API (curl), drives it with
# wrk for SECONDS_PER_RUN from CONNS connections on as many wrk threads as
# cores (bench/http_surge.lua makes every request), checks the books it left,
# and stops it.  Scenarios:
#   book          POST /api/book only, each for a new person (a valid BSN
#                 from a per-thread counter, never repeated) on a random slot
#                 of SLOTS slots of PLACES places (enough not to sell out);
#   surge         the mix MIX (booking %, availability %, the rest
#                 POST /api/lookup of a person booked) on SURGE_SLOTS slots
#                 of SURGE_PLACES places, which sell out: every 409 SB_FULL
#                 makes that person retry, on the slot the last availability
#                 answer named as free;
#   availability  GET /api/availability only (no journal, no booking): the
#                 HTTP server and the JSON with next to no engine work.
# Then, for each CONNS, slotbook-book books from as many callers for as long
# on SLOTS slots of PLACES places in process, its journal in the same temp
# dir, with the same --durable.  The ratio line compares the "book"
# scenario's bookings per second (HTTP 200 answers to POST /api/book,
# divided by wrk's run time) with slotbook-book's bookings_per_s (sb_book
# calls returning SB_OK, divided by its run time): the cost of HTTP, JSON and
# the server's threads on top of the engine and its journal.
#
# Prints one line per figure:
#   http_load setup server=PATH dir=DIR disk=DEVICE fs=TYPE cores=N ...
#   http_load run scenario=book durable=sync conns=64 threads=2 seconds=X
#     requests=N requests_per_s=X p50_us=N p90_us=N p99_us=N p999_us=N
#     max_us=N ... status_200=N status_409=N ... book_ok=N SB_FULL=N ...
#     bookings_per_s=X server_cpu_s=X wrk_cpu_s=X machine_cpu_s=X
#     other_cpu_s=X steal_pct=X server_cpu_us_per_request=X journal_records=N
#     journal_flushes=N records_per_flush=X loadavg=X
#   http_load check scenario=... booked=N book_ok=N capacity=N released=N
#     negative_free=N ok|MISMATCH
#   http_load inproc note: ...   (slotbook-book's warnings, e.g. a full
#     person table: in batch it fills PEOPLE in a few seconds and stops)
#   http_load inproc durable=sync callers=64 ... bookings_per_s=X ...
#   http_load ratio conns=64 durable=sync http_bookings_per_s=X
#     inproc_bookings_per_s=X ratio=X (http book / in-process sb_book)
# and with PERF=1, the server's profile during each run (perf record):
#   http_load perf scenario=... dso=NAME share=X%     (by shared object)
#   http_load perf scenario=... symbol=NAME share=X%  (the top symbols)
# wrk's own report (with --latency) stays in the temp dir; VERBOSE=1 shows it.
#
# Usage: bench/http_load.sh [BUILD_DIR]   (default: build; it must hold
# examples/booking-server/slotbook-server and bench/slotbook-book).
# Environment:
#   SECONDS_PER_RUN  seconds of load per run (default 15)
#   CONNS            connection counts, one run each (default "64 16")
#   THREADS          wrk threads (default: cores, at most the connections)
#   SCENARIOS        (default "book surge availability")
#   DURABLE          sync (default) or batch: the server's and slotbook-book's
#   SLOTS, PLACES    the book and availability runs (default 10 and 1000000)
#   SURGE_SLOTS, SURGE_PLACES   the surge run (default 10 and 1000)
#   MIX              surge's "BOOK%,AVAILABILITY%" (default "80,10")
#   PEOPLE           person table of both (default 4194304)
#   HTTP_LOAD_DIR    where the temp dir goes: the disk measured (default
#                    /var/tmp; a tmpfs is refused, it never syncs)
#   PERF=1           profile the server (perf record -g) during each run
#   VERBOSE=1        print wrk's reports
# Needs wrk and curl (Debian: apt-get install wrk curl).  Run by hand, not by
# CI: it takes about two and a half minutes and measures the machine under it.  Only
# 127.0.0.1 is ever targeted.  The server it started is stopped and the temp
# dir removed on exit, however it exits.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
secs=${SECONDS_PER_RUN:-15}
conns_list=${CONNS:-64 16}
scenarios=${SCENARIOS:-book surge availability}
durable=${DURABLE:-sync}
slots=${SLOTS:-10}
places=${PLACES:-1000000}
surge_slots=${SURGE_SLOTS:-10}
surge_places=${SURGE_PLACES:-1000}
mix=${MIX:-80,10}
people=${PEOPLE:-4194304}
base=${HTTP_LOAD_DIR:-/var/tmp}
cores=$(nproc)

# The server's journal shape, given explicitly so that the slots are known:
# the horizon starts on FIRST_DAY; availability answers at most 62 days, so
# a location gets at most 62 days' slots.
readonly HOST=127.0.0.1 FIRST_DAY=2022-09-01 LOCATIONS=7 DAYS=120 SPAN_DAYS=62

die() {
  echo "http_load: $*" >&2
  exit 1
}

server=$build/examples/booking-server/slotbook-server
book=$build/bench/slotbook-book
lua=$here/http_surge.lua
[ -x "$server" ] || die "no $server: build first (meson setup build && ninja -C build; the server needs libmicrohttpd and jansson), or pass the build dir"
[ -x "$book" ] || die "no $book: build first, or pass the build dir"
[ -r "$lua" ] || die "no $lua"
command -v wrk >/dev/null || die "no wrk (Debian: apt-get install wrk)"
command -v curl >/dev/null || die "no curl (Debian: apt-get install curl)"
[ "${PERF:-0}" != 1 ] || command -v perf >/dev/null || die "PERF=1 needs perf (Debian: apt-get install linux-perf)"
case $durable in sync | batch) ;; *) die "DURABLE is sync or batch" ;; esac
for n in "$secs" $conns_list "${THREADS:-1}" "$slots" "$places" "$surge_slots" "$surge_places" "$people"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive whole number: $n"
done
[[ $mix =~ ^[0-9]+,[0-9]+$ ]] || die "MIX is BOOK%,AVAILABILITY%, e.g. 80,10"
[ "$(stat -f -c %T "$base")" != tmpfs ] || die "$base is a tmpfs: fsync does nothing there"

tmp=$(mktemp -d "$base/slotbook-http.XXXXXX")
srv_pid=
perf_pid=
cleanup() {
  [ -z "$perf_pid" ] || kill -INT "$perf_pid" 2>/dev/null || true
  [ -z "$srv_pid" ] || stop_server || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the server ---------------------------------------------------------------

# Starts a fresh server on $tmp/data; sets srv_pid, port, token, url.
start_server() {
  # Removed here, not truncated by the redirection below: that happens in
  # the child, and the loop could read the last server's line before it.
  rm -rf "$tmp/data" "$tmp/server.out" "$tmp/server.err"
  token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  "$server" --bind "$HOST" --port 0 --data "$tmp/data" --token "$token" --durable "$durable" \
    --locations "$LOCATIONS" --first-day "$FIRST_DAY" --days "$DAYS" --people "$people" \
    >"$tmp/server.out" 2>"$tmp/server.err" &
  srv_pid=$!
  local line='' i
  for ((i = 0; i < 300; i++)); do
    line=$(head -n1 "$tmp/server.out" 2>/dev/null || true)
    [ -z "$line" ] || break
    kill -0 "$srv_pid" 2>/dev/null || { cat "$tmp/server.err" >&2; srv_pid=; die "the server exited at start"; }
    sleep 0.1
  done
  local re="^slotbook-server listening on http://127\\.0\\.0\\.1:([0-9]+) token=$token\$"
  [[ $line =~ $re ]] || die "unexpected first line from the server: '$line'"
  port=${BASH_REMATCH[1]}
  url=http://$HOST:$port
}

# Stops the server with SIGTERM (the contract: it flushes and exits 0);
# sets srv_rc to its exit status, 137 when it had to be killed after 20 s.
stop_server() {
  local i
  srv_rc=0
  kill -TERM "$srv_pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$srv_pid" 2>/dev/null && kill -KILL "$srv_pid"
  wait "$srv_pid" || srv_rc=$?
  srv_pid=
}

# api METHOD PATH [BODY]: the answer's body on stdout; fails unless 200.
api() {
  local code
  code=$(curl -sS -o "$tmp/answer" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $token" \
    ${3:+--data "$3"} "$url$2") || die "curl $1 $2 failed"
  [ "$code" = 200 ] || die "$1 $2 answered $code: $(cat "$tmp/answer")"
  tr -d ' \n\t' <"$tmp/answer"
}

# field NAME JSON: the first number NAME has in JSON (compact).
field() {
  grep -oE "\"$1\":[0-9]+" <<<"$2" | head -n1 | cut -d: -f2
}

# sum NAME JSON: the sum of NAME's numbers in JSON.
sum() {
  grep -oE "\"$1\":-?[0-9]+" <<<"$2" | cut -d: -f2 | awk '{ s += $1 } END { print s + 0 }'
}

# ---- the slots ----------------------------------------------------------------

# Lays out N slots: a location takes SPAN_DAYS days of all its windows
# before the next; sets slot_spec (for the Lua script), avail_paths (one
# availability query per location used) and locs_used.
lay_out_slots() {
  local n=$1 per_loc=$((SPAN_DAYS * windows)) s loc r
  [ "$n" -le $((per_loc * LOCATIONS)) ] || die "at most $((per_loc * LOCATIONS)) slots"
  slot_spec=
  avail_paths=
  locs_used=$(((n + per_loc - 1) / per_loc))
  for ((s = 0; s < n; s++)); do
    loc=$((s / per_loc))
    r=$((s % per_loc))
    slot_spec+=${slot_spec:+,}$loc/$(date -u -d "$FIRST_DAY + $((r / windows)) days" +%F)/$((r % windows))
  done
  for ((loc = 0; loc < locs_used; loc++)); do
    r=$((loc + 1 < locs_used ? per_loc : n - loc * per_loc))
    avail_paths+=${avail_paths:+,}"/api/availability?location=$loc&from=$FIRST_DAY&to=$(date -u -d "$FIRST_DAY + $(((r + windows - 1) / windows - 1)) days" +%F)"
  done
}

# Opens the locations used and releases PLACES on each slot, all through
# one curl (every answer must be 200).  The server takes at most
# RELEASE_MAX places a call, and releases add up.
readonly RELEASE_MAX=100000
open_and_release() {
  local n=$1 each=$2 spec s loc date window left chunk calls=0
  : >"$tmp/curl.conf"
  chmod 600 "$tmp/curl.conf"
  for ((loc = 0; loc < locs_used; loc++)); do
    admin_request /api/admin/open "{\"location\":$loc}"
    calls=$((calls + 1))
  done
  IFS=, read -ra spec <<<"$slot_spec"
  for s in "${spec[@]}"; do
    IFS=/ read -r loc date window <<<"$s"
    for ((left = each; left > 0; left -= chunk)); do
      chunk=$((left < RELEASE_MAX ? left : RELEASE_MAX))
      admin_request /api/admin/release \
        "{\"location\":$loc,\"date\":\"$date\",\"window\":$window,\"places\":$chunk}"
      calls=$((calls + 1))
    done
  done
  curl -sS -K "$tmp/curl.conf" >"$tmp/codes" || die "curl could not reach $url"
  [ "$(grep -c '^200$' "$tmp/codes")" -eq "$calls" ] ||
    die "opening or releasing failed: answers $(sort "$tmp/codes" | uniq -c | tr -s ' \n' ' ')"
}

admin_request() {
  [ ! -s "$tmp/curl.conf" ] || echo next >>"$tmp/curl.conf"
  cat >>"$tmp/curl.conf" <<EOF
url = "$url$1"
header = "Authorization: Bearer $token"
data = "${2//\"/\\\"}"
output = "/dev/null"
write-out = "%{http_code}\\n"
EOF
}

# ---- one HTTP run -------------------------------------------------------------

run_http() {
  local scenario=$1 conns=$2 threads n each
  threads=${THREADS:-$cores}
  threads=$((threads < conns ? threads : conns))
  start_server
  local day
  day=$(api GET "/api/availability?location=0&from=$FIRST_DAY&to=$FIRST_DAY")
  windows=$(grep -o '"capacity"' <<<"$day" | wc -l)
  [ "$windows" -ge 1 ] || die "cannot tell the windows per day from the availability answer"
  if [ "$scenario" = surge ]; then n=$surge_slots each=$surge_places; else n=$slots each=$places; fi
  lay_out_slots "$n"
  open_and_release "$n" "$each"
  local before after log=$tmp/wrk-$scenario-$conns.log
  before=$(api GET /api/admin/stats)
  [ "${PERF:-0}" != 1 ] || start_perf "$scenario-$conns"
  drive "$scenario" "$conns" "$threads" "$log"
  [ -z "$perf_pid" ] || stop_perf "$scenario-$conns"
  after=$(api GET /api/admin/stats)
  report_run "$scenario" "$conns" "$threads" "$log" "$before" "$after"
  [ "$scenario" = availability ] || check_books "$scenario" "$conns" $((n * each)) "$log"
  stop_server
  [ "$srv_rc" = 0 ] || echo "http_load warning: the server exited $srv_rc on SIGTERM after the $scenario run (conns=$conns); its stderr: $(tail -n 5 "$tmp/server.err")" >&2
}

# Runs wrk on the server; sets cpu: the CPU seconds the server, wrk, the
# whole machine and the rest of it (other work: the figures are only as
# good as that is small) spent meanwhile, and the steal (a VM's lost time).
drive() {
  local scenario=$1 conns=$2 threads=$3 log=$4 srv0 srv1 stat0 stat1 wrk_cpu
  srv0=$(proc_cpu_s "$srv_pid")
  stat0=$(head -n1 /proc/stat)
  TIMEFORMAT='%3U %3S'
  { time timeout $((secs + 60)) wrk -t "$threads" -c "$conns" -d "${secs}s" --timeout 10s \
    --latency -s "$lua" "$url" -- "$scenario" "$threads" "$mix" "$slot_spec" "$avail_paths" \
    >"$log" 2>&1; } 2>"$tmp/wrk.time" || { cat "$log" >&2; die "wrk failed"; }
  [ "${VERBOSE:-0}" != 1 ] || cat "$log"
  kill -0 "$srv_pid" 2>/dev/null ||
    { tail -n 20 "$tmp/server.err" >&2; srv_pid=; die "the server died during the $scenario run (conns=$conns)"; }
  srv1=$(proc_cpu_s "$srv_pid")
  stat1=$(head -n1 /proc/stat)
  wrk_cpu=$(awk '{ print $1 + $2 }' "$tmp/wrk.time")
  cpu=$(awk -v a="$srv0" -v b="$srv1" -v w="$wrk_cpu" -v t="$(getconf CLK_TCK)" -v s0="$stat0" -v s1="$stat1" 'BEGIN {
    split(s0, x); split(s1, y); for (i = 2; i <= 9; i++) { d[i] = y[i] - x[i]; all += d[i] }
    m = (all - d[5] - d[6]) / t
    printf "server_cpu_s=%.2f wrk_cpu_s=%.2f machine_cpu_s=%.2f other_cpu_s=%.2f steal_pct=%.1f",
      b - a, w, m, m - (b - a) - w, all ? 100 * d[9] / all : 0 }')
}

# proc_cpu_s PID: the user and system CPU seconds PID has used.
proc_cpu_s() {
  sed 's/^.*) //' "/proc/$1/stat" | awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($12 + $13) / t }'
}

# Prints the run's line from wrk's (the Lua script's) lines and the
# journal's counters before and after.
report_run() {
  local scenario=$1 conns=$2 threads=$3 log=$4 before=$5 after=$6
  local main sent statuses answers ok seconds records flushes
  main=$(sed -n 's/^http_surge //p' "$log")
  [ -n "$main" ] || { cat "$log" >&2; die "no figures in wrk's output"; }
  sent=$(sed -n 's/^http_surge_sent //p' "$log" | sed -E 's/([a-z]+)=/sent_\1=/g')
  statuses=$(sed -n 's/^http_surge_status //p' "$log" | sed -E 's/([0-9]+)=/status_\1=/g')
  answers=$(sed -n 's/^http_surge_answers //p' "$log")
  ok=$(grep -oE '(^| )book_ok=[0-9]+' <<<"$answers" | cut -d= -f2 || true)
  seconds=$(grep -oE 'seconds=[0-9.]+' <<<"$main" | cut -d= -f2)
  records=$(($(field records "$after") - $(field records "$before")))
  flushes=$(($(field flushes "$after") - $(field flushes "$before")))
  last_bookings_per_s=$(awk -v n="${ok:-0}" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
  local requests us
  requests=$(grep -oE 'requests=[0-9]+' <<<"$main" | cut -d= -f2)
  us=$(awk -v c="$cpu" -v n="$requests" 'BEGIN { split(c, f, /[ =]/); printf "%.1f", n ? 1e6 * f[2] / n : 0 }')
  echo "http_load run scenario=$scenario durable=$durable conns=$conns threads=$threads $main" \
    "$sent $statuses $answers bookings_per_s=$last_bookings_per_s $cpu server_cpu_us_per_request=$us" \
    "journal_records=$records" \
    "journal_flushes=$flushes records_per_flush=$(awk -v r="$records" -v f="$flushes" \
      'BEGIN { printf "%.2f", f ? r / f : 0 }') loadavg=$(cut -d' ' -f1 /proc/loadavg)"
}

# The books after a run: the places booked over all the slots must be at
# least the 200 answers wrk read, at most those plus the requests in flight
# when it stopped (one per connection), and never more than the places.
check_books() {
  local scenario=$1 conns=$2 released=$3 log=$4 path paths booked=0 capacity=0 free_neg=0 ok a
  local verdict=ok
  IFS=, read -ra paths <<<"$avail_paths"
  for path in "${paths[@]}"; do
    a=$(api GET "$path")
    booked=$((booked + $(sum booked "$a")))
    capacity=$((capacity + $(sum capacity "$a")))
    free_neg=$((free_neg + $(grep -cE '"free":-' <<<"$(tr '{' '\n' <<<"$a")" || true)))
  done
  ok=$(grep -oE '(^| )book_ok=[0-9]+' "$log" | cut -d= -f2 || true)
  ok=${ok:-0}
  if [ "$booked" -lt "$ok" ] || [ "$booked" -gt $((ok + conns)) ] || [ "$booked" -gt "$capacity" ] ||
    [ "$capacity" -ne "$released" ] || [ "$free_neg" -ne 0 ]; then
    verdict=MISMATCH
  fi
  echo "http_load check scenario=$scenario conns=$conns booked=$booked book_ok=$ok" \
    "capacity=$capacity released=$released negative_free=$free_neg $verdict"
}

# ---- perf ---------------------------------------------------------------------

start_perf() {
  perf record -q -F 499 -g -p "$srv_pid" -o "$tmp/perf-$1.data" -- sleep "$secs" \
    >"$tmp/perf-$1.log" 2>&1 &
  perf_pid=$!
}

stop_perf() {
  wait "$perf_pid" || true
  perf_pid=
  local data=$tmp/perf-$1.data
  [ -s "$data" ] || { echo "http_load perf scenario=$1 none: $(tail -n 2 "$tmp/perf-$1.log")"; return; }
  perf report -i "$data" --stdio --no-children --sort dso -g none --percent-limit 2 2>/dev/null |
    awk -v s="$1" '$1 ~ /%$/ { print "http_load perf scenario=" s " dso=" $2 " share=" $1 }'
  perf report -i "$data" --stdio --no-children --sort sym -g none --percent-limit 1.5 2>/dev/null |
    awk -v s="$1" '$1 ~ /%$/ { $1 = $1; p = $1; $1 = ""; $2 = ""; sub(/^ +/, ""); gsub(/ /, "_");
      print "http_load perf scenario=" s " symbol=" $0 " share=" p }'
}

# ---- in process -----------------------------------------------------------------

run_inproc() {
  local conns=$1 out line
  TIMEFORMAT='%3U %3S'
  { time "$book" --journal "$tmp" --durable "$durable" --callers "$conns" --seconds "$secs" \
    --slots "$slots" --places "$places" --people "$people" >"$tmp/book.out" 2>"$tmp/book.err"; } \
    2>"$tmp/book.time" || die "slotbook-book failed: $(cat "$tmp/book.err")"
  out=$(cat "$tmp/book.out")
  line=$(sed -n 1p <<<"$out")
  # The CPU time covers the releases and the recovery too: an upper bound.
  echo "http_load inproc ${line#book } cpu_s=$(awk '{ print $1 + $2 }' "$tmp/book.time") (with release and recovery)"
  # A caller stops when the person table is full (batch fills PEOPLE in a
  # few seconds here): its rate then covers a shorter run.
  [ ! -s "$tmp/book.err" ] || echo "http_load inproc note: $(tr '\n' ' ' <"$tmp/book.err")"
  inproc_bookings_per_s=$(sed -nE 's/.* bookings_per_s=([0-9.]+) .*/\1/p' <<<"$line")
}

# ---- main -----------------------------------------------------------------------

echo "http_load setup server=$server dir=$tmp disk=$(df --output=source "$tmp" | tail -1)" \
  "fs=$(stat -f -c %T "$tmp") cores=$cores seconds=$secs durable=$durable conns=\"$conns_list\"" \
  "loadavg=$(cut -d' ' -f1 /proc/loadavg) wrk=\"$(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)\""
for conns in $conns_list; do
  http_book=
  for scenario in $scenarios; do
    case $scenario in book | surge | availability) ;; *) die "unknown scenario $scenario" ;; esac
    run_http "$scenario" "$conns"
    [ "$scenario" != book ] || http_book=$last_bookings_per_s
  done
  run_inproc "$conns"
  [ -z "$http_book" ] || awk -v h="$http_book" -v i="$inproc_bookings_per_s" -v c="$conns" -v d="$durable" 'BEGIN {
    printf "http_load ratio conns=%s durable=%s http_bookings_per_s=%s inproc_bookings_per_s=%s ratio=%.3f (HTTP POST /api/book answered 200 per s / slotbook-book sb_book SB_OK per s)\n",
      c, d, h, i, i ? h / i : 0 }'
done
