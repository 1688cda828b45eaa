import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** `ingest_rate_limit_window`: the request count of each rate key in each fixed window, shared by every replica. */
@Injectable()
export class IngestRateLimitWindowRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Counts one request in the window of `key` starting at `windowStart`; one upsert, so concurrent replicas add up. */
  async increment(key: string, windowStart: Date): Promise<number> {
    const rows = await this.dataSource.query<{ request_count: number }[]>(
      `INSERT INTO ingest_rate_limit_window (rate_key, window_start, request_count) VALUES ($1, $2, 1)
       ON CONFLICT (rate_key, window_start)
       DO UPDATE SET request_count = ingest_rate_limit_window.request_count + 1
       RETURNING request_count`,
      [key, windowStart],
    );
    return rows[0].request_count;
  }

  /** Deletes the windows that started before `before`. */
  async deleteStartedBefore(before: Date): Promise<void> {
    await this.dataSource.query(`DELETE FROM ingest_rate_limit_window WHERE window_start < $1`, [before]);
  }
}
