#!/usr/bin/env bash
# Open311 benchmark at full scale (issue 3 §8): CONNS concurrent clients (wrk) against `jingzhi
# serve` on the demo city, on SQLite.
#   1. POST /open311/v2/requests.json: a wrk Lua script that varies the point (inside the city's
#      grids, read from the database) and the service (with its required attributes);
#   2. GET  /open311/v2/requests.json: the default list (the newest requests of the last 90 days).
# Prints req/s, p50 and p99 for each (wrk --latency). Targets on 2 cores: ≥ 2,000 creates/s,
# ≥ 10,000 list reads/s, p99 ≤ 30 ms.
#
#   bench/open311.sh                                    # full city in /tmp/jzfull, 20 s each
#                                                       # (after a 3 s warm-up: WARMUP=3s)
#   DATA=/tmp/jzfull-o311 CONNS=32 DURATION=10s bench/open311.sh
#
# Needs: a release build (cargo build --release), wrk (apt-get install -y wrk), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-/tmp/jzfull}
SCALE=${SCALE:-1}
PW=${PW:-bench-password-1}
ADDR=${ADDR:-127.0.0.1:18311}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-3s}
BIN=${BIN:-target/release/jingzhi}
BASE="http://$ADDR"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ -x "$BIN" ] || cargo build --release

if [ ! -f "$DATA/demo-accounts.json" ]; then  # written last, when the city is complete
  echo "== generating the demo city (scale $SCALE) into $DATA"
  "$BIN" demo --scale "$SCALE" --no-serve --data "$DATA" --demo-password "$PW" >/dev/null
fi

echo "== serving $DATA on $ADDR"
JINGZHI_LOG=${JINGZHI_LOG:-warn} "$BIN" serve --data "$DATA" --listen "$ADDR" >/tmp/jzbench-open311.log 2>&1 &
SERVER=$!
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$BASE/healthz" >/dev/null || { cat /tmp/jzbench-open311.log; exit 1; }

# A key through the command line, as an operator would make one.
KEY=$("$BIN" open311 key add --name "bench-$(date +%s)-$$" --data "$DATA" 2>/dev/null)

# Points inside the grids (a point of each grid's ring that tests inside), and services with
# the answers their required questions need.
python3 - "$DATA/jingzhi.db" "$WORK/post.lua" "$KEY" <<'PY'
import json, sqlite3, sys, urllib.parse
db, out, key = sys.argv[1:4]
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
def inside(p, rings):
    x, y = p; c = False
    for r in rings:
        j = len(r) - 1
        for i in range(len(r)):
            (xi, yi), (xj, yj) = r[i], r[j]
            if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                c = not c
            j = i
    return c
pts = []
for (b,) in con.execute("SELECT boundary FROM nodes WHERE kind = 'grid' AND boundary IS NOT NULL"):
    g = json.loads(b)
    g = g.get("geometry", g)
    rings = g["coordinates"] if g["type"] == "Polygon" else [r for poly in g["coordinates"] for r in poly]
    ring = rings[0]
    n = len(ring) - 1
    # Try the centroid of the ring's vertices, then points between the centroid and each vertex.
    cx = sum(p[0] for p in ring[:n]) / n; cy = sum(p[1] for p in ring[:n]) / n
    for cand in [(cx, cy)] + [((cx + p[0]) / 2, (cy + p[1]) / 2) for p in ring[:n]]:
        if inside(cand, rings):
            pts.append(cand); break
if not pts:
    sys.exit("no grid boundaries in the database")
q = urllib.parse.quote
services = [
    "service_code=other&description=" + q("楼下路面有坑"),
    "service_code=sanitation&description=" + q("垃圾桶满溢"),
    "service_code=parking&attribute%5Bblocking%5D=" + q("否") + "&description=" + q("车辆乱停"),
    "service_code=noise&attribute%5Btime%5D=" + q("夜间") + "&description=" + q("夜间施工噪音"),
    "service_code=road_facility&attribute%5Bfacility%5D=" + q("路灯") + "&description=" + q("路灯不亮"),
    "service_code=ebike_charging&attribute%5Bplace%5D=" + q("楼道") + "&description=" + q("楼道充电"),
]
with open(out, "w") as f:
    f.write("local key = %s\n" % json.dumps(key))
    f.write("local points = {%s}\n" % ",".join("{%.6f,%.6f}" % (y, x) for x, y in pts))
    f.write("local services = {%s}\n" % ",".join(json.dumps(s) for s in services))
    f.write('''
local i = 0
local hdr = {["Content-Type"] = "application/x-www-form-urlencoded"}
function init(args) i = math.random(1, #points) end
function request()
  i = i + 1
  local p = points[(i % #points) + 1]
  local s = services[(i % #services) + 1]
  local body = "api_key=" .. key .. "&" .. s .. "&lat=" .. p[1] .. "&long=" .. p[2]
  return wrk.format("POST", "/open311/v2/requests.json", hdr, body)
end
''')
print(f"{len(pts)} grid points, {len(services)} services", file=sys.stderr)
PY

RESULTS=$WORK/results
run() {  # name, wrk args…
  local name=$1; shift
  echo "== $name (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
  local out; out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@")
  echo "$out" | sed -n '1,12p'
  local p50 p99 rps bad
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  rps=$(awk '$1 == "Requests/sec:" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); bad=${bad:-0}
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "$bad" >>"$RESULTS"
}

# One request of each by hand first: must succeed.
curl -sf -d "api_key=$KEY&service_code=other&address_id=$(python3 -c "import sqlite3,sys; print(sqlite3.connect('file:$DATA/jingzhi.db?mode=ro', uri=True).execute(\"SELECT code FROM nodes WHERE kind='building' LIMIT 1\").fetchone()[0])")&description=bench" \
  "$BASE/open311/v2/requests.json" >/dev/null
# A warm-up of the same load, not counted: the first requests load the grid boundaries for
# point-in-polygon and fill the caches (≈0.5 s at full scale), which is start-up, not service.
echo "== warm-up: $WARMUP of creates, not counted"
wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" -s "$WORK/post.lua" "$BASE/open311/v2/requests.json" >/dev/null
run "POST requests.json (create)" -s "$WORK/post.lua" "$BASE/open311/v2/requests.json"
sleep 2
run "GET requests.json (default list, 50 newest of 90 days)" "$BASE/open311/v2/requests.json"
# The same list with a query string that differs on every request: never served from the
# 1-second list cache, so every request runs the query and renders.
cat >"$WORK/miss.lua" <<'LUA'
local n = 0
function init(args) n = math.random(1, 1000000000) end
function request() n = n + 1; return wrk.format("GET", "/open311/v2/requests.json?nocache=" .. n) end
LUA
run "GET requests.json uncached (a new query string each time)" -s "$WORK/miss.lua" "$BASE/open311/v2/requests.json"

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION --latency, $(nproc) cores, data $DATA, load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| what | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
cat "$RESULTS"
