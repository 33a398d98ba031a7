#!/usr/bin/env bash
# Qin side by side with socket.io + @socket.io/redis-adapter on this machine: the same
# relay and idle scenarios, each stack with its own private redis-server (same settings:
# no persistence), two gateway/server processes each. Prints socket.io/Qin ratios.
#
#   load-tests/compare.sh            # from the workspace root
#   GATEWAYS=3 load-tests/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."

gateways="${GATEWAYS:-2}"
out="load-tests/results/compare-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"

command -v redis-server >/dev/null || { echo "redis-server is required" >&2; exit 1; }
command -v node >/dev/null || { echo "node (and npm) are required" >&2; exit 1; }

cargo build --release -p qin -p qin-load
(cd load-tests/peers/socketio && npm ci --no-audit --no-fund --silent)

run() { # scenario target
    target/release/qin-load run "load-tests/scenarios/$1.toml" --target "$2" --spawn \
        --gateways "$gateways" --out "$out/$1-$2"
}

for scenario in relay-compare idle; do
    run "$scenario" qin
    run "$scenario" socketio
done

echo
for scenario in relay-compare idle; do
    target/release/qin-load compare "$out/$scenario-qin"/*.json "$out/$scenario-socketio"/*.json
done | tee "$out/ratios.txt"
echo "results in $out"
