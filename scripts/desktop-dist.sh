#!/usr/bin/env bash
# Makes sure src-web/dist-desktop exists before anything compiles src-tauri: Tauri's
# `generate_context!` panics at compile time (even for `cargo check`/`clippy`/`test`) when
# `frontendDist` is missing. Builds the real dashboard when npm and its sources are there;
# otherwise writes a one-page placeholder. The desktop gets its own output folder because it
# serves the dashboard at `/`, while src-web/dist is built for the server's `/admin/`.
# Both are gitignored and never committed.
#   scripts/desktop-dist.sh            build the dashboard if possible, else the placeholder
#   scripts/desktop-dist.sh --if-missing   leave an existing dist alone
set -euo pipefail
cd "$(dirname "$0")/.."
dist=src-web/dist-desktop
if [ "${1:-}" = "--if-missing" ] && [ -f "$dist/index.html" ]; then
  exit 0
fi
if command -v npm >/dev/null && [ -d node_modules ] && [ -f src-web/index.html ]; then
  # vite alone (the web build's own stage runs the type check); base `/` for tauri://localhost.
  if (cd src-web && npx vite build --base=/ --outDir dist-desktop --emptyOutDir); then
    exit 0
  fi
  echo "desktop-dist: the dashboard build FAILED; writing a placeholder page instead" >&2
fi
mkdir -p "$dist"
cat > "$dist/index.html" <<'HTML'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard</title></head>
<body style="font-family:sans-serif;margin:2rem">
<h1>Switchyard</h1>
<p id="placeholder">The dashboard was not built (placeholder page from scripts/desktop-dist.sh).</p>
</body></html>
HTML
echo "desktop-dist: wrote a placeholder $dist/index.html"
