#!/usr/bin/env bash
# The main suite, then the fault suite, each on a stack of its own (the fault suite takes MinIO
# and Temporal away, so it shares its stack with nothing). Both run even when the first fails.
# CTRAIN_SKIP_FAULTS=1 runs the main suite only, for a quick local run.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-output
rm -f test-output/bad-inputs.json
npx vitest run
main=$?
if [[ -n "${CTRAIN_SKIP_FAULTS:-}" ]]; then
  echo "ctrain tests: fault suite skipped (CTRAIN_SKIP_FAULTS)"
  exit "$main"
fi
npx vitest run --config vitest.faults.config.ts
fault=$?
echo "ctrain tests: main suite exit $main, fault suite exit $fault"
exit $(( main != 0 || fault != 0 ))
