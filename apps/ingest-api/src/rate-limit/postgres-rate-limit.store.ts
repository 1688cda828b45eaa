import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RateLimitStore } from './rate-limit.store';

/** One upsert per request, shared by every replica; past windows are deleted now and then by whoever passes. */
@Injectable()
export class PostgresRateLimitStore implements RateLimitStore {
  private sweptWindow = 0;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async increment(key: string, windowStart: number, windowMs: number): Promise<number> {
    if (windowStart !== this.sweptWindow) {
      this.sweptWindow = windowStart;
      await this.dataSource.query(`DELETE FROM ingest_rate_limit_window WHERE window_start < $1`, [
        new Date(windowStart - windowMs),
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
