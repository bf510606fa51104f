#!/usr/bin/env bash
# Load benchmark of switchyard-server against mock-upstream (issue 9), one command:
#   bash scripts/bench.sh              full run (10 s per scenario, 600 s soak; ~20 min)
#   bash scripts/bench.sh --smoke      ~2 s per scenario, 10 s soak (CI; under ~2 min)
# Extra flags go to `loadgen bench` (e.g. --soak-secs 120, --only chat, --mode stream).
# Builds release binaries, starts the mock and the gateway (SQLite + in-process cache in a
# temp dir, a real API key, 64 accounts, max_concurrency 0), pins the gateway to CPU 0 and
# the load generator and the mock to CPU 1, prints the setup and a Markdown report.
# Fails only when something does not start or a scenario's error rate exceeds 1 %.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/switchyard-target}"

smoke=false
extra=()
for arg in "$@"; do
  case "$arg" in
    --smoke) smoke=true ;;
    *) extra+=("$arg") ;;
  esac
done
ACCOUNTS="${BENCH_ACCOUNTS:-64}"
if $smoke; then
  loadgen_args=(--secs 2 --warmup-secs 1 --soak-secs 10 --streams 1000 --hold-delay-ms 500)
  coldstart_runs=3
else
  loadgen_args=(--secs 10 --warmup-secs 4 --soak-secs 600)
  coldstart_runs=7
fi

GW_CPU=0 LOAD_CPU=1
ncpu=$(nproc)
# Prefixes, not functions: `$!` must be the server's own pid (taskset execs it).
if [ "$ncpu" -lt 2 ] || ! command -v taskset >/dev/null; then
  echo "bench: fewer than 2 CPUs or no taskset; running unpinned" >&2
  pin_gw=() pin_load=() pin_flag=()
else
  pin_gw=(taskset -c "$GW_CPU") pin_load=(taskset -c "$LOAD_CPU") pin_flag=(--pin-cpu "$GW_CPU")
fi

# shellcheck source=scripts/harness-lib.sh
. scripts/harness-lib.sh
harness_bins bench switchyard-server mock-upstream loadgen
harness_workdir bench
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

harness_start_mock bench "$ACCOUNTS" "${pin_load[@]}"

gw_port=$(harness_free_port)
export ADMIN_SECRET="bench-admin-secret-$$-$RANDOM"
mkdir -p "$work/data"
CODEX_BIND=127.0.0.1 CODEX_PORT="$gw_port" DATABASE_PATH="$work/data/switchyard.db" \
  CODEX_UPSTREAM_BASE_URL="http://$mock_addr/backend-api/codex" \
  CODEX_OAUTH_TOKEN_URL="http://$mock_addr/oauth/token" \
  RUST_LOG="${BENCH_SERVER_LOG:-warn}" \
  "${pin_gw[@]}" "$BIN/switchyard-server" >"$work/server.out" 2>"$work/server.err" &
gw_pid=$!
pids+=("$gw_pid")

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain 2>/dev/null | grep -c . || true)
cat <<EOF
# Switchyard benchmark ($($smoke && echo smoke || echo full))

| setup | value |
|---|---|
| commit | $commit ($dirty files changed in the working tree) |
| date | $(date -u +%Y-%m-%dT%H:%M:%SZ) |
| machine | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $ncpu CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr) |
| pinning | switchyard-server on CPU $GW_CPU; loadgen + mock-upstream on CPU $LOAD_CPU (taskset) |
| rustc | $(rustc --version) |
| versions | switchyard-server $("$BIN/switchyard-server" --version | awk '{print $2}'), mock-upstream + loadgen from the same tree |
| gateway | SQLite + in-process cache in a temp dir, RUST_LOG=${BENCH_SERVER_LOG:-warn}, a real API key (auth on every request), $ACCOUNTS accounts imported through the admin API |
| load avg at start | $(cut -d' ' -f1-3 /proc/loadavg) |
EOF

# Optional flat profile of the gateway for the whole load run: BENCH_PERF=/path/perf.data.
perf_pid=
if [ -n "${BENCH_PERF:-}" ] && command -v perf >/dev/null; then
  perf record -F "${BENCH_PERF_FREQ:-1999}" ${BENCH_PERF_ARGS:-} -o "$BENCH_PERF" -p "$gw_pid" >/dev/null 2>&1 &
  perf_pid=$!
fi

status=0
"${pin_load[@]}" "$BIN/loadgen" bench --gateway "127.0.0.1:$gw_port" --mock "$mock_addr" \
  --mock-accounts "$work/mock.out" --server-pid "$gw_pid" \
  --json-out "$work/results.json" "${loadgen_args[@]}" "${extra[@]}" || status=$?
if [ -n "$perf_pid" ]; then kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true; fi
if [ -n "${BENCH_JSON_OUT:-}" ] && [ -f "$work/results.json" ]; then cp "$work/results.json" "$BENCH_JSON_OUT"; fi
if ! kill -0 "$gw_pid" 2>/dev/null; then
  echo "bench: switchyard-server exited during the run" >&2; tail -20 "$work/server.err" >&2; exit 1
fi

# Cold start: new server processes (the running one stays up; CPU 0 is idle by now).
"${pin_load[@]}" "$BIN/loadgen" coldstart --server-bin "$BIN/switchyard-server" "${pin_flag[@]}" \
  --runs "$coldstart_runs" --work-dir "$work" --mock "$mock_addr" || status=$?
echo
echo "load avg at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
