#!/usr/bin/env bash
# The part of desktop-smoke.sh that runs inside Xvfb + dbus-run-session. Not meant to be
# called directly.
set -uo pipefail
port=18708
admin=smoke-admin-secret-0123456789
passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

printf "switchyard-smoke" | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null

"$SMOKE_MOCK" --listen 127.0.0.1:0 --accounts 1 > "$SMOKE_DIR/mock.out" 2>"$SMOKE_DIR/mock.err" &
mock_pid=$!
for _ in $(seq 1 100); do grep -q '"ready"' "$SMOKE_DIR/mock.out" 2>/dev/null && break; sleep 0.1; done
ready=$(grep '"ready"' "$SMOKE_DIR/mock.out")
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
upstream=$(echo "$ready" | field upstream_base_url)
oauth=$(echo "$ready" | field oauth_token_url)
control=$(echo "$ready" | field control_url)
refresh=$(head -n 1 "$SMOKE_DIR/mock.out" | field refresh_token)

# SWITCHYARD_CLOSE_WINDOW_AFTER_SECS: the dashboard process closes its own window that long after
# it started, as a user would (there is no window manager here to click on); checked below.
close_after=${SMOKE_CLOSE_AFTER:-30}
CODEX_PORT=$port SWITCHYARD_DATA_DIR="$SMOKE_DIR/data" ADMIN_SECRET=$admin \
  CODEX_UPSTREAM_BASE_URL="$upstream" CODEX_OAUTH_TOKEN_URL="$oauth" \
  SWITCHYARD_SELFTEST=1 SWITCHYARD_CLOSE_WINDOW_AFTER_SECS=$close_after "$SMOKE_APP" > "$SMOKE_LOG" 2>&1 &
app_pid=$!
cleanup() { kill "$app_pid" "$mock_pid" 2>/dev/null; wait "$app_pid" "$mock_pid" 2>/dev/null; }
trap cleanup EXIT

# A second launch, as from the desktop menu: the single-instance plugin hands it to the tray app.
launch_again() {
  CODEX_PORT=$port SWITCHYARD_DATA_DIR="$SMOKE_DIR/data" timeout 20 "$SMOKE_APP" >> "$SMOKE_DIR/second.log" 2>&1
}
# The tray's child running `switchyard-dashboard` (empty when there is none).
dashboard_pid() {
  local p
  for p in $(pgrep -P "$app_pid"); do
    tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q -- 'switchyard-dashboard' && { echo "$p"; return; }
  done
}
wait_dashboard() {
  local p
  for _ in $(seq 1 150); do p=$(dashboard_pid); [ -n "$p" ] && { echo "$p"; return; }; sleep 0.1; done
}
# Resident kB of a library's executable mapping in a process (its code that has run there).
code_kb() {
  awk -v lib="$2" '$2 ~ /x/ && $6 ~ lib { on = 1; next } /^[0-9a-f]+-[0-9a-f]+ / { on = 0 }
    on && /^Rss:/ { kb += $2 } END { print kb + 0 }' "/proc/$1/smaps" 2>/dev/null || echo 0
}
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
window_shown() {
  for _ in $(seq 1 100); do xwininfo -root -tree | grep -q '"Switchyard": (' && return 0; sleep 0.1; done
  return 1
}

up=0
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && { up=1; break; }
  sleep 0.1
done
if [ "$up" = 1 ]; then pass "gateway answers /health on 127.0.0.1:$port"; else fail "no /health on $port"; fi

# Give the selftest (stop/start/copy) and the first page load time to finish.
for _ in $(seq 1 100); do grep -q "selftest: done" "$SMOKE_LOG" && break; sleep 0.1; done
for check in "gateway running ok" "tray menu built ok" "tray stop ok" "tray start ok" \
  "clipboard read back ok"; do
  if grep -q "selftest: $check" "$SMOKE_LOG"; then pass "$check"; else fail "$check"; fi
done
grep -q "secret store ok kind=keyring" "$SMOKE_LOG" && pass "tokens in the OS keyring" \
  || fail "secret store is not the keyring"

dash=$(wait_dashboard)
webkit_under_dash=$(for p in $(descendants "${dash:-0}"); do cat "/proc/$p/comm"; done 2>/dev/null | grep -c WebKit)
if [ -n "$dash" ] && [ "$webkit_under_dash" -ge 1 ]; then
  pass "dashboard runs in its own process (pid $dash, $webkit_under_dash WebKit processes under it)"
else
  fail "no dashboard process with WebKit under it (pid '${dash}')"
fi
if window_shown; then pass "dashboard window shown"; else fail "no Switchyard window"; fi
sleep "${SMOKE_SETTLE:-6}"
import -window root "$SMOKE_SHOT" && pass "screenshot saved to $SMOKE_SHOT" || fail "screenshot"

# A Codex-CLI-shaped request (clients.md §1) through the app to mock-upstream.
curl -sf -X POST "http://127.0.0.1:$port/api/admin/accounts" -H "authorization: Bearer $admin" \
  -H 'content-type: application/json' -d "{\"name\":\"smoke\",\"refresh_token\":\"$refresh\"}" \
  > "$SMOKE_DIR/import.json" || fail "account import"
code=$(curl -s -o "$SMOKE_DIR/codex.out" -w '%{http_code}' -X POST "http://127.0.0.1:$port/v1/responses" \
  -H 'authorization: Bearer switchyard-local' -H 'accept: text/event-stream' \
  -H 'content-type: application/json' -H 'originator: codex_exec' \
  -H 'user-agent: codex_exec/0.169.0 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.169.0)' \
  -H 'session-id: 0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000' \
  -d '{"model":"gpt-5","stream":true,"store":false,"tool_choice":"auto","parallel_tool_calls":true,
       "reasoning":{"summary":"auto"},"include":["reasoning.encrypted_content"],
       "prompt_cache_key":"0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000",
       "input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"say hi"}]}]}')
if [ "$code" = 404 ]; then
  echo "SKIPPED: /v1/responses is not in this gateway-core yet (the public relay is still being built)"
elif [ "$code" = 200 ] && grep -q "response.completed" "$SMOKE_DIR/codex.out" \
  && curl -sf "$control/log" | grep -q "/responses"; then
  pass "Codex-CLI request reached mock-upstream (response.completed streamed back)"
else
  fail "Codex-CLI request: HTTP $code $(head -c 300 "$SMOKE_DIR/codex.out")"
fi

# The tray binary runs a tao-only Tauri runtime (src-tauri/src/tray_runtime): WebKit, its
# JavaScriptCore and libsoup are not even mapped in the tray process, while the dashboard process
# runs WebKit (megabytes of its code resident), and no WebKit process hangs off the tray.
tray_maps=$(grep -cE 'libwebkit2gtk|libjavascriptcoregtk|libsoup-3' "/proc/$app_pid/maps" 2>/dev/null)
dash_code=$(code_kb "${dash:-0}" libwebkit2gtk)
webkit_under_tray=$(for p in $(pgrep -P "$app_pid"); do cat "/proc/$p/comm"; done 2>/dev/null | grep -c WebKit)
if [ "${tray_maps:-1}" = 0 ] && [ "$dash_code" -gt 8192 ] && [ "$webkit_under_tray" = 0 ]; then
  pass "WebKit only in the dashboard process (tray: not mapped; dashboard: ${dash_code} kB of libwebkit2gtk code resident)"
else
  fail "WebKit in the tray process: ${tray_maps:-?} WebKit mappings in the tray, dashboard ${dash_code} kB, WebKit children of the tray ${webkit_under_tray}"
fi

launch_again
sleep 2
now=$(dashboard_pid)
count=$(for p in $(pgrep -P "$app_pid"); do tr '\0' ' ' < "/proc/$p/cmdline"; echo; done | grep -c -- 'switchyard-dashboard')
if [ -n "$dash" ] && [ "$now" = "$dash" ] && [ "$count" = 1 ] && grep -q "dashboard already open" "$SMOKE_LOG"; then
  pass "a second launch focuses the open dashboard (still one dashboard process, pid $now)"
else
  fail "a second launch: dashboard pid '$dash' -> '$now', $count dashboard processes"
fi

# The dashboard process closes its window itself (SWITCHYARD_CLOSE_WINDOW_AFTER_SECS).
gone=0
for _ in $(seq 1 $(( (close_after + 30) * 10 ))); do
  [ -n "$dash" ] && [ ! -e "/proc/$dash" ] && { gone=1; break; }
  sleep 0.1
done
sleep 1
left=$(descendants "$app_pid" | wc -l)
if [ "$gone" = 1 ] && [ "$left" = 0 ] && ! xwininfo -root -tree | grep -q '"Switchyard": (' \
  && curl -sf "http://127.0.0.1:$port/health" >/dev/null \
  && grep -q '"main"' "$HOME/.config/dev.switchyard.app/.window-state.json" 2>/dev/null; then
  pass "closing the window ends the dashboard process and WebKit (window size and position saved); the tray keeps serving"
else
  fail "after closing: dashboard gone=$gone, $left processes left under the tray, $(xwininfo -root -tree | grep -c '"Switchyard": (') windows"
fi

launch_again
again=$(wait_dashboard)
if [ -n "$again" ] && [ "$again" != "$dash" ] && window_shown; then
  pass "a launch after closing opens a new dashboard process (pid $again)"
else
  fail "no new dashboard after a second launch (pid '${again}')"
fi

# SIGTERM (as at logout) takes the tray's Quit path: the gateway stops, then the exit request
# goes through the tray runtime's event loop and the process exits with 0.
kill -TERM "$app_pid" 2>/dev/null
# A tray that does not exit within 15 s is killed, which shows as status 137.
( sleep 15; kill -KILL "$app_pid" 2>/dev/null ) &
killer=$!
wait "$app_pid" 2>/dev/null; status=$?
kill "$killer" 2>/dev/null
after_term=$(sed -n '/quitting.*SIGTERM/,$p' "$SMOKE_LOG")
if [ "$status" = 0 ] && echo "$after_term" | grep -q "gateway stopped" \
  && echo "$after_term" | grep -q "tray app: exiting"; then
  pass "SIGTERM quits like the tray's Quit (gateway stopped, exit status 0)"
else
  fail "SIGTERM: exit status $status; log: $(grep -E 'quitting|gateway stopped|exiting' "$SMOKE_LOG" | tr '\n' ' ')"
fi
ended=0
for _ in $(seq 1 100); do [ -n "$again" ] && [ ! -e "/proc/$again" ] && { ended=1; break; }; sleep 0.1; done
if [ "$ended" = 1 ]; then pass "the dashboard ends when the tray app goes away"; else fail "the dashboard outlived the tray app"; fi

if [ "$failed" -gt 0 ]; then
  echo "--- app log ---"
  tail -n 60 "$SMOKE_LOG"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
