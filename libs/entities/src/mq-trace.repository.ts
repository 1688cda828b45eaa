import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MqTrace, TraceStage } from './message-queue-trace.entity';

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

const TRACE_COLUMNS = `id, message_id AS "messageId", topic, provider, message_key AS "messageKey",
  consumer_group AS "consumerGroup", stage, processing_millis AS "processingMillis",
  error_message AS "errorMessage", created_at AS "createdAt"`;

function toView(row: TraceRow): MqTraceView {
  return {
    ...row,
    id: Number(row.id),
    processingMillis: row.processingMillis === null ? null : Number(row.processingMillis),
    createdAt: row.createdAt.toISOString(),
  };
}

/** Reads `message_queue_trace_log`; both queries walk an index backwards (message_id, id DESC) or the primary key. */
@Injectable()
export class MqTraceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

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
