#!/usr/bin/env bash
# Transparency log benchmarks (issue 12 §4), on a scratch database:
#   1. append COUNT entries (default 1,000,000) in transactions of BATCH: entries/s;
#   2. sign a checkpoint, then `jingzhi transparency verify` of the whole log: seconds
#      (target ≤ 5 s for 1,000,000 on this machine);
#   3. serve it and ask for inclusion proofs of random entries at the full tree size with CONNS
#      clients (wrk): requests/s, p50, p99 (target p99 ≤ 10 ms with 32 clients), statuses.
#
#   bench/transparency.sh                       # SQLite in /tmp/jzlog, 1,000,000 entries
#   COUNT=100000 bench/transparency.sh
#   DATABASE_URL=postgres://postgres@127.0.0.1/jzlog bench/transparency.sh   # an empty database
#
# Needs: a release build (BIN, default target/release/jingzhi), wrk, curl.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-1000000}
BATCH=${BATCH:-10000}
DATA=${DATA:-/tmp/jzlog}
ADDR=${ADDR:-127.0.0.1:18313}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10s}
BIN=${BIN:-target/release/jingzhi}
BASE="http://$ADDR"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ -x "$BIN" ] || cargo build --release -p jingzhi

DB=(--data "$DATA")
if [ -n "${DATABASE_URL:-}" ]; then
  DB+=(--database-url "$DATABASE_URL")
else
  rm -rf "$DATA"
fi
mkdir -p "$DATA"
export JINGZHI_LOG=${JINGZHI_LOG:-warn}

echo "== appending $COUNT entries (batches of $BATCH)"
"$BIN" "${DB[@]}" transparency append-synthetic --count "$COUNT" --batch "$BATCH"
"$BIN" "${DB[@]}" transparency publish
if [ -z "${DATABASE_URL:-}" ]; then
  echo "   database file: $(du -h "$DATA/jingzhi.db" | cut -f1)"
fi

echo "== transparency verify"
/usr/bin/time -f "   wall %e s, max RSS %M KiB" "$BIN" "${DB[@]}" transparency verify

echo "== inclusion proofs over HTTP at tree size $COUNT, $CONNS clients, $DURATION"
"$BIN" "${DB[@]}" serve --listen "$ADDR" >/tmp/jzbench-log.log 2>&1 &
SERVER=$!
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$BASE/transparency/proof/inclusion?index=0&tree_size=$COUNT" >/dev/null

cat >"$WORK/proofs.lua" <<LUA
-- Random entries at the full size; wrk prints "Non-2xx or 3xx responses" if any fails.
local n = $COUNT
math.randomseed(7)
request = function()
  local i = math.random(0, n - 1)
  return wrk.format("GET", "/transparency/proof/inclusion?index=" .. i .. "&tree_size=" .. n)
end
LUA
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$WORK/proofs.lua" "$BASE" | sed 's/^/   /'
