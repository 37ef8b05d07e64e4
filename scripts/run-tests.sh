#!/usr/bin/env bash
# The main suite, then the fault suite, each on a stack of its own (the fault suite takes MinIO
# and Temporal away, so it shares its stack with nothing). The fault suite's two parts (faults
# that kill processes, faults that take a service away) run at the same time on stacks of their
# own: both spend most of their time waiting for a timeout or an outage to pass. Every part runs
# even when an earlier one fails. Then the production tier (vitest.production.config.ts): the
# end-to-end pipelines again and the faults of the production topology, on PostgreSQL, the
# Temporal server and MinIO over four drives; in full mode (CTRAIN_TEST_FULL=1, about five minutes
# more) the whole fault suite again on a production stack of its own. CTRAIN_SKIP_FAULTS=1 runs the
# main suite only, for a quick run.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-output
rm -f test-output/bad-inputs.json test-output/bad-inputs.jsonl test-output/fault-summary.jsonl
npx vitest run
main=$?
if [[ -n "${CTRAIN_SKIP_FAULTS:-}" ]]; then
  echo "ctrain tests: fault suite skipped (CTRAIN_SKIP_FAULTS)"
  exit "$main"
fi
npx vitest run --config vitest.faults.config.ts --mode services > test-output/service-faults.log 2>&1 &
services_pid=$!
npx vitest run --config vitest.faults.config.ts
processes=$?
wait "$services_pid"
services=$?
echo "--- service faults (test-output/service-faults.log) ---"
cat test-output/service-faults.log
npx vitest run --config vitest.production.config.ts
production=$?
if [[ -n "${CTRAIN_TEST_FULL:-}" ]]; then
  npx vitest run --config vitest.production.config.ts --mode faults
  production=$(( production || $? ))
fi
npx tsx test/faults/print-summary.ts
echo "ctrain tests: main suite exit $main, process faults exit $processes, service faults exit $services, production tier exit $production"
exit $(( main != 0 || processes != 0 || services != 0 || production != 0 ))
