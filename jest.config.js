/** @type {import('jest').Config} */
const moduleNameMapper = {
  '^@app/(config|entities|state-machines|metrics|messaging|http|testing)$': '<rootDir>/libs/$1/src',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] };
const common = { rootDir: __dirname, moduleNameMapper, transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  // A full run keeps the event loop busy after its last suite (one process, 100 % CPU, no timer fires); until that
  // loop is found, Jest exits once the results are in.
  forceExit: true,
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
