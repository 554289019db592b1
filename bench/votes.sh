#!/usr/bin/env bash
# Ballots benchmark at full scale (issue 11 §7): a household vote over the largest street of the
# demo city (tens of thousands of households), CONNS concurrent clients (wrk) entering ballots,
# each for a different household, against `jingzhi serve` on SQLite.
#   1. POST /api/v1/votes (a city administrator): the vote over the street, open now; its
#      eligible households are taken at once;
#   2. POST /api/v1/votes/{id}/paper-ballots, one per eligible household, in a shuffled order,
#      CONNS clients: ballots/s, p50, p99 (wrk --latency), and the statuses counted;
#   3. the same households again for a few seconds: every answer must be 409 (no double ballot);
#      then the database is asked: ballots = distinct units;
#   4. GET /api/v1/votes/{id}/result, live and after the close: its time (curl), 20 times each.
# Targets on 2 cores: ≥ 2,000 ballots/s, p99 ≤ 30 ms, no double ballot, the result ≤ 100 ms.
#
# Ballots go in as paper ballots (staff entering them: one token for every client) because an
# online ballot needs each household's own resident account; both channels run the same write
# (one row per unit, the unique key deciding), the online one adds reading the voter's record.
#
#   bench/votes.sh                                      # full city in /tmp/jzfull, 64 clients…
#   DATA=/tmp/jzfull CONNS=32 DURATION=8s bench/votes.sh
#
# Needs: a release build (cargo build --release), wrk (apt-get install -y wrk), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-/tmp/jzfull}
SCALE=${SCALE:-1}
PW=${PW:-bench-password-1}
ADDR=${ADDR:-127.0.0.1:18312}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-8s}
BIN=${BIN:-target/release/jingzhi}
BASE="http://$ADDR"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ -x "$BIN" ] || cargo build --release

if [ ! -f "$DATA/demo-accounts.json" ]; then  # written last, when the city is complete
  echo "== generating the demo city (scale $SCALE) into $DATA"
  "$BIN" demo --scale "$SCALE" --no-serve --data "$DATA" --demo-password "$PW" >/dev/null
fi

echo "== serving $DATA on $ADDR"
JINGZHI_LOG=${JINGZHI_LOG:-warn} "$BIN" serve --data "$DATA" --listen "$ADDR" >/tmp/jzbench-votes.log 2>&1 &
SERVER=$!
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$BASE/healthz" >/dev/null || { cat /tmp/jzbench-votes.log; exit 1; }

TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$PW\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# The street with the most households.
read -r STREET STREET_NAME HOUSEHOLDS < <(python3 - "$DATA/jingzhi.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
best = None
for sid, name, path in con.execute("SELECT id, name, path FROM nodes WHERE kind = 'street'"):
    hi = path[:-1] + chr(ord(path[-1]) + 1)
    (n,) = con.execute("SELECT COUNT(*) FROM households WHERE path >= ? AND path < ?", (path, hi)).fetchone()
    if best is None or n > best[2]:
        best = (sid, name, n)
print(*best)
PY
)
echo "== a household vote over $STREET_NAME (node $STREET, $HOUSEHOLDS households)"
VOTE_JSON=$(curl -sf -X POST "$BASE/api/v1/votes" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d "{\"node_id\":$STREET,\"question\":\"基准测试：全街道住户表决 $(date +%s)\",\"options\":[\"同意\",\"不同意\"],\"unit\":\"household\",\"quorum_percent\":50,\"majority\":\"simple\",\"closes_at\":\"2099-01-01T00:00:00+08:00\"}")
VOTE=$(echo "$VOTE_JSON" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
ELIGIBLE=$(echo "$VOTE_JSON" | python3 -c 'import json,sys; print(json.load(sys.stdin)["eligible"])')
echo "   vote $VOTE, eligible households: $ELIGIBLE"

# The eligible households, shuffled, as a Lua table; each wrk thread takes every THREADS-th one.
python3 - "$DATA/jingzhi.db" "$VOTE" "$WORK/ballots.lua" "$TOKEN" "$THREADS" <<'PY'
import random, sqlite3, sys
db, vote, out, token, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
ids = [u for (u,) in con.execute("SELECT unit_id FROM vote_units WHERE vote_id = ?", (vote,))]
random.Random(11).shuffle(ids)
with open(out, "w") as f:
    f.write("local ids = {" + ",".join(map(str, ids)) + "}\n")
    f.write(f"""
local threads = {{}}
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  i = tid
  statuses = {{}}
  wrk.method = "POST"
  wrk.headers["content-type"] = "application/json"
  wrk.headers["authorization"] = "Bearer {token}"
end
function request()
  local id = ids[i]
  if id == nil then i = tid; id = ids[i] end
  i = i + {threads}
  local options = {{"同意", "同意", "同意", "不同意"}}
  local body = '{{"household_id":' .. id .. ',"option":"' .. options[(id % 4) + 1] .. '"}}'
  return wrk.format(nil, "/api/v1/votes/{vote}/paper-ballots", nil, body)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {{}}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
  end
  for k, v in pairs(total) do io.write(string.format("status %d: %d\\n", k, v)) end
end
""")
print(f"{len(ids)} households", file=sys.stderr)
PY

echo "== wrk -t$THREADS -c$CONNS -d$DURATION: paper ballots, one per household (load: $(cut -d' ' -f1-3 /proc/loadavg))"
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$WORK/ballots.lua" "$BASE" | tee "$WORK/run1.txt"

echo "== the same households again for 3 s: every answer must be 409"
wrk -t"$THREADS" -c"$CONNS" -d3s -s "$WORK/ballots.lua" "$BASE" | grep -E "^status|Requests/sec"

python3 - "$DATA/jingzhi.db" "$VOTE" <<'PY'
import sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
n, d = con.execute("SELECT COUNT(*), COUNT(DISTINCT unit_id) FROM ballots WHERE vote_id = ?", (int(sys.argv[2]),)).fetchone()
print(f"== ballots in the database: {n}, distinct households: {d}", "(no double ballot)" if n == d else "(DOUBLE BALLOTS)")
PY

time_result() {
  for _ in $(seq 1 20); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "authorization: Bearer $TOKEN" "$BASE/api/v1/votes/$VOTE/result"
  done | sort -n | python3 -c 'import sys; t=[float(x)*1000 for x in sys.stdin]; print(f"p50 {t[len(t)//2]:.1f} ms, max {t[-1]:.1f} ms over {len(t)}")'
}
echo "== GET /api/v1/votes/$VOTE/result, live (staff)"
time_result
curl -sf -X POST -H "authorization: Bearer $TOKEN" "$BASE/api/v1/votes/$VOTE/close" >/dev/null
echo "== GET /api/v1/votes/$VOTE/result, after the close"
time_result
curl -sf -H "authorization: Bearer $TOKEN" "$BASE/api/v1/votes/$VOTE/result"; echo
