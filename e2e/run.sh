#!/usr/bin/env bash
# Browser end-to-end tests: Debian's Chromium + playwright-core (no browser download), against the
# real `jingzhi demo` binary (debug build). Run from anywhere: bash e2e/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium and chromium-driver from Debian …"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi
# A CJK font, so that the screenshots in e2e/artifacts/ are readable (pages work without it).
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null) || echo "no CJK font: screenshots will show boxes"
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "installing node and npm from Debian …"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm >/dev/null
fi
(cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
cargo build -p jingzhi
mkdir -p e2e/artifacts
node --test e2e/
