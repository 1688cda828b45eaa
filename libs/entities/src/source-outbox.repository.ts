import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { SourceOutboxStatus } from '@app/state-machines';
import { CanonicalEvent } from './canonical-event';
import { CLAIM_WITHOUT_BITMAP_SCAN } from './claim-plan';
import { SOURCE_OUTBOX_CHANNEL } from './outbox-notifications.listener';
import { estimateSent } from './sent-rows-estimate';
import { SqlExecutor } from './sql-executor';

/** The statement was given up at its deadline; its connection was closed, so it cannot commit afterwards. */
export class StatementAbandonedError extends Error {
  constructor() {
    super('statement abandoned at its deadline; its connection was closed');
    this.name = StatementAbandonedError.name;
  }
}

export interface ClaimedSourceRow {
  id: string;
  eventId: string;
  eventName: string;
  payload: unknown;
  status: SourceOutboxStatus;
  retryCount: number;
  /**
   * The database clock when the row was claimed, as text (microseconds kept). The row committed before this, and the
   * publish comes after it, so the relay stamps `published_at` and its traces with it.
   */
  claimedAt: string;
}

/** A published row and when it was claimed. */
export interface SourcePublished {
  id: string;
  claimedAt: string;
}

export interface SourceFailure {
  id: string;
  error: string;
  /** null parks the row (FAILED with no next_retry_at) for an operator's replay. */
  retryDelayMs: number | null;
}

/** What the relay's gauges show: exact counts of the waiting rows, an estimate of the sent ones. */
export interface SourceOutboxBacklog {
  pendingCount: number;
  failedCount: number;
  /** Live rows by the table statistics minus the waiting rows: see `estimateSent`. */
  publishedCount: number;
  oldestPendingAt: string | null;
}

export interface SourceOutboxSummary extends SourceOutboxBacklog {
  parkedCount: number;
  /** The highest retry_count of a row still PENDING or FAILED. */
  maxRetryCount: number;
}

interface BacklogRow {
  pendingCount: number;
  failedCount: number;
  liveRows: number;
  oldestPendingAt: Date | null;
}

// Each count is a range of a partial index (PENDING, FAILED): their cost follows the backlog, not the sent rows.
const BACKLOG_COLUMNS = `
  (SELECT count(*) FROM user_activity_source_outbox WHERE status = 'PENDING')::int AS "pendingCount",
  (SELECT count(*) FROM user_activity_source_outbox WHERE status = 'FAILED')::int AS "failedCount",
  (SELECT created_at FROM user_activity_source_outbox WHERE status = 'PENDING' ORDER BY id LIMIT 1) AS "oldestPendingAt",
  pg_stat_get_live_tuples('user_activity_source_outbox'::regclass)::int AS "liveRows"`;

export const SOURCE_OUTBOX_BACKLOG_SQL = `SELECT ${BACKLOG_COLUMNS}`;

// The highest retry count is the last entry of an index of the FAILED rows: PENDING rows are never retried.
export const SOURCE_OUTBOX_SUMMARY_SQL = `SELECT ${BACKLOG_COLUMNS},
  (SELECT count(*) FROM user_activity_source_outbox WHERE status = 'FAILED' AND next_retry_at IS NULL)::int
    AS "parkedCount",
  (SELECT COALESCE(max(retry_count), 0) FROM user_activity_source_outbox WHERE status = 'FAILED')::int
    AS "maxRetryCount"`;

function toBacklog(row: BacklogRow): SourceOutboxBacklog {
  return {
    pendingCount: row.pendingCount,
    failedCount: row.failedCount,
    publishedCount: estimateSent(row.liveRows, row.pendingCount + row.failedCount),
    oldestPendingAt: row.oldestPendingAt ? row.oldestPendingAt.toISOString() : null,
  };
}

// Retention batches (RetentionRepository), oldest first by the column the cut-off is on: each batch, the last one
// included, is a range of that column's index (partial for the outboxes), never a walk of the table looking for rows
// old enough. `= ANY(ARRAY(…))` deletes the batch by primary key; with `IN (…)` the planner may hash the batch and
// scan the table for it. $1 is the retention in ms, $2 the batch size.
export const SOURCE_OUTBOX_RETENTION_DELETE = `DELETE FROM user_activity_source_outbox WHERE id = ANY(ARRAY(
      SELECT id FROM user_activity_source_outbox
      WHERE status = 'PUBLISHED' AND published_at < now() - $1 * interval '1 millisecond'
      ORDER BY published_at LIMIT $2))`;

// clock_timestamp(), not now(): now() is the start of the transaction, before rows that committed since then.
const CLAIM_COLUMNS = `id, event_id AS "eventId", event_name AS "eventName", payload, status, retry_count AS "retryCount",
  clock_timestamp()::text AS "claimedAt"`;

@Injectable()
export class SourceOutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One statement, so one transaction: inserts the events, skips known event ids, and NOTIFYs the relay. The
   * notification is delivered only when the statement commits. Returns the event ids that were inserted.
   *
   * A caller that answers "not stored" at `deadline` must not find the rows committed later, so the statement fails
   * (and rolls back) when PostgreSQL's clock is past `deadline` as it finishes, e.g. when it was held up on the way
   * and arrives late; and `abandon` closes its connection rather than returning it to the pool, where a statement
   * stuck on a stalled socket would block whoever took the connection next.
   */
  async insertEvents(
    events: CanonicalEvent[],
    payloads: string[],
    deadline: Date,
    abandon: AbortSignal,
  ): Promise<string[]> {
    const client = await this.pool().connect();
    if (abandon.aborted) {
      client.release();
      throw new StatementAbandonedError();
    }
    let released = false;
    const release = (error?: Error) => {
      if (!released) {
        released = true;
        client.release(error);
      }
    };
    const onAbandon = () => release(new StatementAbandonedError());
    abandon.addEventListener('abort', onAbandon, { once: true });
    try {
      const { rows } = await client.query<{ event_ids: string[] }>(
        `WITH inserted AS (
           INSERT INTO user_activity_source_outbox (event_id, event_name, event_version, occurred_at, member_id, payload)
           SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::bigint[], $6::jsonb[])
           ON CONFLICT (event_id) DO NOTHING
           RETURNING event_id
         ), notified AS (
           SELECT pg_notify('${SOURCE_OUTBOX_CHANNEL}', '') FROM (SELECT 1 FROM inserted LIMIT 1) AS any_row
         ), outcome AS (
           SELECT coalesce(array_agg(event_id), '{}') AS event_ids, (SELECT count(*) FROM notified) AS notified
           FROM inserted
         )
         -- Evaluated after every insert; plain SQL raises an error (rolling the statement back) only by a bad cast.
         SELECT event_ids,
                CASE WHEN clock_timestamp() <= $7::timestamptz THEN notified
                     ELSE ('source outbox commit deadline passed at ' || clock_timestamp())::bigint END AS notified
         FROM outcome`,
        [
          events.map((event) => event.eventId),
          events.map((event) => event.eventName),
          events.map((event) => event.eventVersion),
          events.map((event) => event.occurredAt),
          events.map((event) => event.memberId),
          payloads,
          deadline,
        ],
      );
      release();
      return rows[0].event_ids;
    } catch (error) {
      if (abandon.aborted) {
        throw new StatementAbandonedError();
      }
      // A failed statement may leave the connection in an unknown state (a read timeout leaves it busy): close it.
      release(error as Error);
      throw error;
    } finally {
      abandon.removeEventListener('abort', onAbandon);
    }
  }

  private pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  /**
   * Up to `limit` due rows, returned in id order: FAILED rows whose retry time has come (longest overdue first), then
   * PENDING rows, oldest first. Each part is a range of its own partial index, and a CTE runs only as far as the outer
   * LIMIT reads it, so a claim reads and locks about the rows it returns however many rows were sent or wait out their
   * backoff. SKIP LOCKED so relay replicas and admin replays never take the same row.
   */
  async claimDue(tx: SqlExecutor, limit: number): Promise<ClaimedSourceRow[]> {
    await tx.query(CLAIM_WITHOUT_BITMAP_SCAN);
    return tx.query<ClaimedSourceRow[]>(
      `WITH due_failed AS MATERIALIZED (
         SELECT ${CLAIM_COLUMNS} FROM user_activity_source_outbox
         WHERE status = 'FAILED' AND next_retry_at <= now()
         ORDER BY next_retry_at, id LIMIT $1 FOR UPDATE SKIP LOCKED
       ), pending AS MATERIALIZED (
         SELECT ${CLAIM_COLUMNS} FROM user_activity_source_outbox
         WHERE status = 'PENDING'
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
       )
       SELECT * FROM (SELECT * FROM due_failed UNION ALL SELECT * FROM pending LIMIT $1) AS claimed ORDER BY id`,
      [limit],
    );
  }

  /** What an operator's replay takes: FAILED rows (parked included) and PENDING rows older than `pendingMinAgeMs`. */
  async claimForReplay(tx: SqlExecutor, limit: number, pendingMinAgeMs: number): Promise<ClaimedSourceRow[]> {
    return tx.query<ClaimedSourceRow[]>(
      `SELECT ${CLAIM_COLUMNS} FROM user_activity_source_outbox
       WHERE status = 'FAILED' OR (status = 'PENDING' AND created_at <= now() - $2 * interval '1 millisecond')
       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit, pendingMinAgeMs],
    );
  }

  async markPublished(tx: SqlExecutor, rows: SourcePublished[]): Promise<void> {
    if (rows.length === 0) {
      return;
    }
    await tx.query(
      `UPDATE user_activity_source_outbox AS o
       SET status = 'PUBLISHED', published_at = p.claimed_at, last_error = NULL, next_retry_at = NULL,
           updated_at = clock_timestamp()
       FROM unnest($1::bigint[], $2::timestamptz[]) AS p(id, claimed_at)
       WHERE o.id = p.id`,
      [rows.map((row) => row.id), rows.map((row) => row.claimedAt)],
    );
  }

  async markFailed(tx: SqlExecutor, failures: SourceFailure[]): Promise<void> {
    if (failures.length === 0) {
      return;
    }
    await tx.query(
      `UPDATE user_activity_source_outbox AS o
       SET status = 'FAILED', retry_count = o.retry_count + 1, last_error = f.last_error, updated_at = clock_timestamp(),
           next_retry_at = CASE WHEN f.delay_ms IS NULL THEN NULL ELSE clock_timestamp() + f.delay_ms * interval '1 millisecond' END
       FROM unnest($1::bigint[], $2::varchar[], $3::bigint[]) AS f(id, last_error, delay_ms)
       WHERE o.id = f.id`,
      [failures.map((f) => f.id), failures.map((f) => f.error.slice(0, 1000)), failures.map((f) => f.retryDelayMs)],
    );
  }

  /** The gauges' numbers: the waiting rows counted, the sent ones estimated. */
  async backlog(): Promise<SourceOutboxBacklog> {
    const [row] = await this.dataSource.query<BacklogRow[]>(SOURCE_OUTBOX_BACKLOG_SQL);
    return toBacklog(row);
  }

  /** The operator's summary (runbook §5-1): the backlog plus parked rows and the highest retry count waiting. */
  async summary(): Promise<SourceOutboxSummary> {
    const [row] =
      await this.dataSource.query<(BacklogRow & { parkedCount: number; maxRetryCount: number })[]>(
        SOURCE_OUTBOX_SUMMARY_SQL,
      );
    return { ...toBacklog(row), parkedCount: row.parkedCount, maxRetryCount: row.maxRetryCount };
  }
}
