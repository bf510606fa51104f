#!/usr/bin/env bash
# Memory benchmark of the desktop app (issue 8 targets): PSS of the app plus its WebKit
# processes (a) with the dashboard window open and (b) idle in the tray with lightweight mode
# on, after the window was closed (which frees the WebView). Runs under Xvfb like the smoke
# test. Pass a release binary for numbers that mean something:
#   scripts/desktop-memory.sh [path/to/switchyard]
# Prints one line per phase and per process, then a summary against the targets.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/switchyard-target}"
app=${1:-$CARGO_TARGET_DIR/release/switchyard}
[ -x "$app" ] || { echo "desktop-memory: no app binary at $app (build it, or pass a path)" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/run" "$scratch/data"
chmod 700 "$scratch/run"
export HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/run" MEM_DATA="$scratch/data" MEM_APP="$app"
export NO_AT_BRIDGE=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 MESA_SHADER_CACHE_DISABLE=true
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -euo pipefail -c '
  printf "switchyard-mem" | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
  port=18709
  CODEX_PORT=$port SWITCHYARD_DATA_DIR="$MEM_DATA" SWITCHYARD_CLOSE_WINDOW_AFTER_SECS=25 "$MEM_APP" > "$MEM_DATA/app.log" 2>&1 &
  app=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  pss() { awk "/^Pss:/ {print \$2}" "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
  measure() {
    local phase=$1 total=0 kb pid name
    for pid in $app $(pgrep -P "$app" || true); do
      kb=$(pss "$pid"); name=$(tr -d "\0" < "/proc/$pid/comm" 2>/dev/null || echo "?")
      echo "$phase: $name (pid $pid) PSS $((kb / 1024)) MB"
      total=$((total + kb))
    done
    echo "$phase: TOTAL PSS $((total / 1024)) MB"
    echo "$((total / 1024))" > "$MEM_DATA/$phase.mb"
  }
  sleep 20
  measure window-open
  # The app closes its own window at 25 s (no window manager here to click on).
  sleep 25
  measure tray-lightweight
  kill "$app"; wait "$app" || true
'
open=$(cat "$scratch/data/window-open.mb"); idle=$(cat "$scratch/data/tray-lightweight.mb")
echo "window open: ${open} MB PSS (target <= 250 MB); idle in tray, lightweight: ${idle} MB PSS (target <= 60 MB)"
