#!/usr/bin/env bash
# A fund's public page with 10,000 entries (issue 12 §4): a small demo city, 东北村's 向阳街 shared
# fund grown to COUNT posted entries through the API (incomes post at once), then wrk on the
# fund's public page (no login) with CONNS clients: pages/s, p50, p99 (target p99 ≤ 50 ms).
#
#   BIN=target/release/jingzhi bench/funds.sh
#   COUNT=10000 CONNS=32 DURATION=10s bench/funds.sh
#
# Needs: a release build, wrk, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-10000}
DATA=${DATA:-/tmp/jzfunds}
PW=${PW:-bench-password-1}
ADDR=${ADDR:-127.0.0.1:18314}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10s}
BIN=${BIN:-target/release/jingzhi}
BASE="http://$ADDR"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ -x "$BIN" ] || cargo build --release -p jingzhi
rm -rf "$DATA"
echo "== a small demo city in $DATA"
"$BIN" demo --scale 0.003 --no-serve --data "$DATA" --demo-password "$PW" >/dev/null
JINGZHI_LOG=${JINGZHI_LOG:-warn} "$BIN" serve --data "$DATA" --listen "$ADDR" >/tmp/jzbench-funds.log 2>&1 &
SERVER=$!
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done

TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"dongbeicun\",\"password\":\"$PW\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
FUND=$(curl -sf "$BASE/api/v1/funds" -H "authorization: Bearer $TOKEN" \
  | python3 -c 'import json,sys; print([f["id"] for f in json.load(sys.stdin)["items"] if f["name"] == "向阳街共享基金"][0])')
echo "== growing fund $FUND to $COUNT entries through the API"
python3 - "$BASE" "$TOKEN" "$FUND" "$COUNT" <<'PY'
import http.client, json, sys, time
base, token, fund, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
host = base.split("//")[1]
conn = http.client.HTTPConnection(host)
def get(path):
    conn.request("GET", path, headers={"authorization": f"Bearer {token}"})
    r = conn.getresponse(); return json.loads(r.read())
have = get(f"/api/v1/funds/{fund}")["total"]
t = time.time()
for i in range(have, count):
    body = json.dumps({"kind": "income", "category": "donation", "amount_fen": 100 + i % 900,
                       "purpose": f"基准测试捐赠 {i}", "voucher_no": f"BENCH-{i}"})
    conn.request("POST", f"/api/v1/funds/{fund}/entries", body=body,
                 headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
    r = conn.getresponse(); r.read()
    assert r.status == 201, r.status
print(f"   {count - have} entries in {time.time() - t:.1f} s; total {get(f'/api/v1/funds/{fund}')['total']}")
PY
# Restart the server, as one that has run a while: a serving store refreshes SQLite's planner
# statistics at its start and every minute (`PRAGMA optimize`, store::db), and the fund grew
# a hundredfold since the demo analysed it.
kill $SERVER; wait $SERVER 2>/dev/null || true
JINGZHI_LOG=${JINGZHI_LOG:-warn} "$BIN" serve --data "$DATA" --listen "$ADDR" >>/tmp/jzbench-funds.log 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$BASE/public/funds/$FUND" >/dev/null
echo "== the public page, $CONNS clients, $DURATION (first page and random pages of 50)"
cat >"$WORK/pages.lua" <<LUA
local pages = math.floor($COUNT / 50)
math.randomseed(3)
request = function()
  local p = math.random(1, pages)
  if math.random() < 0.5 then p = 1 end
  return wrk.format("GET", "/public/funds/$FUND?page=" .. p)
end
LUA
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$WORK/pages.lua" "$BASE" | sed 's/^/   /'
