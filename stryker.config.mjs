// Mutation testing of the pure modules: `npm run test:mutation`. Each mutant (a small deliberate bug) must make a
// unit test fail; the run fails below `thresholds.break` percent killed. Report: reports/mutation/mutation.html.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const unit = require('./jest.config.js').projects.find((project) => project.displayName === 'unit');

/** Pure logic with its unit specs beside it: state machines, backoff, verdicts, parsing, the runbook diagnosis. */
const PURE_MODULES = [
  'libs/state-machines/src/backoff.ts',
  'libs/state-machines/src/circuit-breaker.machine.ts',
  'libs/state-machines/src/dispatch-outbox.machine.ts',
  'libs/state-machines/src/source-outbox.machine.ts',
  'libs/state-machines/src/transition-table.ts',
  'apps/dispatcher/src/targets/http-verdict.ts',
  'apps/dispatcher/src/dispatch/dispatch-outcome.plan.ts',
  'libs/entities/src/canonical-event.ts',
  'libs/config/src/load-config.ts',
  'libs/config/src/iso-duration.ts',
  'libs/config/src/config-fields.ts',
  'apps/admin-api/src/http/limit-param.ts',
  'apps/event-store-consumer/src/store/event-batch.parser.ts',
  'apps/admin-api/src/diagnosis/diagnosis.walk.ts',
  'apps/admin-api/src/diagnosis/recovery-check.ts',
];

/** Their unit specs (the config ones include the schema and `.env.example` checks that exercise the parsers). */
const SPECS = [
  'libs/state-machines/src/*.spec.ts',
  'apps/dispatcher/src/targets/http-verdict.spec.ts',
  'apps/dispatcher/src/dispatch/dispatch-outcome.plan.spec.ts',
  'libs/entities/src/canonical-event.spec.ts',
  'libs/config/src/*.spec.ts',
  'test/config/*.spec.ts',
  'apps/ingest-api/src/sdk/sdk-keys.spec.ts',
  'apps/admin-api/src/http/limit-param.spec.ts',
  'apps/event-store-consumer/src/store/event-batch.parser.spec.ts',
  'apps/admin-api/src/diagnosis/diagnosis.walk.spec.ts',
  'apps/admin-api/src/diagnosis/recovery-check.spec.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    // Only the unit project, and only the specs of the modules above: the fast tier, no database or broker.
    config: {
      ...unit,
      rootDir: '.',
      // Transpile only: type-checking every reloaded mutant would cost minutes (`npm run typecheck` covers types).
      transform: {
        '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json', isolatedModules: true, diagnostics: false }],
      },
      testMatch: SPECS.map((path) => `<rootDir>/${path}`),
    },
    // Each mutant runs only the specs that import its file (and of those, only the tests that reach it): loading
    // every spec's imports for every mutant made a run take hours.
    enableFindRelatedTests: true,
  },
  mutate: PURE_MODULES,
  coverageAnalysis: 'perTest',
  // Reuses the last run's results (reports/stryker-incremental.json, not committed) for mutants whose code and tests
  // did not change: after the first full run, a change to one module re-tests that module's mutants only.
  incremental: true,
  // Mutants in module-level constants would rerun every spec each; the logic the tests exercise is what counts here.
  ignoreStatic: true,
  // On a busy machine a slow Jest run is not a hang, and every timed-out mutant restarts its runner (a minute here).
  timeoutMS: 30_000,
  thresholds: { high: 90, low: 85, break: 80 },
  concurrency: 2,
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
