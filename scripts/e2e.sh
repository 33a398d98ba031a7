#!/usr/bin/env bash
# Browser end-to-end test: starts Qin (embedded, demo shop) on a free port and drives the
# shopper widget and the agent console in headless Chromium (crates/qin-gateway/web/e2e).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -q -p qin
log=$(mktemp)
data=$(mktemp -d)
target/debug/qin serve --listen 127.0.0.1:0 --data-dir "$data" >"$log" 2>&1 &
qin_pid=$!
trap 'kill $qin_pid 2>/dev/null || true; rm -rf "$log" "$data"' EXIT

base=""
for _ in $(seq 100); do
    base=$(grep -o 'http://[0-9.:]*/' "$log" | head -1 || true)
    [ -n "$base" ] && break
    kill -0 $qin_pid 2>/dev/null || { cat "$log"; echo "qin exited"; exit 1; }
    sleep 0.1
done
[ -n "$base" ] || { cat "$log"; echo "qin did not start"; exit 1; }

cd crates/qin-gateway/web/e2e
[ -d node_modules/playwright-core ] || npm ci --silent --no-audit --no-fund
node chat.mjs "${base%/}"
