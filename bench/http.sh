#!/usr/bin/env bash
# HTTP benchmark at full scale: 32 concurrent clients (wrk) against `jingzhi serve` on the demo
# city. Generates the city into $DATA when it is not there yet, serves it, signs in as the city
# admin and as a community worker, loads each URL and prints a table (p50/p99 from wrk --latency).
#
#   bench/http.sh                    # full city (scale 1) in /tmp/jzfull, 20 s per URL
#   SCALE=0.05 DATA=/tmp/jzsmall DURATION=5s bench/http.sh
#   ONLY=dashboard bench/http.sh     # only the runs whose name matches
#
# Needs: a release build (cargo build --release), wrk (apt-get install -y wrk), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-/tmp/jzfull}
SCALE=${SCALE:-1}
PW=${PW:-bench-password-1}
ADDR=${ADDR:-127.0.0.1:18080}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20s}
BIN=${BIN:-target/release/jingzhi}
BASE="http://$ADDR"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ -x "$BIN" ] || cargo build --release

if [ ! -f "$DATA/demo-accounts.json" ]; then  # written last, when the city is complete
  echo "== generating the demo city (scale $SCALE) into $DATA"
  /usr/bin/time -v "$BIN" demo --scale "$SCALE" --no-serve --data "$DATA" --demo-password "$PW" 2>&1 | tail -n 30
fi

echo "== serving $DATA on $ADDR"
RUST_LOG=${RUST_LOG:-warn} "$BIN" serve --data "$DATA" --listen "$ADDR" >/tmp/jzbench-serve.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$BASE/healthz" >/dev/null || { cat /tmp/jzbench-serve.log; exit 1; }

# The first city admin and the first community worker of the demo accounts.
read -r ADMIN WORKER < <(python3 - "$DATA/demo-accounts.json" <<'PY'
import json, sys
acc = json.load(open(sys.argv[1]))
acc = acc.get("accounts", acc) if isinstance(acc, dict) else acc
first = lambda role: next(a["username"] for a in acc if a["role"] == role)
print(first("city-admin"), first("community-worker"))
PY
)
token() {
  curl -sf -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"$PW\"}" "$BASE/api/v1/auth/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
ADMIN_TOKEN=$(token "$ADMIN")
WORKER_TOKEN=$(token "$WORKER")
CITY_ID=$(curl -sf -H "authorization: Bearer $ADMIN_TOKEN" "$BASE/api/v1/me" | python3 -c 'import json,sys; print(json.load(sys.stdin)["scope"]["node_id"])')
# A full name that exists (the first resident of the city), URL-encoded.
FULL_NAME=$(curl -sf -H "authorization: Bearer $ADMIN_TOKEN" "$BASE/api/v1/residents?per_page=1" |
  python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["items"][0]["name"]))')
WANG=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("王"))')

# A browser session for the HTML pages (when the login page exists): POST /login with the form's
# CSRF token, keep the cookie.
session_cookie() {
  local jar; jar=$(mktemp)
  local page; page=$(curl -s -c "$jar" "$BASE/login" || true)
  local csrf; csrf=$(printf '%s' "$page" | python3 -c 'import re,sys; m=re.search(r"name=\"csrf\"\s+value=\"([^\"]+)\"", sys.stdin.read()); print(m.group(1) if m else "")')
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "username=$1" --data-urlencode "password=$PW" --data-urlencode "csrf=$csrf" "$BASE/login" || true
  awk '$6 == "jz_session" {print "jz_session=" $7}' "$jar"
  rm -f "$jar"
}
ADMIN_COOKIE=$(session_cookie "$ADMIN")
WORKER_COOKIE=$(session_cookie "$WORKER")

# name | credential header | path
RUNS=(
  "home API (city admin)|Authorization: Bearer $ADMIN_TOKEN|/api/v1/nodes/$CITY_ID"
  "resident list p1 API (city admin)|Authorization: Bearer $ADMIN_TOKEN|/api/v1/residents?page=1&per_page=20"
  "resident list p500 API (city admin)|Authorization: Bearer $ADMIN_TOKEN|/api/v1/residents?page=500&per_page=20"
  "search 王 API (city admin)|Authorization: Bearer $ADMIN_TOKEN|/api/v1/residents?q=$WANG"
  "search full name API (city admin)|Authorization: Bearer $ADMIN_TOKEN|/api/v1/residents?q=$FULL_NAME"
  "resident list p1 API (worker)|Authorization: Bearer $WORKER_TOKEN|/api/v1/residents?page=1&per_page=20"
  "resident list p500 API (worker)|Authorization: Bearer $WORKER_TOKEN|/api/v1/residents?page=500&per_page=20"
  "search 王 API (worker)|Authorization: Bearer $WORKER_TOKEN|/api/v1/residents?q=$WANG"
  "event dashboard API, 12 months (city admin)|Authorization: Bearer $ADMIN_TOKEN|/api/v1/metrics/events"
  "event dashboard API, 12 months (worker)|Authorization: Bearer $WORKER_TOKEN|/api/v1/metrics/events"
)
if [ -n "$ADMIN_COOKIE" ]; then
  RUNS+=(
    "home page HTML (city admin)|Cookie: $ADMIN_COOKIE|/"
    "resident list p1 HTML (city admin)|Cookie: $ADMIN_COOKIE|/residents"
    "resident list p500 HTML (city admin)|Cookie: $ADMIN_COOKIE|/residents?page=500"
    "search 王 HTML (city admin)|Cookie: $ADMIN_COOKIE|/residents?q=$WANG"
    "home page HTML (worker)|Cookie: $WORKER_COOKIE|/"
    "resident list p500 HTML (worker)|Cookie: $WORKER_COOKIE|/residents?page=500"
    "event dashboard HTML, 12 months (city admin)|Cookie: $ADMIN_COOKIE|/dashboard"
    "event dashboard HTML, 12 months (worker)|Cookie: $WORKER_COOKIE|/dashboard"
  )
  # Every other role's home (its workbench): the first demo account of each role.
  for role in district-officer street-officer grid-worker steward department-staff resident auditor; do
    user=$(python3 - "$DATA/demo-accounts.json" "$role" <<'PY'
import json, sys
acc = json.load(open(sys.argv[1]))
acc = acc.get("accounts", acc) if isinstance(acc, dict) else acc
print(next((a["username"] for a in acc if a["role"] == sys.argv[2]), ""))
PY
)
    [ -n "$user" ] || continue
    RUNS+=("home page HTML ($role)|Cookie: $(session_cookie "$user")|/")
  done
else
  echo "(no HTML login page: measuring the API only)"
fi

LUA=$(mktemp --suffix=.lua)
RESULTS=$(mktemp)
for run in "${RUNS[@]}"; do
  IFS='|' read -r name hdr path <<<"$run"
  if [ -n "${ONLY:-}" ] && ! [[ "$name" =~ $ONLY ]]; then continue; fi  # e.g. ONLY=dashboard
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "$hdr" "$BASE$path")
  key=${hdr%%:*}; val=${hdr#*: }
  printf 'wrk.headers["%s"] = "%s"\n' "$key" "$val" >"$LUA"
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$LUA" "$BASE$path")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  rps=$(awk '$1 == "Requests/sec:" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); bad=${bad:-0}
  printf '| %s | `%s` | %s | %s | %s | %s | %s |\n' "$name" "$path" "$status" "$p50" "$p99" "$rps" "$bad" | tee -a "$RESULTS"
done
rm -f "$LUA"

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION --latency, $(nproc) cores, data $DATA"
echo
echo "| what | path | status | p50 | p99 | req/s | non-2xx |"
echo "|---|---|---|---|---|---|---|"
cat "$RESULTS"
rm -f "$RESULTS"
