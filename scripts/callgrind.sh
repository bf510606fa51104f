#!/usr/bin/env bash
# Instructions per request of switchyard-server under callgrind (issue 9). Instruction counts
# are repeatable on a noisy shared machine, unlike wall-clock figures, so this is the number
# to compare before and after a hot-path change.
#   bash scripts/callgrind.sh                    chat, non-streaming, 1,000 measured requests
#   bash scripts/callgrind.sh --target messages --stream --requests 500
# Env: BENCH_BIN_DIR=dir (prebuilt switchyard-server + mock-upstream, as for bench.sh;
#      default: build release),
#      CALLGRIND_OUT=file (keep the callgrind profile of the measured requests),
#      CALLGRIND_ARGS (extra valgrind flags, e.g. "--read-inline-info=yes"),
#      CALLGRIND_KEEP=1 (keep the temp dir: server and mock logs, every dump).
# Starts the mock and the server (SQLite + in-process cache, 64 accounts, a real API key),
# warms up, zeroes the counters, sends the requests one at a time on one keep-alive
# connection, dumps, and prints total instructions / requests. Background work done during
# the measured window (the usage-log writer's flushes, timers) is included, as it should be.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/switchyard-target}"

target=chat stream=false requests=1000 warmup=100
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="$2"; shift 2 ;;
    --stream) stream=true; shift ;;
    --requests) requests="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    *) echo "callgrind: unknown flag $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=scripts/harness-lib.sh
. scripts/harness-lib.sh
harness_bins callgrind switchyard-server mock-upstream
HARNESS_KEEP="${CALLGRIND_KEEP:-}"
harness_workdir callgrind
harness_start_mock callgrind 64

gw_port=$(harness_free_port)
export ADMIN_SECRET="callgrind-admin-secret-$$"
mkdir -p "$work/data"
# One tokio worker, as in the pinned harness run.
CODEX_BIND=127.0.0.1 CODEX_PORT="$gw_port" DATABASE_PATH="$work/data/switchyard.db" \
  CODEX_UPSTREAM_BASE_URL="http://$mock_addr/backend-api/codex" \
  CODEX_OAUTH_TOKEN_URL="http://$mock_addr/oauth/token" RUST_LOG=warn \
  TOKIO_WORKER_THREADS=1 \
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" ${CALLGRIND_ARGS:-} \
  "$BIN/switchyard-server" >"$work/server.out" 2>"$work/server.err" &
gw_pid=$!
pids+=("$gw_pid")

python3 - "$gw_port" "$work/mock.out" "$target" "$stream" "$warmup" "$gw_pid" "$requests" <<'EOF'
import http.client, json, os, subprocess, sys, time

port, mock_out, target, stream, warmup, pid, requests = sys.argv[1:]
stream, warmup, requests = stream == "true", int(warmup), int(requests)
secret = os.environ["ADMIN_SECRET"]

def conn():
    return http.client.HTTPConnection("127.0.0.1", int(port), timeout=120)

deadline = time.time() + 120
while True:
    try:
        c = conn(); c.request("GET", "/health"); r = c.getresponse(); r.read()
        if r.status == 200: break
    except OSError:
        pass
    if time.time() > deadline: sys.exit("callgrind: the server did not answer /health")
    time.sleep(0.2)

def admin(method, path, body):
    c = conn()
    c.request(method, "/api/admin" + path, json.dumps(body),
              {"x-admin-key": secret, "content-type": "application/json"})
    r = c.getresponse(); data = r.read()
    if not 200 <= r.status < 300: sys.exit(f"callgrind: {path}: {r.status} {data!r}")
    return json.loads(data or b"null")

tokens = [json.loads(l)["refresh_token"] for l in open(mock_out) if '"refresh_token"' in l]
admin("POST", "/accounts", {"refresh_token": "\n".join(tokens)})
admin("PUT", "/settings", {"max_concurrency": 0, "global_rpm": 0})
key = admin("POST", "/keys", {"name": "callgrind"})["key"]

system = "You are a concise assistant. Answer in one short paragraph."
user = "Summarise why connection reuse matters for an HTTP gateway under load."
path, body, headers = {
    "chat": ("/v1/chat/completions", {"model": "gpt-5.5", "messages": [
        {"role": "system", "content": system}, {"role": "user", "content": user}],
        "stream": stream, **({"stream_options": {"include_usage": True}} if stream else {})}, {}),
    "responses": ("/v1/responses", {"model": "gpt-5.5", "instructions": system, "input": [
        {"role": "user", "content": [{"type": "input_text", "text": user}]}],
        "stream": stream}, {}),
    "messages": ("/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 1024,
        "system": system, "messages": [{"role": "user", "content": user}],
        "stream": stream}, {"anthropic-version": "2023-06-01"}),
}[target]
headers.update({"authorization": f"Bearer {key}", "content-type": "application/json"})
payload = json.dumps(body)
c = conn()

def send(n):
    for _ in range(n):
        c.request("POST", path, payload, headers)
        r = c.getresponse(); data = r.read()
        if r.status != 200: sys.exit(f"callgrind: {path}: {r.status} {data[:300]!r}")

send(warmup)
subprocess.run(["callgrind_control", "--zero", pid], check=True, capture_output=True)
send(requests)
subprocess.run(["callgrind_control", "--dump=measured", pid], check=True, capture_output=True)
EOF

sleep 1
dump=$(grep -l '^desc: Trigger: dump measured' "$work"/cg.* | head -1)
total=$(awk '/^(summary|totals):/ {print $2; exit}' "$dump")
if [ -n "${CALLGRIND_OUT:-}" ]; then cp "$dump" "$CALLGRIND_OUT"; fi
mode=$($stream && echo stream || echo non-stream)
echo "callgrind: $target $mode: $total instructions for $requests requests = $((total / requests)) per request"
