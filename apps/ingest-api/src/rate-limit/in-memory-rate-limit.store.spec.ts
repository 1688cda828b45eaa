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
    // A window that cannot end while the loop runs, however slow the machine: only the key limit may evict.
    const start = Date.now();
    const longWindowMs = 24 * 60 * 60_000;
    await store.increment('busy', start, longWindowMs);
    for (let i = 0; i < MAX_RATE_LIMIT_KEYS + 5_000; i++) {
      await store.increment(`caller-${i}`, start, longWindowMs);
      if (i % 1_000 === 0) {
        await store.increment('busy', start, longWindowMs);
      }
    }
    expect(store.size).toBe(MAX_RATE_LIMIT_KEYS);
    expect(await store.increment('caller-0', start, longWindowMs)).toBe(1);
    expect(await store.increment('busy', start, longWindowMs)).toBeGreaterThan(100);
  });

  it('drops windows that have ended', async () => {
    const store = new InMemoryRateLimitStore();
    await store.increment('old', Date.now() - 2 * windowMs, windowMs);
    await store.increment('new', windowStart(), windowMs);
    expect(store.size).toBe(1);
  });
});
