import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DispatchOutboxStatus } from '@app/state-machines';
import { CLAIM_WITHOUT_BITMAP_SCAN } from './claim-plan';
import { SqlExecutor } from './sql-executor';

/** Values of `user_activity_dispatch_outbox.dispatch_target`. */
export enum DispatchTargetName {
  Posthog = 'POSTHOG',
}

export interface ClaimedDispatchRow {
  id: string;
  eventId: string;
  payload: unknown;
  status: DispatchOutboxStatus;
  retryCount: number;
}

export interface DispatchFailure {
  id: string;
  error: string;
  /** null parks the row (FAILED with no next_retry_at): the loop leaves it for an operator's replay. */
  retryDelayMs: number | null;
}

export interface DispatchBacklog {
  target: string;
  pendingCount: number;
  failedCount: number;
}

// The retention batch: see SOURCE_OUTBOX_RETENTION_DELETE.
export const DISPATCH_OUTBOX_RETENTION_DELETE = `DELETE FROM user_activity_dispatch_outbox WHERE id = ANY(ARRAY(
      SELECT id FROM user_activity_dispatch_outbox
      WHERE status = 'DISPATCHED' AND dispatched_at < now() - $1 * interval '1 millisecond'
      ORDER BY dispatched_at LIMIT $2))`;

const CLAIM_COLUMNS = `id, event_id AS "eventId", payload, status, retry_count AS "retryCount"`;

@Injectable()
export class DispatchOutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Up to `limit` due rows of one target, returned in id order: FAILED rows whose retry time has come (longest overdue
   * first), then PENDING rows, oldest first; two ranges of partial indexes, read only as far as the LIMIT needs (see
   * the source outbox's claim). SKIP LOCKED so dispatcher replicas never take the same row.
   */
  async claimDue(tx: SqlExecutor, target: string, limit: number): Promise<ClaimedDispatchRow[]> {
    await tx.query(CLAIM_WITHOUT_BITMAP_SCAN);
    return tx.query<ClaimedDispatchRow[]>(
      `WITH due_failed AS MATERIALIZED (
         SELECT ${CLAIM_COLUMNS} FROM user_activity_dispatch_outbox
         WHERE dispatch_target = $1 AND status = 'FAILED' AND next_retry_at <= now()
         ORDER BY next_retry_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
       ), pending AS MATERIALIZED (
         SELECT ${CLAIM_COLUMNS} FROM user_activity_dispatch_outbox
         WHERE dispatch_target = $1 AND status = 'PENDING'
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       SELECT * FROM (SELECT * FROM due_failed UNION ALL SELECT * FROM pending LIMIT $2) AS claimed ORDER BY id`,
      [target, limit],
    );
  }

  async markDispatched(tx: SqlExecutor, ids: string[]): Promise<void> {
    if (ids.length === 0) {
      return;
    }
    await tx.query(
      `UPDATE user_activity_dispatch_outbox
       SET status = 'DISPATCHED', dispatched_at = clock_timestamp(), last_error = NULL, next_retry_at = NULL,
           updated_at = clock_timestamp()
       WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }

  async markFailed(tx: SqlExecutor, failures: DispatchFailure[]): Promise<void> {
    if (failures.length === 0) {
      return;
    }
    await tx.query(
      `UPDATE user_activity_dispatch_outbox AS o
       SET status = 'FAILED', retry_count = o.retry_count + 1, last_error = f.last_error, updated_at = clock_timestamp(),
           next_retry_at = CASE WHEN f.delay_ms IS NULL THEN NULL ELSE clock_timestamp() + f.delay_ms * interval '1 millisecond' END
       FROM unnest($1::bigint[], $2::varchar[], $3::bigint[]) AS f(id, last_error, delay_ms)
       WHERE o.id = f.id`,
      [failures.map((f) => f.id), failures.map((f) => f.error.slice(0, 1000)), failures.map((f) => f.retryDelayMs)],
    );
  }

  /** PENDING and FAILED counts of each target: ranges of the partial indexes, so they cost what the backlog holds. */
  async backlog(targets: string[]): Promise<DispatchBacklog[]> {
    return this.dataSource.query<DispatchBacklog[]>(
      `SELECT target,
              (SELECT count(*) FROM user_activity_dispatch_outbox WHERE dispatch_target = target AND status = 'PENDING')::int
                AS "pendingCount",
              (SELECT count(*) FROM user_activity_dispatch_outbox WHERE dispatch_target = target AND status = 'FAILED')::int
                AS "failedCount"
       FROM unnest($1::varchar[]) AS target`,
      [targets],
    );
  }
}
