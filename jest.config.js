/** @type {import('jest').Config} */
const moduleNameMapper = {
  '^@app/(config|entities|state-machines|observability|messaging|http|testing)$': '<rootDir>/libs/$1/src',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] };
const common = { rootDir: __dirname, moduleNameMapper, transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  // Suites run one after another in a worker process, never in Jest's own (a memory limit is what makes Jest use a
  // worker when it has only one): a suite that leaves a socket or a timer behind is reported, and the worker
  // restarted, instead of holding the run open at its end.
  maxWorkers: 1,
  workerIdleMemoryLimit: '1GB',
  // Per-project timeouts are ignored by Jest; e2e tests wait for pipelines to drain.
  testTimeout: 120_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test,bench}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.integration-spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.e2e-spec.ts'],
    },
  ],
};
