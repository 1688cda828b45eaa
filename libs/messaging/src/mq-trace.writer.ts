import { Injectable } from '@nestjs/common';
import { MqTrace, SqlExecutor } from '@app/entities';

export type { MqTrace };

/** At most `max` characters as VARCHAR(n) counts them (code points): `slice` would cut a 64-emoji event id short. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : [...text].slice(0, max).join('');
}

/** Writes MQ trace rows in one statement, inside the caller's transaction. */
@Injectable()
export class MqTraceWriter {
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
}
