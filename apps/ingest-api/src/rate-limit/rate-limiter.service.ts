import { Inject, Injectable } from '@nestjs/common';
import { RATE_LIMIT_STORE, RateLimitStore } from './rate-limit.store';

/** At most `maxRequests` per fixed window of `windowMs` per key. */
export interface RateLimitPolicy {
  maxRequests: number;
  windowMs: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** Fixed windows counted in the configured store (in memory per replica, or PostgreSQL shared by all). */
@Injectable()
export class RateLimiter {
  constructor(@Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore) {}

  async hit(key: string, policy: RateLimitPolicy, now = Date.now()): Promise<RateLimitDecision> {
    const { maxRequests: limit, windowMs } = policy;
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const count = await this.store.increment(key, windowStart, windowMs);
    return {
      allowed: count <= limit,
      limit,
      remaining: Math.max(0, limit - count),
      resetSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)),
    };
  }
}

export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(decision.resetSeconds),
  };
}
