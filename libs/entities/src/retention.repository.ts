import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DISPATCH_OUTBOX_RETENTION_DELETE } from './dispatch-outbox.repository';
import { MQ_TRACE_RETENTION_DELETE } from './mq-trace.repository';
import { SOURCE_OUTBOX_RETENTION_DELETE } from './source-outbox.repository';

const RETENTION_LOCK = 7_241_101;

// Each table's batch statement lives with the rest of that table's SQL.
const DELETES = {
  sourceOutbox: SOURCE_OUTBOX_RETENTION_DELETE,
  dispatchOutbox: DISPATCH_OUTBOX_RETENTION_DELETE,
  traces: MQ_TRACE_RETENTION_DELETE,
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
