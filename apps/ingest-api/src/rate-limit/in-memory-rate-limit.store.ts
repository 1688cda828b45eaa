import { Injectable } from '@nestjs/common';
import { RateLimitStore } from './rate-limit.store';

/** Keys kept at most; past it the least recently seen key is forgotten (its caller starts a fresh window). */
export const MAX_RATE_LIMIT_KEYS = 100_000;

interface Window {
  windowStart: number;
  windowEnd: number;
  count: number;
}

/**
 * Per-replica counts. The map is kept in order of last use, so expired windows and, past MAX_RATE_LIMIT_KEYS, the
 * least recently seen keys are dropped from its front: memory stays bounded however many callers there are.
 */
@Injectable()
export class InMemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, Window>();

  get size(): number {
    return this.windows.size;
  }

  async increment(key: string, windowStart: number, windowMs: number): Promise<number> {
    const current = this.windows.get(key);
    this.windows.delete(key);
    const window =
      current?.windowStart === windowStart ? current : { windowStart, windowEnd: windowStart + windowMs, count: 0 };
    window.count += 1;
    this.windows.set(key, window);
    this.evict(Date.now());
    return window.count;
  }

  private evict(now: number): void {
    for (const [key, window] of this.windows) {
      if (this.windows.size <= MAX_RATE_LIMIT_KEYS && window.windowEnd > now) {
        return;
      }
      this.windows.delete(key);
    }
  }
}
