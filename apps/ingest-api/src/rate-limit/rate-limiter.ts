import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, IngestConfig } from '@app/config';
import { RATE_LIMIT_STORE, RateLimitStore } from './rate-limit.store';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** Fixed window of ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS per ANALYTICS_INGEST_RATE_LIMIT_WINDOW per caller key. */
@Injectable()
export class RateLimiter {
  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
  ) {}

  async hit(key: string, now = Date.now()): Promise<RateLimitDecision> {
    const windowMs = this.config.ANALYTICS_INGEST_RATE_LIMIT_WINDOW;
    const limit = this.config.ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS;
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
