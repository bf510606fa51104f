#!/usr/bin/env bash
# Smoke test of the real desktop app under Xvfb (desktop-build.md §5, §11): the app starts,
# its gateway answers /health, the tray menu is built and its handlers work (the app's
# SWITCHYARD_SELFTEST hook), the dashboard opens in its own `switchyard-dashboard` process
# (screenshot saved to artifacts/desktop-smoke.png) while the tray process never maps WebKit,
# a second launch focuses that dashboard, closing its window ends it (and WebKit) but not the
# tray, a launch after that opens a new one, quitting the tray ends it, and a Codex-CLI-shaped
# request through the app reaches mock-upstream. Ends with "N passed, M failed".
#   scripts/desktop-smoke.sh [path/to/switchyard] [path/to/mock-upstream]
# (switchyard-dashboard is expected next to switchyard, as installed.)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/switchyard-target}"
app=${1:-}
mock=${2:-}
if [ -z "$app" ]; then
  bash scripts/desktop-dist.sh --if-missing
  cargo build -p switchyard --features custom-protocol --locked
  app="$CARGO_TARGET_DIR/debug/switchyard"
fi
if [ -z "$mock" ]; then
  cargo build -p mock-upstream --locked
  mock="$CARGO_TARGET_DIR/debug/mock-upstream"
fi
mkdir -p artifacts
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/run" "$scratch/data"
chmod 700 "$scratch/run"
# A throwaway HOME before Xvfb, D-Bus and gnome-keyring start (desktop-build.md pitfall 6).
export HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/run" SMOKE_DIR="$scratch"
export NO_AT_BRIDGE=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1
export MESA_SHADER_CACHE_DISABLE=true
export SMOKE_APP="$app" SMOKE_MOCK="$mock" SMOKE_SHOT="$root/artifacts/desktop-smoke.png"
export SMOKE_LOG="$root/artifacts/desktop-smoke-app.log"
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash "$root/scripts/desktop-smoke-inner.sh"
