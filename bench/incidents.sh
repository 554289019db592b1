#!/usr/bin/env bash
# Emergencies benchmark at full scale (issue 13 §4), against `jingzhi serve` on SQLite:
#   1. POST /api/v1/incidents over the district with the most households (a city administrator),
#      RUNS times: the time of each declaration (the incident, its teams, a pending check for every
#      vulnerable household of the district, the buildings given out, the members told) — curl;
#   2. POST /api/v1/incidents/{id}/checks, one per covered household of the last incident, in a
#      shuffled order, CONNS clients (wrk): checks/s, p50, p99, statuses;
#   3. GET /api/v1/incidents/{id}/board, 20 times (curl).
# Targets on 2 cores: a district-wide declaration ≤ 2 s; 32 members checking at once p99 ≤ 30 ms.
#
# Checks go in with the administrator's token (staff of the place): a team member's check runs
# the same write and adds one read of their team's places.
#
#   bench/incidents.sh                                   # full city in /tmp/jzfull
#   DATA=/tmp/jzfull CONNS=32 DURATION=8s bench/incidents.sh
#
# Needs: a release build (cargo build --release), wrk (apt-get install -y wrk), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-/tmp/jzfull}
SCALE=${SCALE:-1}
PW=${PW:-bench-password-1}
ADDR=${ADDR:-127.0.0.1:18313}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-8s}
RUNS=${RUNS:-3}
BIN=${BIN:-target/release/jingzhi}
BASE="http://$ADDR"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ -x "$BIN" ] || cargo build --release

if [ ! -f "$DATA/demo-accounts.json" ]; then  # written last, when the city is complete
  echo "== generating the demo city (scale $SCALE) into $DATA"
  "$BIN" demo --scale "$SCALE" --no-serve --data "$DATA" --demo-password "$PW" >/dev/null
fi

echo "== serving $DATA on $ADDR"
JINGZHI_LOG=${JINGZHI_LOG:-warn} "$BIN" serve --data "$DATA" --listen "$ADDR" >/tmp/jzbench-incidents.log 2>&1 &
SERVER=$!
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$BASE/healthz" >/dev/null || { cat /tmp/jzbench-incidents.log; exit 1; }

TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$PW\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# The district with the most households.
read -r DISTRICT DISTRICT_NAME HOUSEHOLDS < <(python3 - "$DATA/jingzhi.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
best = None
for did, name, path in con.execute("SELECT id, name, path FROM nodes WHERE kind = 'district'"):
    hi = path[:-1] + chr(ord(path[-1]) + 1)
    (n,) = con.execute("SELECT COUNT(*) FROM households WHERE path >= ? AND path < ?", (path, hi)).fetchone()
    if best is None or n > best[2]:
        best = (did, name, n)
print(*best)
PY
)
echo "== declaring a typhoon over $DISTRICT_NAME (node $DISTRICT, $HOUSEHOLDS households), $RUNS times (load: $(cut -d' ' -f1-3 /proc/loadavg))"
INCIDENT=
for run in $(seq 1 "$RUNS"); do
  curl -s -o "$WORK/declared.json" -w '%{http_code} %{time_total}\n' -X POST "$BASE/api/v1/incidents" \
    -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"kind\":\"typhoon\",\"node_id\":$DISTRICT,\"title\":\"基准测试台风 $run $(date +%s)\"}" > "$WORK/t.txt"
  read -r CODE SECS < "$WORK/t.txt"
  INCIDENT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/declared.json")
  N=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["households"])' "$WORK/declared.json")
  echo "   run $run: HTTP $CODE in ${SECS}s, incident $INCIDENT, $N households to check"
done

# The last incident's households, shuffled, as a Lua table; each wrk thread takes every THREADS-th one.
python3 - "$DATA/jingzhi.db" "$INCIDENT" "$WORK/checks.lua" "$TOKEN" "$THREADS" <<'PY'
import random, sqlite3, sys
db, incident, out, token, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
ids = [h for (h,) in con.execute("SELECT household_id FROM incident_households WHERE incident_id = ?", (incident,))]
random.Random(13).shuffle(ids)
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
  local s = {{"safe", "safe", "safe", "safe", "safe", "safe", "safe", "safe", "safe", "unreachable"}}
  local body = '{{"household_id":' .. id .. ',"status":"' .. s[(id % 10) + 1] .. '","note":"基准测试"}}'
  return wrk.format(nil, "/api/v1/incidents/{incident}/checks", nil, body)
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

echo "== wrk -t$THREADS -c$CONNS -d$DURATION: checks, one per household (load: $(cut -d' ' -f1-3 /proc/loadavg))"
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$WORK/checks.lua" "$BASE"

echo "== GET /api/v1/incidents/$INCIDENT/board, 20 times"
for _ in $(seq 1 20); do
  curl -s -o /dev/null -w '%{time_total}\n' -H "authorization: Bearer $TOKEN" "$BASE/api/v1/incidents/$INCIDENT/board"
done | sort -n | python3 -c 'import sys; t=[float(x)*1000 for x in sys.stdin]; print(f"p50 {t[len(t)//2]:.1f} ms, max {t[-1]:.1f} ms over {len(t)}")'
