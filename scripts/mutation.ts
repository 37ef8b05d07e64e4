/**
 * Mutation testing (`npm run mutation`, not part of `npm test`): Stryker mutates each group of
 * pure modules and runs the unit tests named for it through vitest.unit.config.ts, which starts no
 * services. Prints killed, survived, timed-out and uncovered mutants and the score per group; exits
 * 1 when a group is under its target. `npm run mutation -- <group> ...` runs only those groups.
 * HTML reports go to reports/mutation/<group>.html.
 */
import { Stryker } from '@stryker-mutator/core';
import type { MutantResult } from '@stryker-mutator/api/core';

interface Group {
  name: string;
  /** Source files mutated (the one list to update when a file moves). */
  mutate: string[];
  /** Unit tests that exercise them. */
  tests: string[];
  /** Least mutation score accepted, in percent. */
  target: number;
}

const unit = (...names: string[]): string[] => names.map((name) => `test/unit/${name}.test.ts`);

export const GROUPS: Group[] = [
  {
    name: 'decisions',
    mutate: ['workflows/model-state.ts', 'workflows/deploy-plan.ts'],
    tests: unit('model-state', 'deploy-plan'),
    target: 85,
  },
  {
    name: 'statistics',
    mutate: [
      'drift/psi.ts',
      'drift/categorical.ts',
      'drift/performance.ts',
      'statistics/ks.ts',
      'statistics/chi-square.ts',
      'statistics/kolmogorov.ts',
      'statistics/smirnov.ts',
      'statistics/gamma.ts',
      'statistics/normal.ts',
      'model/blessing.ts',
      'model/canary-decision.ts',
      'model/metrics.ts',
    ],
    tests: unit('drift-statistics', 'statistics-ks', 'statistics-normal', 'statistics-reference', 'statistics-guards', 'drift-report', 'drift-report-html', 'statistics-edges', 'model-blessing', 'canary-decision', 'model-metrics'),
    target: 90,
  },
  {
    name: 'features',
    mutate: ['features/transform.ts', 'features/split.ts'],
    tests: unit('features', 'feature-streaming', 'features-edges'),
    target: 90,
  },
  {
    name: 'spec-rules',
    mutate: ['contracts/pipeline-spec-rules.ts'],
    tests: unit('pipeline-spec', 'pipeline-spec-rules'),
    target: 90,
  },
];

interface Tally {
  group: Group;
  killed: number;
  survived: number;
  timeout: number;
  noCoverage: number;
  errors: number;
  score: number;
}

async function runGroup(group: Group): Promise<Tally> {
  // The vitest config reads the test list from the environment; Stryker's test-runner processes inherit it.
  process.env.CTRAIN_UNIT_TESTS = group.tests.join(',');
  const results: MutantResult[] = await new Stryker({
    mutate: group.mutate,
    testRunner: 'vitest',
    plugins: ['@stryker-mutator/vitest-runner'],
    vitest: { configFile: 'vitest.unit.config.ts', related: false },
    coverageAnalysis: 'perTest',
    concurrency: 2,
    checkers: [],
    ignorePatterns: ['.stryker-tmp', 'docs', 'bench', 'test-output', 'coverage', 'reports', '.ctrain'],
    tempDirName: `.stryker-tmp/${group.name}`,
    // Mutants that loop (iterative series in the statistics) time out; a short limit keeps those runs cheap.
    timeoutMS: 2_000,
    cleanTempDir: 'always',
    reporters: ['clear-text', 'html', 'progress-append-only'],
    htmlReporter: { fileName: `reports/mutation/${group.name}.html` },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    thresholds: { high: group.target, low: group.target - 10, break: null },
  }).runMutationTest();
  const count = (...statuses: MutantResult['status'][]): number => results.filter((result) => statuses.includes(result.status)).length;
  const killed = count('Killed');
  const survived = count('Survived');
  const timeout = count('Timeout');
  const noCoverage = count('NoCoverage');
  const valid = killed + survived + timeout + noCoverage;
  return { group, killed, survived, timeout, noCoverage, errors: count('CompileError', 'RuntimeError'), score: valid ? (100 * (killed + timeout)) / valid : 100 };
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !GROUPS.some((group) => group.name === name));
if (unknown.length) {
  console.error(`unknown group(s) ${unknown.join(', ')}; groups: ${GROUPS.map((group) => group.name).join(', ')}`);
  process.exit(2);
}
const tallies: Tally[] = [];
for (const group of GROUPS.filter((g) => wanted.length === 0 || wanted.includes(g.name))) tallies.push(await runGroup(group));

console.log('\n| group | killed | survived | timeout | no coverage | errors | score | target |');
console.log('|---|---|---|---|---|---|---|---|');
for (const t of tallies) {
  console.log(`| ${t.group.name} | ${t.killed} | ${t.survived} | ${t.timeout} | ${t.noCoverage} | ${t.errors} | ${t.score.toFixed(1)}% | ${t.group.target}% |`);
}
process.exitCode = tallies.every((t) => t.score >= t.group.target) ? 0 : 1;
