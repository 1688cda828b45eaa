import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, readEnvironment } from '@app/config';
import { adminSchema } from '../../apps/admin-api/src/admin-api.config';

describe('readEnvironment (.env of the working directory)', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'env-file-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('gives the apps the values of .env, and the real environment wins where both set one', () => {
    writeFileSync(
      join(directory, '.env'),
      '# local settings\nADMIN_TOKENS=oncall:0123456789abcdef\nPORT=4004\nREPLAY_PENDING_MIN_AGE="PT2M"\n',
    );
    const config = loadConfig(adminSchema, readEnvironment(directory, { PORT: '5004' }));
    expect(config).toMatchObject({
      ADMIN_TOKENS: ['oncall:0123456789abcdef'],
      PORT: 5004,
      REPLAY_PENDING_MIN_AGE: 120_000,
    });
  });

  it('is the real environment alone when there is no .env', () => {
    expect(readEnvironment(directory, { PORT: '5004' })).toEqual({ PORT: '5004' });
  });
});
