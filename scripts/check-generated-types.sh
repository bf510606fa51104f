#!/usr/bin/env bash
# Regenerates the dashboard's TypeScript types from the Rust admin DTOs (ts-rs, through the
# `export_bindings_*` tests of gateway-core; see .cargo/config.toml) and fails when they differ
# from the committed ones in src-web/src/api/generated.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/switchyard-target}"
cargo test -p gateway-core --lib --locked -- export_bindings --quiet
untracked=$(git ls-files --others --exclude-standard -- src-web/src/api/generated)
if ! git diff --exit-code --stat -- src-web/src/api/generated || [ -n "$untracked" ]; then
  [ -n "$untracked" ] && echo "new generated files not committed:" && echo "$untracked"
  echo "error: src-web/src/api/generated is out of date with the Rust DTOs." >&2
  echo "Run 'cargo test -p gateway-core --lib export_bindings' and commit the result." >&2
  exit 1
fi
echo "generated TypeScript types are up to date"
