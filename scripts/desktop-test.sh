#!/usr/bin/env bash
# Runs the desktop app's tests (`cargo test -p switchyard`): mock-runtime tray/command tests,
# the client-config editor, the updater, and the keyring store against a real Secret Service.
# The keyring needs a session bus and an unlocked gnome-keyring (desktop-build.md §7), so the
# tests run inside `dbus-run-session` with a throwaway HOME (set BEFORE the daemons start,
# or gnome-keyring writes into the real home and a later run hangs on a password prompt).
# Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/switchyard-target}"
bash scripts/desktop-dist.sh --if-missing
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "desktop-test: $tool is missing (apt: dbus, gnome-keyring)" >&2; exit 1; }
done
# Compile outside the throwaway HOME so cargo keeps using the real registry cache.
cargo test -p switchyard --locked --no-run
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/run"
chmod 700 "$scratch/run"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/run" SWITCHYARD_KEYRING_TESTS=1
unset DISPLAY
dbus-run-session -- bash -euo pipefail -c '
  printf "switchyard-ci" | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
  cargo test -p switchyard --locked "$@"
' desktop-test "$@"
