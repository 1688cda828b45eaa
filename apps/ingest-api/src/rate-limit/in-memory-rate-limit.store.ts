import { Injectable } from '@nestjs/common';
import { RateLimitStore } from './rate-limit.store';

@Injectable()
export class InMemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { windowStart: number; count: number }>();
  private sweptAt = 0;

  async increment(key: string, windowStart: number, windowMs: number): Promise<number> {
    this.sweep(windowStart, windowMs);
    const current = this.windows.get(key);
    if (current?.windowStart === windowStart) {
      current.count += 1;
      return current.count;
    }
    this.windows.set(key, { windowStart, count: 1 });
    return 1;
  }

  /** Drops past windows once per window so memory follows the number of active keys. */
  private sweep(windowStart: number, windowMs: number): void {
    if (windowStart - this.sweptAt < windowMs) {
      return;
    }
    this.sweptAt = windowStart;
    for (const [key, window] of this.windows) {
      if (window.windowStart < windowStart) {
        this.windows.delete(key);
      }
    }
  }
}
