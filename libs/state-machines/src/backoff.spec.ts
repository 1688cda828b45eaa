import { backoffDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  it('doubles from the base delay and stops at the maximum', () => {
    const delays = [0, 1, 2, 3, 6, 7, 50].map((retry) => backoffDelayMs(retry, 10_000, 640_000));
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000, 640_000, 640_000, 640_000]);
  });
});
