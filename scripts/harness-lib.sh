# Shared by scripts/bench.sh and scripts/callgrind.sh (sourced, not run): the binaries, a
# scratch dir cleaned up on exit with every started process, and mock-upstream's start.

# harness_bins NAME BIN...: sets BIN to the directory holding the binaries. BENCH_BIN_DIR=dir
# uses the ones already built there (e.g. copies of two builds being compared) instead of
# building the working tree.
harness_bins() {
  local name=$1; shift
  if [ -n "${BENCH_BIN_DIR:-}" ]; then
    BIN="$BENCH_BIN_DIR"
    return
  fi
  echo "$name: building release binaries" >&2
  local args=()
  for b in "$@"; do args+=(--bin "$b"); done
  cargo build --release --locked -q "${args[@]}"
  BIN="$CARGO_TARGET_DIR/release"
}

# harness_workdir NAME: sets `work` to a fresh scratch dir and `pids` to an empty list; on
# exit every pid in `pids` is stopped and the dir removed (kept when HARNESS_KEEP is set).
harness_workdir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/switchyard-$1.XXXXXX")
  pids=()
  trap harness_cleanup EXIT
}

harness_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${HARNESS_KEEP:-}" ] || rm -rf "$work"
}

# harness_start_mock NAME ACCOUNTS [PREFIX...]: starts mock-upstream (behind PREFIX, e.g.
# taskset) on a free port with ACCOUNTS seeded accounts; sets `mock_addr`. Its stdout (one
# JSON line per account, then the ready line) is "$work/mock.out".
harness_start_mock() {
  local name=$1 accounts=$2; shift 2
  RUST_LOG=warn "$@" "$BIN/mock-upstream" --listen 127.0.0.1:0 --accounts "$accounts" \
    --log-capacity 0 >"$work/mock.out" 2>"$work/mock.err" &
  pids+=($!)
  for _ in $(seq 1 200); do
    grep -q '"ready":true' "$work/mock.out" 2>/dev/null && break
    sleep 0.05
  done
  mock_addr=$(grep '"ready":true' "$work/mock.out" | sed -E 's/.*"addr":"([^"]+)".*/\1/')
  if [ -z "$mock_addr" ]; then
    echo "$name: mock-upstream did not start" >&2; cat "$work/mock.err" >&2; exit 1
  fi
}

harness_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
