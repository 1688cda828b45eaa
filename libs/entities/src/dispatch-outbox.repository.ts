import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DispatchOutboxStatus } from '@app/state-machines';
import { CLAIM_WITHOUT_BITMAP_SCAN } from './claim-plan';
import { estimateSent } from './sent-rows-estimate';
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

/** Row counts of one dispatch target, by status. */
export interface DispatchTargetCounts {
  target: string;
  pendingCount: number;
  /** An estimate (see `countsByTarget`). */
  dispatchedCount: number;
  failedCount: number;
  /** FAILED rows with no next_retry_at: left for an operator's replay. */
  parkedCount: number;
  /** The highest retry_count of a row of the target still PENDING or FAILED. */
  maxRetryCount: number;
  oldestPendingAt: string | null;
}

export interface FailedDispatchRow {
  id: string;
  status: DispatchOutboxStatus;
  parked: boolean;
}

interface CountsRow extends Omit<DispatchTargetCounts, 'oldestPendingAt' | 'dispatchedCount'> {
  oldestPendingAt: Date | null;
  liveRows: number;
}

/** DISPATCHED rows belong to targets a dispatcher sends to, and this version sends to one. */
const SENDING_TARGET: string = DispatchTargetName.Posthog;

// The retention batch: see SOURCE_OUTBOX_RETENTION_DELETE.
export const DISPATCH_OUTBOX_RETENTION_DELETE = `DELETE FROM user_activity_dispatch_outbox WHERE id = ANY(ARRAY(
      SELECT id FROM user_activity_dispatch_outbox
      WHERE status = 'DISPATCHED' AND dispatched_at < now() - $1 * interval '1 millisecond'
      ORDER BY dispatched_at LIMIT $2))`;

const CLAIM_COLUMNS = `id, event_id AS "eventId", payload, status, retry_count AS "retryCount"`;

/**
 * `user_activity_dispatch_outbox`: the dispatchers' claims and outcomes, and the operator's counts and re-queueing.
 */
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

  /**
   * The given targets and every target with waiting rows (found by skipping through the waiting rows' partial index,
   * one probe per target), each with exact counts of its waiting rows: ranges of the partial indexes, so the cost
   * follows the backlog, not the millions of rows kept for OUTBOX_RETENTION. Counting those exactly would read them
   * all; `dispatchedCount` is the table's live rows by the statistics minus the waiting rows (see `estimateSent`),
   * reported on the one target this version sends to. The highest retry count is the last entry of an index of the
   * target's FAILED rows: PENDING rows are never retried.
   */
  async countsByTarget(knownTargets: string[]): Promise<DispatchTargetCounts[]> {
    const withRows = await this.dataSource.query<{ target: string }[]>(
      `WITH RECURSIVE waiting AS (
         (SELECT dispatch_target AS target FROM user_activity_dispatch_outbox
          WHERE status IN ('PENDING', 'FAILED') ORDER BY dispatch_target LIMIT 1)
         UNION ALL
         SELECT (SELECT dispatch_target FROM user_activity_dispatch_outbox
                 WHERE status IN ('PENDING', 'FAILED') AND dispatch_target > waiting.target
                 ORDER BY dispatch_target LIMIT 1)
         FROM waiting WHERE waiting.target IS NOT NULL
       )
       SELECT target FROM waiting WHERE target IS NOT NULL`,
    );
    // A separate statement, planned for the actual list: planned for the recursive CTE's guess of 100 targets, the
    // counts look costly enough for the planner to JIT-compile them, which takes longer than counting.
    const targets = [...new Set([...knownTargets, ...withRows.map((row) => row.target)])].sort();
    const rows = await this.dataSource.query<CountsRow[]>(
      `SELECT target,
              (SELECT count(*) FROM user_activity_dispatch_outbox WHERE dispatch_target = target AND status = 'PENDING')::int
                AS "pendingCount",
              (SELECT count(*) FROM user_activity_dispatch_outbox WHERE dispatch_target = target AND status = 'FAILED')::int
                AS "failedCount",
              (SELECT count(*) FROM user_activity_dispatch_outbox
               WHERE dispatch_target = target AND status = 'FAILED' AND next_retry_at IS NULL)::int AS "parkedCount",
              (SELECT COALESCE(max(retry_count), 0) FROM user_activity_dispatch_outbox
               WHERE dispatch_target = target AND status = 'FAILED')::int AS "maxRetryCount",
              (SELECT created_at FROM user_activity_dispatch_outbox
               WHERE dispatch_target = target AND status = 'PENDING' ORDER BY id LIMIT 1) AS "oldestPendingAt",
              pg_stat_get_live_tuples('user_activity_dispatch_outbox'::regclass)::int AS "liveRows"
       FROM unnest($1::varchar[]) AS target
       ORDER BY target`,
      [targets],
    );
    const waiting = rows.reduce((sum, row) => sum + row.pendingCount + row.failedCount, 0);
    const sent = rows.length === 0 ? 0 : estimateSent(rows[0].liveRows, waiting);
    return rows.map(({ liveRows: _liveRows, ...row }) => ({
      ...row,
      dispatchedCount: row.target === SENDING_TARGET ? sent : 0,
      oldestPendingAt: row.oldestPendingAt?.toISOString() ?? null,
    }));
  }

  /** FAILED rows of one target (parked included), oldest first; SKIP LOCKED so a dispatcher's batch is left alone. */
  async claimFailed(tx: SqlExecutor, target: string, limit: number): Promise<FailedDispatchRow[]> {
    return tx.query<FailedDispatchRow[]>(
      `SELECT id, status, next_retry_at IS NULL AS parked
       FROM user_activity_dispatch_outbox
       WHERE dispatch_target = $1 AND status = 'FAILED'
       ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [target, limit],
    );
  }

  /** Makes rows due now; they stay FAILED with their retry count and last error until the dispatcher sends them. */
  async requeue(tx: SqlExecutor, ids: string[]): Promise<void> {
    if (ids.length === 0) {
      return;
    }
    await tx.query(
      `UPDATE user_activity_dispatch_outbox SET next_retry_at = clock_timestamp(), updated_at = clock_timestamp() WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }
}
