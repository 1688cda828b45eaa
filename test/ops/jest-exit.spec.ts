import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require(join(ROOT, 'jest.config.js')) as Record<string, unknown>;

/**
 * `npm test` runs without Jest's forceExit: a suite that leaves a timer or a socket behind must not hold the run open.
 * Here a suite leaks an interval under the project's own worker settings; Jest must still end, pass and say why.
 */
describe('a test run with a leaking suite', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jest-exit-'));
    writeFileSync(
      join(dir, 'leak.test.js'),
      "test('leaves an interval running', () => { setInterval(() => undefined, 1_000); });\n",
    );
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends by itself once the results are in, passing, with the leak reported', () => {
    expect(config.forceExit).toBeUndefined();
    const run = spawnSync(
      process.execPath,
      [
        require.resolve('jest/bin/jest'),
        '--config',
        JSON.stringify({
          rootDir: dir,
          testEnvironment: 'node',
          maxWorkers: config.maxWorkers,
          workerIdleMemoryLimit: config.workerIdleMemoryLimit,
        }),
      ],
      { cwd: dir, encoding: 'utf8', timeout: 60_000 },
    );

    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('Tests:       1 passed, 1 total');
    expect(run.stderr).toContain('failed to exit gracefully');
  });
});
