#!/usr/bin/env bash
# Builds and runs switchyard-server with no configuration: SQLite + in-process cache in ./data,
# listening on http://127.0.0.1:8080. Extra arguments go to the server (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f package.json ] && [ -d src-web ] && [ -f src-web/package.json ]; then
  if command -v npm >/dev/null; then
    npm ci --no-audit --no-fund && npm run build
  else
    echo "npm not found: serving without the dashboard (install Node.js 20+ to build it)" >&2
  fi
fi
exec cargo run --release --locked --bin switchyard-server -- "$@"
