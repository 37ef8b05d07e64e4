#!/usr/bin/env bash
# Everything `npm test` and `npm run demo` need, idempotent: npm packages from the lockfile,
# then the pinned Temporal CLI, MinIO and DVC into the cache (reused when already there).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in node npm python3 go; do
  command -v "$tool" >/dev/null || { echo "ctrain setup: '$tool' is required but not on PATH" >&2; exit 1; }
done

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.ctrain-lock-hash"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_hash" ]]; then
  echo "ctrain setup: installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > "$stamp"
fi

# The CLI's JavaScript, compiled ahead (bin/ctrain.js also rebuilds it whenever the sources change).
node scripts/build-cli.mjs
node bin/ctrain.js provision
