import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MqTrace, TraceStage } from './message-queue-trace.entity';
import { SqlExecutor } from './sql-executor';

/** One row of `message_queue_trace_log` as the admin API shows it (runbook §5-3). */
export interface MqTraceView extends MqTrace {
  id: number;
  createdAt: string;
}

interface TraceRow {
  id: string;
  messageId: string;
  topic: string;
  provider: string;
  messageKey: string | null;
  consumerGroup: string | null;
  stage: TraceStage;
  processingMillis: string | null;
  errorMessage: string | null;
  createdAt: Date;
}

/** Re-drives of every admin-api replica run one at a time (pg_advisory_xact_lock key; 'DLQ' in ASCII). */
const REDRIVE_LOCK_KEY = 0x444c51;

// The retention batch: see SOURCE_OUTBOX_RETENTION_DELETE.
export const MQ_TRACE_RETENTION_DELETE = `DELETE FROM message_queue_trace_log WHERE id = ANY(ARRAY(
      SELECT id FROM message_queue_trace_log WHERE created_at < now() - $1 * interval '1 millisecond'
      ORDER BY created_at LIMIT $2))`;

const TRACE_COLUMNS = `id, message_id AS "messageId", topic, provider, message_key AS "messageKey",
  consumer_group AS "consumerGroup", stage, processing_millis AS "processingMillis",
  error_message AS "errorMessage", created_at AS "createdAt"`;

/** At most `max` characters as VARCHAR(n) counts them (code points): `slice` would cut a 64-emoji event id short. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : [...text].slice(0, max).join('');
}

function toView(row: TraceRow): MqTraceView {
  return {
    ...row,
    id: Number(row.id),
    processingMillis: row.processingMillis === null ? null : Number(row.processingMillis),
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * `message_queue_trace_log`: written in one statement inside the caller's transaction; both reads walk an index
 * backwards (message_id, id DESC) or the primary key.
 */
@Injectable()
export class MqTraceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Writes the trace rows in one statement, inside the caller's transaction. */
  /**
   * Waits for any other re-drive of the dead-letter queue to commit, then holds the lock until `tx` ends; returns the
   * database time the PUBLISH traces of the moved messages carry.
   */
  async lockRedrive(tx: SqlExecutor): Promise<string> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [REDRIVE_LOCK_KEY]);
    const [{ movedAt }] = await tx.query<{ movedAt: string }[]>(`SELECT clock_timestamp()::text AS "movedAt"`);
    return movedAt;
  }

  async write(tx: SqlExecutor, traces: MqTrace[]): Promise<void> {
    if (traces.length === 0) {
      return;
    }
    await tx.query(
      `INSERT INTO message_queue_trace_log
         (message_id, topic, provider, message_key, consumer_group, stage, processing_millis, error_message, created_at)
       SELECT t.message_id, t.topic, t.provider, t.message_key, t.consumer_group, t.stage, t.processing_millis,
              t.error_message, COALESCE(t.created_at, clock_timestamp())
       FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[],
                   $7::bigint[], $8::varchar[], $9::timestamptz[])
         AS t(message_id, topic, provider, message_key, consumer_group, stage, processing_millis, error_message,
              created_at)`,
      [
        traces.map((t) => clip(t.messageId, 100)),
        traces.map((t) => t.topic),
        traces.map((t) => t.provider),
        traces.map((t) => (t.messageKey === null ? null : clip(t.messageKey, 200)) ?? null),
        traces.map((t) => t.consumerGroup),
        traces.map((t) => t.stage),
        traces.map((t) => t.processingMillis),
        traces.map((t) => (t.errorMessage === null ? null : clip(t.errorMessage, 1000)) ?? null),
        traces.map((t) => t.createdAt ?? null),
      ],
    );
  }

  /**
   * The newest traces, of one message when `messageId` is given, else of all messages. By stage time, not by id: a
   * consumer can write its CONSUME_SUCCESS before the publisher's transaction writes the PUBLISH it follows.
   */
  async newest(messageId: string | null, limit: number): Promise<MqTraceView[]> {
    const rows =
      messageId === null
        ? await this.dataSource.query<TraceRow[]>(
            `SELECT ${TRACE_COLUMNS} FROM message_queue_trace_log ORDER BY created_at DESC, id DESC LIMIT $1`,
            [limit],
          )
        : await this.dataSource.query<TraceRow[]>(
            `SELECT ${TRACE_COLUMNS} FROM message_queue_trace_log WHERE message_id = $1
             ORDER BY created_at DESC, id DESC LIMIT $2`,
            [messageId, limit],
          );
    return rows.map(toView);
  }

  /** The error of the newest DEAD_LETTER trace of each message that has one: why the consumer dead-lettered it. */
  async deadLetterCauses(messageIds: string[]): Promise<Map<string, string | null>> {
    if (messageIds.length === 0) {
      return new Map();
    }
    const rows = await this.dataSource.query<{ messageId: string; errorMessage: string | null }[]>(
      `SELECT DISTINCT ON (message_id) message_id AS "messageId", error_message AS "errorMessage"
       FROM message_queue_trace_log WHERE message_id = ANY($1::varchar[]) AND stage = $2
       ORDER BY message_id, id DESC`,
      [messageIds, TraceStage.DeadLetter],
    );
    return new Map(rows.map((row) => [row.messageId, row.errorMessage]));
  }
}
