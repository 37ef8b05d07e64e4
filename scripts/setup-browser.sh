#!/usr/bin/env bash
# Headless Chromium for the browser tests, from Debian's packages: a test tool's own browser
# download (npx playwright install) cannot reach its host here. Idempotent: an installed chromium,
# or one named by CTRAIN_CHROMIUM, is reused.
set -euo pipefail

if [[ -n "${CTRAIN_CHROMIUM:-}" ]]; then
  [[ -x "$CTRAIN_CHROMIUM" ]] || { echo "ctrain setup: CTRAIN_CHROMIUM=$CTRAIN_CHROMIUM is not an executable" >&2; exit 1; }
  exit 0
fi
command -v chromium >/dev/null && exit 0

if [[ "$(id -u)" -eq 0 ]]; then
  apt=(apt-get)
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  apt=(sudo -n apt-get)
else
  echo "ctrain setup: the browser tests need Debian's chromium; install it (apt-get install chromium) or set CTRAIN_CHROMIUM to a Chromium binary" >&2
  exit 1
fi

echo "ctrain setup: installing chromium (Debian package) for the browser tests"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet: update once, only when the install needs it.
"${apt[@]}" install -y --no-install-recommends chromium >/dev/null 2>&1 \
  || { "${apt[@]}" update -qq && "${apt[@]}" install -y --no-install-recommends chromium >/dev/null; }
command -v chromium >/dev/null || { echo "ctrain setup: chromium was installed but is not on PATH" >&2; exit 1; }
