import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@app/config';
import { IngestConfig } from '../ingest-api.config';
import { RateLimitStore } from './rate-limit.store';

/** One upsert per request, shared by every replica; past windows are deleted now and then by whoever passes. */
@Injectable()
export class PostgresRateLimitStore implements RateLimitStore {
  /** Rows younger than the longest window may still be counting; older ones are past. */
  private readonly longestWindowMs: number;
  private sweptAt = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
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
      await this.dataSource.query(`DELETE FROM ingest_rate_limit_window WHERE window_start < $1`, [
        new Date(now - this.longestWindowMs),
      ]);
    }
    const rows = await this.dataSource.query<{ request_count: number }[]>(
      `INSERT INTO ingest_rate_limit_window (rate_key, window_start, request_count) VALUES ($1, $2, 1)
       ON CONFLICT (rate_key, window_start)
       DO UPDATE SET request_count = ingest_rate_limit_window.request_count + 1
       RETURNING request_count`,
      [key, new Date(windowStart)],
    );
    return rows[0].request_count;
  }
}
