import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DispatchOutboxStatus } from '@app/state-machines';
import { SqlExecutor } from './sql-executor';

/** Row counts of one dispatch target, by status. */
export interface DispatchTargetCounts {
  target: string;
  pendingCount: number;
  dispatchedCount: number;
  failedCount: number;
  /** FAILED rows with no next_retry_at: left for an operator's replay. */
  parkedCount: number;
  maxRetryCount: number;
  oldestPendingAt: string | null;
}

export interface FailedDispatchRow {
  id: string;
  status: DispatchOutboxStatus;
  parked: boolean;
}

interface CountsRow extends Omit<DispatchTargetCounts, 'oldestPendingAt'> {
  oldestPendingAt: Date | null;
}

/** The operator's view of `user_activity_dispatch_outbox`: counts per target and re-queueing FAILED rows. */
@Injectable()
export class DispatchOutboxAdminRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async countsByTarget(): Promise<DispatchTargetCounts[]> {
    const rows = await this.dataSource.query<CountsRow[]>(
      `SELECT dispatch_target AS target,
              count(*) FILTER (WHERE status = 'PENDING')::int AS "pendingCount",
              count(*) FILTER (WHERE status = 'DISPATCHED')::int AS "dispatchedCount",
              count(*) FILTER (WHERE status = 'FAILED')::int AS "failedCount",
              count(*) FILTER (WHERE status = 'FAILED' AND next_retry_at IS NULL)::int AS "parkedCount",
              COALESCE(max(retry_count), 0)::int AS "maxRetryCount",
              min(created_at) FILTER (WHERE status = 'PENDING') AS "oldestPendingAt"
       FROM user_activity_dispatch_outbox
       GROUP BY dispatch_target
       ORDER BY dispatch_target`,
    );
    return rows.map((row) => ({ ...row, oldestPendingAt: row.oldestPendingAt?.toISOString() ?? null }));
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
