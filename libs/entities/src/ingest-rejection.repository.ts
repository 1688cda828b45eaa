import { Injectable } from '@nestjs/common';
import { IngestRejectionKind, IngestRejectionReason } from './ingest-policy';
import { SqlExecutor } from './sql-executor';

/** What one replica counted for one minute, reason, kind and key since its last flush. */
export interface IngestRejectionTally {
  bucketStart: Date;
  reason: IngestRejectionReason;
  kind: IngestRejectionKind;
  key: string;
  count: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface IngestRejectionTop {
  reason: IngestRejectionReason;
  key: string;
  count: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

interface TopRow {
  reason: IngestRejectionReason;
  rejected_key: string;
  total: string;
  first_seen_at: Date;
  last_seen_at: Date;
}

/** `ingest_rejection`: refused ingest requests by minute, added up across replicas. */
@Injectable()
export class IngestRejectionRepository {
  /** Adds a flush to the table: one statement for the whole batch, an upsert per (minute, reason, kind, key). */
  async add(executor: SqlExecutor, tallies: IngestRejectionTally[]): Promise<void> {
    if (tallies.length === 0) {
      return;
    }
    await executor.query(
      `INSERT INTO ingest_rejection AS r
         (bucket_start, reason, kind, rejected_key, rejection_count, first_seen_at, last_seen_at)
       SELECT * FROM unnest($1::timestamptz[], $2::varchar[], $3::varchar[], $4::varchar[], $5::bigint[],
                            $6::timestamptz[], $7::timestamptz[])
       ON CONFLICT (bucket_start, reason, kind, rejected_key) DO UPDATE
       SET rejection_count = r.rejection_count + EXCLUDED.rejection_count,
           first_seen_at = LEAST(r.first_seen_at, EXCLUDED.first_seen_at),
           last_seen_at = GREATEST(r.last_seen_at, EXCLUDED.last_seen_at)`,
      [
        tallies.map((t) => t.bucketStart),
        tallies.map((t) => t.reason),
        tallies.map((t) => t.kind),
        tallies.map((t) => t.key.slice(0, 200)),
        tallies.map((t) => t.count),
        tallies.map((t) => t.firstSeenAt),
        tallies.map((t) => t.lastSeenAt),
      ],
    );
  }

  /** Deletes the minutes older than `retentionMs`: a range at the start of the primary key. */
  async prune(executor: SqlExecutor, retentionMs: number): Promise<void> {
    await executor.query(
      `DELETE FROM ingest_rejection WHERE bucket_start < clock_timestamp() - $1::float8 * interval '1 millisecond'`,
      [retentionMs],
    );
  }

  /** The keys of one kind refused most since `since` (by whole minutes), optionally of one reason only. */
  async top(
    executor: SqlExecutor,
    kind: IngestRejectionKind,
    reason: IngestRejectionReason | null,
    since: Date,
    limit: number,
  ): Promise<IngestRejectionTop[]> {
    const rows = await executor.query<TopRow[]>(
      `SELECT reason, rejected_key, SUM(rejection_count)::text AS total,
              MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
       FROM ingest_rejection
       WHERE bucket_start >= date_trunc('minute', $1::timestamptz) AND kind = $2 AND ($3::varchar IS NULL OR reason = $3)
         AND last_seen_at >= $1::timestamptz
       GROUP BY reason, rejected_key
       ORDER BY SUM(rejection_count) DESC, MAX(last_seen_at) DESC
       LIMIT $4`,
      [since, kind, reason, limit],
    );
    return rows.map((row) => ({
      reason: row.reason,
      key: row.rejected_key,
      count: Number(row.total),
      firstSeenAt: row.first_seen_at,
      lastSeenAt: row.last_seen_at,
    }));
  }
}
