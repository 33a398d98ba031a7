#!/usr/bin/env bash
# Runs every Qin check on a fresh machine: installs what is missing (redis-server, Chromium,
# the browser test's npm packages), then formatting, lints, all Rust tests (which start their
# own private redis-server instances) and the browser end-to-end test.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v redis-server >/dev/null || { echo "== installing redis-server"; apt_install redis-server; }
command -v chromium >/dev/null || { echo "== installing chromium"; apt_install chromium; }
# The pages are Chinese first: without a CJK font the browser test's layout and screenshots lie.
fc-list :lang=zh 2>/dev/null | grep -q . || { echo "== installing a CJK font"; apt_install fonts-wqy-microhei; }
command -v node >/dev/null || { echo "== installing nodejs"; apt_install nodejs npm; }

echo "== cargo fmt"
cargo fmt --all --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test"
cargo test --workspace
echo "== browser end-to-end"
scripts/e2e.sh
