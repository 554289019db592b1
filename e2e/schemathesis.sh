#!/usr/bin/env bash
# API contract test: schemathesis (property-based, from the OpenAPI document) against the real
# `jingzhi` binary serving a small demo city, as a city admin and as a community worker.
# Checks: no server error (5xx, or a dropped connection) and every answer conforms to its
# documented schema. Fails on any violation. Run from anywhere: bash e2e/schemathesis.sh
#
# Installs schemathesis (PyPI, pinned) into ./target/schemathesis-venv when it is missing.
# Excluded: POST /api/v1/auth/logout (it would revoke the token the run signs in with).
# POST routes change the demo data (that is fine: nothing may answer 5xx). Bounded in time:
# few examples per operation and a `timeout` around each run (the section takes ≈ 2–4 min on
# a warm build).
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION="4.32.5"
VENV="target/schemathesis-venv"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-10}"
RUN_TIMEOUT="${SCHEMATHESIS_TIMEOUT:-150}"
PASSWORD="st-pass-123"

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$ST_VERSION"; then
  echo "installing schemathesis $ST_VERSION into $VENV …"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$ST_VERSION"
fi

if [ -z "${JINGZHI_BIN:-}" ]; then
  cargo build -p jingzhi
  JINGZHI_BIN="${CARGO_TARGET_DIR:-target}/debug/jingzhi"
fi

DATA="$(mktemp -d "${TMPDIR:-/tmp}/jingzhi-schemathesis-XXXXXX")"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DATA"
}
trap cleanup EXIT

echo "building a demo city (scale 0.005) in $DATA …"
"$JINGZHI_BIN" demo --scale 0.005 --seed 7 --data "$DATA" --no-serve --demo-password "$PASSWORD" >"$DATA/demo.log" 2>&1 ||
  { cat "$DATA/demo.log"; exit 1; }
JINGZHI_LOG="${JINGZHI_LOG:-warn}" "$JINGZHI_BIN" serve --data "$DATA" --listen "127.0.0.1:$PORT" >"$DATA/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DATA/serve.log"; echo "jingzhi serve exited"; exit 1; }
  sleep 0.5
done
curl -fsS "$BASE/healthz" >/dev/null

# The first demo account of a role.
account() {
  python3 -c 'import json, sys; print(next(a["username"] for a in json.load(open(sys.argv[1])) if a["role"] == sys.argv[2]))' \
    "$DATA/demo-accounts.json" "$1"
}
login() {
  curl -fsS -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

status=0
for role in city-admin community-worker; do
  user="$(account "$role")"
  token="$(login "$user")"
  echo
  echo "--- schemathesis as $role ($user) ---"
  rc=0
  timeout "$RUN_TIMEOUT" "$VENV/bin/schemathesis" run "$BASE/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "$EXAMPLES" --seed 1 \
    --exclude-path /api/v1/auth/logout \
    --generation-database none \
    --request-timeout 30 \
    --no-color --warnings off || rc=$?
  if [ "$rc" = 124 ]; then
    echo "schemathesis as $role did not finish within ${RUN_TIMEOUT}s"
  fi
  [ "$rc" = 0 ] || status=1
done

# A handler that panics drops the connection (schemathesis reports it); say so plainly too.
if grep -q "panicked" "$DATA/serve.log"; then
  echo "the server panicked:"
  grep -A3 "panicked" "$DATA/serve.log" | head -40
  status=1
fi
kill -0 "$SERVER_PID" 2>/dev/null || { echo "jingzhi serve died during the run"; status=1; }

if [ "$status" != 0 ]; then
  echo "schemathesis: contract violations (see above)"
  exit 1
fi
echo "schemathesis: no server errors, every answer conforms to the OpenAPI document"
