#!/usr/bin/env bash
# Memory benchmark of the desktop app (issue 8 targets): PSS of the tray app plus every descendant
# process (the dashboard process `switchyard-dashboard`, its WebKitWebProcess and
# WebKitNetworkProcess, and bwrap/xdg-dbus-proxy when WebKit sandboxes them) in three phases:
#   window-open        the dashboard window open and loaded (target <= 250 MB)
#   tray-after-close   idle in the tray after the window was closed, which ends the dashboard
#                      process and with it every WebKit process (target <= 60 MB)
#   tray-minimized     a second run started with --minimized (as autostart does), the window
#                      never opened
# Runs under Xvfb like the smoke test, WITHOUT WebKit tuning variables such as
# WEBKIT_DISABLE_COMPOSITING_MODE: the app applies its own WebView settings (window.rs) and
# WebKit variables for the dashboard process (dashboard_process.rs), and the numbers should be
# what a user gets. Pass a release binary for numbers that mean something (default: the packaged
# build, `npx tauri build -- --profile desktop-release`):
#   scripts/desktop-memory.sh [path/to/switchyard]
# MEM_SETTLE_SECS (default 20) is the wait before each measurement.
# Prints one line per phase and per process, then a summary against the targets.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/switchyard-target}"
app=${1:-$CARGO_TARGET_DIR/desktop-release/switchyard}
[ -x "$app" ] || { echo "desktop-memory: no app binary at $app (build it, or pass a path)" >&2; exit 1; }
# PSS divides shared library pages among every process mapping them: another WebKit app (or
# another run of this script) running meanwhile lowers these figures by tens of MB.
if pgrep -x WebKitWebProces >/dev/null || pgrep -x WebKitNetworkPr >/dev/null; then
  echo "desktop-memory: WARNING: other WebKit processes are running; the figures will read low" >&2
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/run" "$scratch/data"
chmod 700 "$scratch/run"
export HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/run" MEM_DATA="$scratch/data" MEM_APP="$app"
export MEM_SETTLE_SECS="${MEM_SETTLE_SECS:-20}"
export NO_AT_BRIDGE=1 MESA_SHADER_CACHE_DISABLE=true
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -euo pipefail -c '
  printf "switchyard-mem" | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
  port=18709
  settle=$MEM_SETTLE_SECS
  pss() { awk "/^Pss:/ {print \$2}" "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
  tree() { local p; echo "$1"; for p in $(pgrep -P "$1" || true); do tree "$p"; done; }
  measure() {
    local phase=$1 root=$2 total=0 kb pid name
    for pid in $(tree "$root"); do
      kb=$(pss "$pid"); name=$(tr -d "\0" < "/proc/$pid/comm" 2>/dev/null || echo "?")
      echo "$phase: $name (pid $pid) PSS $((kb / 1024)) MB"
      total=$((total + kb))
    done
    echo "$phase: TOTAL PSS $((total / 1024)) MB"
    echo "$((total / 1024))" > "$MEM_DATA/$phase.mb"
  }
  wait_health() {
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return 0; sleep 0.1; done
    echo "desktop-memory: the gateway did not answer on $port" >&2; return 1
  }
  # Run 1: window open, then closed by the dashboard process itself (no window manager here to
  # click on; SWITCHYARD_CLOSE_WINDOW_AFTER_SECS counts from the dashboard process start).
  CODEX_PORT=$port SWITCHYARD_DATA_DIR="$MEM_DATA" SWITCHYARD_CLOSE_WINDOW_AFTER_SECS=$((settle + 5)) \
    "$MEM_APP" > "$MEM_DATA/app.log" 2>&1 &
  app=$!
  wait_health
  sleep "$settle"
  measure window-open "$app"
  sleep $((settle + 5))
  measure tray-after-close "$app"
  kill "$app"; wait "$app" || true
  # Run 2: started minimized, as launch-at-login does.
  CODEX_PORT=$port SWITCHYARD_DATA_DIR="$MEM_DATA" "$MEM_APP" --minimized > "$MEM_DATA/app-min.log" 2>&1 &
  app=$!
  wait_health
  sleep "$settle"
  measure tray-minimized "$app"
  kill "$app"; wait "$app" || true
'
open=$(cat "$scratch/data/window-open.mb"); idle=$(cat "$scratch/data/tray-after-close.mb")
minimized=$(cat "$scratch/data/tray-minimized.mb")
echo "window open: ${open} MB PSS (target <= 250 MB); idle in tray after closing it: ${idle} MB PSS (target <= 60 MB); started minimized: ${minimized} MB PSS"
