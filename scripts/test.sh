#!/usr/bin/env bash
# Runs the whole test suite. PostgreSQL and Redis suites use TEST_DATABASE_URL and
# TEST_REDIS_URL; when those are unset they default to the local services if reachable, and
# otherwise the suites say loudly that they skipped (with CI=true they fail instead).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TEST_DATABASE_URL:-}" ] && command -v pg_isready >/dev/null \
  && pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test
fi
if [ -z "${TEST_REDIS_URL:-}" ] && command -v redis-cli >/dev/null \
  && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  export TEST_REDIS_URL=redis://127.0.0.1:6379
fi
echo "TEST_DATABASE_URL=${TEST_DATABASE_URL:-<unset: PostgreSQL suites will skip>}"
echo "TEST_REDIS_URL=${TEST_REDIS_URL:-<unset: Redis suites will skip>}"

# The desktop crate (src-tauri) runs in its own harness, scripts/desktop-test.sh, which gives
# its keyring tests a session bus and an unlocked Secret Service.
profile=default
[ "${CI:-}" = "true" ] && profile=ci
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --exclude switchyard --locked --profile "$profile" --no-fail-fast
else
  echo "cargo-nextest not found; using cargo test"
  cargo test --workspace --exclude switchyard --locked --no-fail-fast
fi

# The dashboard: component tests (Vitest) and the end-to-end run against a real server and
# mock-upstream in Debian's Chromium (src-web/e2e). Needs Node.js 20+ and /usr/bin/chromium.
if [ -f src-web/package.json ]; then
  if command -v npm >/dev/null; then
    [ -d node_modules ] || npm ci --no-audit --no-fund
    npm --workspace src-web run typecheck
    npm --workspace src-web test
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/switchyard-target}"
    cargo build --locked -p gateway-core --bin switchyard-server -p mock-upstream --bin mock-upstream
    npm --workspace src-web run e2e
  else
    echo "!!! npm not found: the dashboard's Vitest and Playwright tests DID NOT RUN (install Node.js 20+)" >&2
    [ "${CI:-}" = "true" ] && exit 1
  fi
fi

# The real clients against switchyard-server and mock-upstream (e2e/clients, issue 4): Codex
# CLI, Claude Code and the official openai / @anthropic-ai/sdk SDKs, pinned in
# e2e/clients/package.json and installed from the npm registry by `npm ci`.
if [ -f e2e/clients/package.json ]; then
  if command -v npm >/dev/null && command -v node >/dev/null; then
    [ -d node_modules/@openai/codex ] && [ -d node_modules/@anthropic-ai/claude-code ] \
      || npm ci --no-audit --no-fund
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/switchyard-target}"
    cargo build --locked -p gateway-core --bin switchyard-server -p mock-upstream --bin mock-upstream
    npm run e2e:clients
  else
    echo "!!! SKIPPED: node/npm not found: the real-client end-to-end tests (e2e/clients: Codex CLI, Claude Code, openai and Anthropic SDKs) DID NOT RUN (install Node.js 20+)" >&2
    [ "${CI:-}" = "true" ] && exit 1
  fi
fi
