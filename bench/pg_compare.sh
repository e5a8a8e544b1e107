#!/usr/bin/env bash
# pg_compare.sh: slotbook's journal in sync mode against a PostgreSQL server
# with synchronous_commit=on, the same booking from the same number of
# concurrent callers, on the same disk, one after the other.
#
#   PostgreSQL  a throwaway cluster (initdb) in a temp dir, on a unix socket
#               there, fsync=on, synchronous_commit=on, the rest default;
#               a booking is one transaction from pgbench -M prepared:
#                 BEGIN;
#                 UPDATE slot SET taken = taken + 1
#                   WHERE id = :slot AND taken < capacity;
#                 INSERT INTO booking (bsn, slot_id, code) VALUES (...)
#                   ON CONFLICT (bsn) DO NOTHING;
#                 COMMIT;
#               with a random 9-digit BSN and a random slot (\set random()),
#               CLIENTS clients on as many pgbench threads as cores.
#   slotbook    slotbook-book: CLIENTS threads making one sb_book each at a
#               time (random valid BSN, random slot) on an engine whose
#               journal is in the same temp dir, --durable sync: a booking
#               returns once its record is fdatasync'ed, as a commit does.
#
# Both sides: SLOTS slots of PLACES places (so no slot fills up and every
# booking does the same work: one place taken, one person stored under a
# unique BSN), SECONDS of booking each, PostgreSQL stopped before slotbook
# runs (they never share the CPU or the disk).  A repeated BSN (rare: drawn
# from 10^9 numbers) is refused by both; PostgreSQL has taken the slot's
# place by then, which does not move the figure.
#
# Prints one line per side, one on slotbook's recovery from the journal it
# wrote, and the ratio:
#   pg_compare postgres clients=64 seconds=20 transactions=N tps=N ...
#   pg_compare slotbook durable=sync callers=64 ... bookings_per_s=N ...
#   pg_compare slotbook_recovery records=N ... recover_records_per_s=X ...
#   pg_compare ratio=X (slotbook / postgres) disk=DEVICE fs=TYPE dir=DIR
#
# Usage: bench/pg_compare.sh [BUILD_DIR]   (default: build; it must hold
# bench/slotbook-book, built by ninja).  Environment:
#   SECONDS_PER_SIDE  seconds of booking on each side (default 20)
#   CLIENTS           concurrent clients / callers (default 64)
#   SLOTS, PLACES     (default 10000 and 1000)
#   PG_COMPARE_DIR    where the temp dir goes: the disk measured (default
#                     /var/tmp; a tmpfs is refused, it never syncs)
#   PG_BIN            PostgreSQL's bin dir (default the newest
#                     /usr/lib/postgresql/*/bin; Debian: apt-get install
#                     postgresql)
# Run by hand, as root (PostgreSQL then runs as the postgres user) or as
# any user who may run initdb.  Not run by CI: it takes about a minute,
# needs PostgreSQL, and measures the disk under it.  Everything it made is
# removed on exit, however it exits.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
secs=${SECONDS_PER_SIDE:-20}
clients=${CLIENTS:-64}
slots=${SLOTS:-10000}
places=${PLACES:-1000}
base=${PG_COMPARE_DIR:-/var/tmp}

die() {
  echo "pg_compare: $*" >&2
  exit 1
}

book=$build/bench/slotbook-book
[ -x "$book" ] || die "no $book: build first (meson setup build && ninja -C build), or pass the build dir"
if [ -z "${PG_BIN:-}" ]; then
  PG_BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/postgres" ]; then
  die "PostgreSQL not found (Debian: apt-get install postgresql; or set PG_BIN)"
fi
for tool in initdb pg_ctl psql pgbench; do
  [ -x "$PG_BIN/$tool" ] || die "no $PG_BIN/$tool"
done
[ "$(stat -f -c %T "$base")" != tmpfs ] || die "$base is a tmpfs: fsync does nothing there"

tmp=$(mktemp -d "$base/slotbook-pg.XXXXXX")
cd "$tmp" # the postgres user may not enter the caller's directory
pgdata=$tmp/pg
as_pg=()
if [ "$(id -u)" -eq 0 ]; then # initdb refuses to run as root
  chmod 755 "$tmp"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  if [ -f "$pgdata/postmaster.pid" ]; then
    "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

disk=$(df --output=source "$tmp" | tail -1)
fs=$(stat -f -c %T "$tmp")
echo "pg_compare: $clients clients, $secs s per side, $slots slots of $places places, in $tmp ($disk, $fs)"

# ---- PostgreSQL ---------------------------------------------------------------

mkdir "$pgdata"
[ ${#as_pg[@]} -eq 0 ] || chown postgres: "$pgdata"
"${as_pg[@]}" "$PG_BIN/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --no-sync \
  >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; die "initdb failed"; }
cat >>"$pgdata/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$pgdata'
max_connections = $((clients + 10))
fsync = on
synchronous_commit = on
full_page_writes = on
EOF
"${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w start >/dev/null ||
  { cat "$pgdata/server.log" >&2; die "PostgreSQL would not start"; }
psql=("${as_pg[@]}" "$PG_BIN/psql" -h "$pgdata" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt)
"${psql[@]}" <<EOF
CREATE TABLE slot (
  id int PRIMARY KEY,
  capacity int NOT NULL,
  taken int NOT NULL DEFAULT 0 CHECK (taken <= capacity)
);
CREATE TABLE booking (
  bsn int PRIMARY KEY,
  slot_id int NOT NULL,
  code text NOT NULL
);
INSERT INTO slot (id, capacity) SELECT g, $places FROM generate_series(1, $slots) g;
VACUUM ANALYZE;
CHECKPOINT;
EOF
settings=$("${psql[@]}" -c "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name)
  FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method',
  'shared_buffers', 'server_version_num')")

cat >"$tmp/book.sql" <<EOF
\\set bsn random(1, 999999999)
\\set slot random(1, $slots)
BEGIN;
UPDATE slot SET taken = taken + 1 WHERE id = :slot AND taken < capacity;
INSERT INTO booking (bsn, slot_id, code) VALUES (:bsn, :slot, md5(:bsn::text)) ON CONFLICT (bsn) DO NOTHING;
COMMIT;
EOF
chmod 644 "$tmp/book.sql"
cores=$(nproc)
threads=$((cores < clients ? cores : clients))
"${as_pg[@]}" "$PG_BIN/pgbench" -h "$pgdata" -U postgres -n -M prepared -c "$clients" \
  -j "$threads" -T "$secs" -f "$tmp/book.sql" postgres >"$tmp/pgbench.log" 2>&1 ||
  { cat "$tmp/pgbench.log" >&2; die "pgbench failed"; }
tps=$(sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\).*/\1/p' "$tmp/pgbench.log")
lat=$(sed -nE 's/^latency average = ([0-9.]+) ms.*/\1/p' "$tmp/pgbench.log")
txns=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$tmp/pgbench.log")
[ -n "$tps" ] || { cat "$tmp/pgbench.log" >&2; die "no tps in pgbench's output"; }
counts=$("${psql[@]}" -F' ' -c "SELECT (SELECT count(*) FROM booking), (SELECT sum(taken) FROM slot)")
"${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null
echo "pg_compare postgres clients=$clients seconds=$secs transactions=$txns tps=$tps latency_avg_ms=$lat" \
  "bookings=${counts% *} places_taken=${counts#* } $settings"

# ---- slotbook -----------------------------------------------------------------

out=$("$book" --journal "$tmp/slotbook.journal" --durable sync --callers "$clients" \
  --seconds "$secs" --slots "$slots" --places "$places") || die "slotbook-book failed"
line=$(sed -n 1p <<<"$out")
echo "pg_compare slotbook ${line#book }"
recovery=$(sed -n 2p <<<"$out")
echo "pg_compare slotbook_recovery ${recovery#recover }"
rate=$(sed -nE 's/.* bookings_per_s=([0-9.]+) .*/\1/p' <<<"$line")

awk -v s="$rate" -v p="$tps" -v d="$disk" -v f="$fs" -v t="$tmp" 'BEGIN {
  printf "pg_compare ratio=%.2f (slotbook / postgres) disk=%s fs=%s dir=%s\n", s / p, d, f, t }'
