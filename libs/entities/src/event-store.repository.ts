import { Injectable } from '@nestjs/common';
import { CanonicalEvent } from './canonical-event';
import { SqlExecutor } from './sql-executor';

/** The final store, `user_activity_event`: one row per event id, whatever the number of deliveries. */
@Injectable()
export class EventStoreRepository {
  /**
   * Inserts the events in one statement and returns the ids it inserted; an id already stored is skipped
   * (`ON CONFLICT DO NOTHING`, the idempotency of the whole pipeline). The ids must be distinct within the call.
   */
  async insertEvents(tx: SqlExecutor, events: CanonicalEvent[]): Promise<string[]> {
    if (events.length === 0) {
      return [];
    }
    const rows = await tx.query<{ event_id: string }[]>(
      `INSERT INTO user_activity_event
         (event_id, event_name, event_version, occurred_at, received_at, member_id, anonymous_id, source, properties)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::timestamptz[],
                            $6::bigint[], $7::varchar[], $8::varchar[], $9::jsonb[])
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id`,
      [
        events.map((event) => event.eventId),
        events.map((event) => event.eventName),
        events.map((event) => event.eventVersion),
        events.map((event) => event.occurredAt),
        events.map((event) => event.receivedAt),
        events.map((event) => event.memberId),
        events.map((event) => event.anonymousId),
        events.map((event) => event.source),
        events.map((event) => JSON.stringify(event.properties)),
      ],
    );
    return rows.map((row) => row.event_id);
  }
}
