#!/usr/bin/env bash
# Side-by-side: jingzhi's redistricting against the field's tools on the same instances.
#   bash bench/districting/run.sh [DATA_DIR]
# Installs pymetis, gerrychain and spopt into bench/districting/.venv (PyPI), builds jingzhi
# (release), generates the full-scale demo city into DATA_DIR (default /tmp/jzfull) when it is not
# there yet, exports the city's building graph, and prints the comparison table. Besides the city
# and grid graphs it runs generated towns (barriers, removed long edges, mixed compound sizes;
# run.py --generated). Extra arguments after DATA_DIR go to run.py.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="${1:-/tmp/jzfull}"
work="${JZ_BENCH_WORK:-/tmp/jz-districting-bench}"
mkdir -p "$work"

if [ ! -x "$here/.venv/bin/python" ]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q -r "$here/requirements.txt"
fi
# JZ_BIN: a jingzhi binary to use instead of building one (e.g. to compare two builds).
bin="${JZ_BIN:-}"
if [ -z "$bin" ]; then
  (cd "$root" && cargo build --release -q -p jingzhi)
  bin="${CARGO_TARGET_DIR:-$root/target}/release/jingzhi"
fi
# JZ_BENCH_CITY=0: only the generated instances (grids, towns), no demo city.
city=""
if [ "${JZ_BENCH_CITY:-1}" != 0 ]; then
  if [ ! -f "$data/jingzhi.db" ]; then
    "$bin" demo --scale 1 --no-serve --data "$data" --demo-password bench-pass-1
  fi
  "$bin" --data "$data" redistrict export-graph --scope 371000000000 --out "$work/city.json"
  city="$work/city.json"
fi
"$here/.venv/bin/python" "$here/run.py" --jingzhi "$bin" --city "$city" --work "$work" "${@:2}"
