import { InMemoryRateLimitStore, MAX_RATE_LIMIT_KEYS } from './in-memory-rate-limit.store';

describe('InMemoryRateLimitStore', () => {
  const windowMs = 60_000;
  const windowStart = () => Math.floor(Date.now() / windowMs) * windowMs;

  it('counts per key within a window', async () => {
    const store = new InMemoryRateLimitStore();
    expect(await store.increment('a', windowStart(), windowMs)).toBe(1);
    expect(await store.increment('a', windowStart(), windowMs)).toBe(2);
    expect(await store.increment('b', windowStart(), windowMs)).toBe(1);
  });

  it('holds at most MAX_RATE_LIMIT_KEYS keys, forgetting the least recently seen', async () => {
    const store = new InMemoryRateLimitStore();
    const start = windowStart();
    await store.increment('busy', start, windowMs);
    for (let i = 0; i < MAX_RATE_LIMIT_KEYS + 5_000; i++) {
      await store.increment(`caller-${i}`, start, windowMs);
      if (i % 1_000 === 0) {
        await store.increment('busy', start, windowMs);
      }
    }
    expect(store.size).toBe(MAX_RATE_LIMIT_KEYS);
    expect(await store.increment('caller-0', start, windowMs)).toBe(1);
    expect(await store.increment('busy', start, windowMs)).toBeGreaterThan(100);
  });

  it('drops windows that have ended', async () => {
    const store = new InMemoryRateLimitStore();
    await store.increment('old', Date.now() - 2 * windowMs, windowMs);
    await store.increment('new', windowStart(), windowMs);
    expect(store.size).toBe(1);
  });
});
