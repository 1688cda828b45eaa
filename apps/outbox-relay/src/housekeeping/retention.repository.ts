import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

const RETENTION_LOCK = 7_241_101;

// Oldest first by the column the cut-off is on: each batch, the last one included, is a range of that column's index
// (partial for the outboxes), never a walk of the table looking for rows old enough. `= ANY(ARRAY(…))` deletes the
// batch by primary key; with `IN (…)` the planner may hash the batch and scan the table for it.
const DELETES = {
  sourceOutbox: `DELETE FROM user_activity_source_outbox WHERE id = ANY(ARRAY(
      SELECT id FROM user_activity_source_outbox
      WHERE status = 'PUBLISHED' AND published_at < now() - $1 * interval '1 millisecond'
      ORDER BY published_at LIMIT $2))`,
  dispatchOutbox: `DELETE FROM user_activity_dispatch_outbox WHERE id = ANY(ARRAY(
      SELECT id FROM user_activity_dispatch_outbox
      WHERE status = 'DISPATCHED' AND dispatched_at < now() - $1 * interval '1 millisecond'
      ORDER BY dispatched_at LIMIT $2))`,
  traces: `DELETE FROM message_queue_trace_log WHERE id = ANY(ARRAY(
      SELECT id FROM message_queue_trace_log WHERE created_at < now() - $1 * interval '1 millisecond'
      ORDER BY created_at LIMIT $2))`,
} as const;

/** The statement of one retention batch ($1 retention in ms, $2 batch size), exported for the plan tests. */
export function retentionDelete(table: RetentionTable): string {
  return DELETES[table];
}

export type RetentionTable = keyof typeof DELETES;

/** Deletes old PUBLISHED / DISPATCHED / trace rows in small batches; FAILED and PENDING rows are never deleted. */
@Injectable()
export class RetentionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One batch in its own short transaction, only while this replica holds the retention advisory lock
   * (so one replica at a time does the work). Returns the rows deleted, or null when another replica has the lock.
   */
  async deleteBatch(table: RetentionTable, retentionMs: number, limit: number): Promise<number | null> {
    return this.dataSource.transaction(async (tx) => {
      const [{ locked }] = await tx.query<{ locked: boolean }[]>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
        RETENTION_LOCK,
      ]);
      if (!locked) {
        return null;
      }
      const [{ deleted }] = await tx.query<{ deleted: number }[]>(
        `WITH deleted AS (${DELETES[table]} RETURNING 1) SELECT count(*)::int AS deleted FROM deleted`,
        [retentionMs, limit],
      );
      return deleted;
    });
  }
}
