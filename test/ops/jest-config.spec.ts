import { join } from 'node:path';

describe('the Jest configuration', () => {
  it('lets the run end by itself: no forceExit hiding a handle a test left open', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const config = require(join(__dirname, '../../jest.config.js')) as Record<string, unknown>;
    expect(config).not.toHaveProperty('forceExit');
    expect(config).not.toHaveProperty('detectOpenHandles');
  });
});
