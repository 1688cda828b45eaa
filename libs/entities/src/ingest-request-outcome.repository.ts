import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Requests (and, for accepted ones, new events) of one outcome, as one replica counted them since its last flush. */
export interface IngestOutcomeTally {
  result: string;
  requests: number;
  events: number;
}

/** How long the buckets are kept: as long as the MQ traces by default, so an incident window has both. */
export const INGEST_OUTCOME_RETENTION_DAYS = 7;

/** `ingest_request_outcome`: each replica adds its tallies to the current 10-second bucket of the database clock. */
@Injectable()
export class IngestRequestOutcomeRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One statement for every outcome of the flush; concurrent replicas add up through the upsert. */
  async add(tallies: IngestOutcomeTally[]): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ingest_request_outcome AS o (bucket_start, result, request_count, event_count)
       SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) / 10) * 10), t.result, t.requests, t.events
       FROM unnest($1::varchar[], $2::bigint[], $3::bigint[]) AS t(result, requests, events)
       ON CONFLICT (bucket_start, result) DO UPDATE
       SET request_count = o.request_count + EXCLUDED.request_count, event_count = o.event_count + EXCLUDED.event_count`,
      [tallies.map((t) => t.result), tallies.map((t) => t.requests), tallies.map((t) => t.events)],
    );
  }

  /** Drops buckets past the retention; a few hundred rows an hour, read from the front of the primary key. */
  async deleteExpired(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM ingest_request_outcome WHERE bucket_start < now() - $1::int * interval '1 day'`,
      [INGEST_OUTCOME_RETENTION_DAYS],
    );
  }
}
