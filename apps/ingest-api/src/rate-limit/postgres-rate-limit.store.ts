import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@app/config';
import { IngestRateLimitWindowRepository } from '@app/entities';
import { IngestConfig } from '../ingest-api.config';
import { RateLimitStore } from './rate-limit.store';

/** One upsert per request, shared by every replica; past windows are deleted now and then by whoever passes. */
@Injectable()
export class PostgresRateLimitStore implements RateLimitStore {
  /** Rows younger than the longest window may still be counting; older ones are past. */
  private readonly longestWindowMs: number;
  private sweptAt = 0;

  constructor(
    private readonly windows: IngestRateLimitWindowRepository,
    @Inject(APP_CONFIG) config: IngestConfig,
  ) {
    this.longestWindowMs = Math.max(
      config.ANALYTICS_INGEST_RATE_LIMIT_WINDOW,
      config.ANALYTICS_INGEST_IP_RATE_LIMIT_WINDOW,
    );
  }

  async increment(key: string, windowStart: number): Promise<number> {
    const now = Date.now();
    if (now - this.sweptAt >= this.longestWindowMs) {
      this.sweptAt = now;
      await this.windows.deleteStartedBefore(new Date(now - this.longestWindowMs));
    }
    return this.windows.increment(key, new Date(windowStart));
  }
}
