#!/usr/bin/env bash
# The warning's recompute at full scale (issue 13 §2), against `jingzhi serve` on SQLite:
#   1. POST /api/v1/care/recompute as the city administrator, RUNS times: every monitored
#      household of the city (about 100,000 monitored people in the full demo) recomputed with
#      the rules in force — nothing changes, so this is the cost of reading and evaluating;
#   2. POST /api/v1/care/rules: a new version (低保边缘 at 1.3× the line instead of 1.5×), every
#      household recomputed and the changes written and listed; then the defaults again.
# Reported: households, changed, the server's own millis, and curl's total time.
# Target on 2 cores: ≤ 1 s.
#
#   bench/care.sh                      # full city in /tmp/jzfull
#   DATA=/tmp/jzfull RUNS=5 bench/care.sh
#
# Needs: a release build (cargo build --release), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-/tmp/jzfull}
SCALE=${SCALE:-1}
PW=${PW:-bench-password-1}
ADDR=${ADDR:-127.0.0.1:18314}
RUNS=${RUNS:-3}
BIN=${BIN:-target/release/jingzhi}
BASE="http://$ADDR"

[ -x "$BIN" ] || cargo build --release

if [ ! -f "$DATA/demo-accounts.json" ]; then  # written last, when the city is complete
  echo "== generating the demo city (scale $SCALE) into $DATA"
  "$BIN" demo --scale "$SCALE" --no-serve --data "$DATA" --demo-password "$PW" >/dev/null
fi

echo "== serving $DATA on $ADDR"
JINGZHI_LOG=${JINGZHI_LOG:-warn} "$BIN" serve --data "$DATA" --listen "$ADDR" >/tmp/jzbench-care.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$BASE/healthz" >/dev/null || { cat /tmp/jzbench-care.log; exit 1; }

TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$PW\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
AUTH=(-H "authorization: Bearer $TOKEN" -H 'content-type: application/json')

python3 - "$DATA/jingzhi.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
(h,) = con.execute("SELECT COUNT(*) FROM care_households").fetchone()
(p,) = con.execute("SELECT COUNT(*) FROM residents WHERE household_id IN (SELECT household_id FROM care_households)").fetchone()
(r,) = con.execute("SELECT COUNT(*) FROM care_records WHERE closed_at IS NULL").fetchone()
print(f"== monitored: {h} households, {p} people in them, {r} open care records")
PY

show() { python3 -c "import json,sys; d=json.load(sys.stdin); print('households %s  changed %s  cases opened %s  server %s ms' % (d['households'], d['changed'], d['cases_opened'], d['millis']), end='')"; }

echo "== POST /api/v1/care/recompute × $RUNS (nothing changes)"
for _ in $(seq 1 "$RUNS"); do
  out=$(curl -sf -w '\n%{time_total}' -X POST "${AUTH[@]}" "$BASE/api/v1/care/recompute")
  echo "$out" | head -n1 | show; echo "  total $(echo "$out" | tail -n1) s"
done

RULES=$(curl -sf "${AUTH[@]}" "$BASE/api/v1/care/rules" | python3 -c '
import json,sys
d=json.load(sys.stdin)["current"]["rules"]
for r in d["rules"]:
    if r["id"]=="income_edge": r["times_line"]=1.3
print(json.dumps({"rules": d, "note": "基准测试：低保边缘线下调为1.3倍"}))')
DEFAULTS=$(curl -sf "${AUTH[@]}" "$BASE/api/v1/care/rules" | python3 -c '
import json,sys
d=json.load(sys.stdin)["current"]["rules"]
print(json.dumps({"rules": d, "note": "基准测试：恢复默认"}))')
echo "== POST /api/v1/care/rules (a new version, the changes written and listed), then back"
for body in "$RULES" "$DEFAULTS"; do
  out=$(curl -sf -w '\n%{time_total}' -X POST "${AUTH[@]}" "$BASE/api/v1/care/rules" -d "$body")
  echo "$out" | head -n1 | show; echo "  total $(echo "$out" | tail -n1) s"
done
