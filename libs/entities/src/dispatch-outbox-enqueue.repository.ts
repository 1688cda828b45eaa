import { Injectable } from '@nestjs/common';
import { CanonicalEvent } from './canonical-event';
import { DISPATCH_OUTBOX_CHANNEL } from './outbox-notifications.listener';
import { SqlExecutor } from './sql-executor';

/** How many dispatch rows one enqueue inserted for a target, and how many already existed. */
export interface DispatchEnqueueCount {
  target: string;
  inserted: number;
  duplicate: number;
}

/** Writes `user_activity_dispatch_outbox` rows (PENDING) for stored events, inside the store's transaction. */
@Injectable()
export class DispatchOutboxEnqueueRepository {
  /** One row per event and target in one statement, which also NOTIFYs the dispatchers; the event is the payload. */
  async enqueue(tx: SqlExecutor, events: CanonicalEvent[], targets: string[]): Promise<DispatchEnqueueCount[]> {
    if (events.length === 0 || targets.length === 0) {
      return [];
    }
    const rows = await tx.query<{ target: string; inserted: number }[]>(
      `WITH inserted AS (
         INSERT INTO user_activity_dispatch_outbox (event_id, dispatch_target, payload)
         SELECT e.event_id, t.target, e.payload
         FROM unnest($1::varchar[], $2::jsonb[]) AS e(event_id, payload)
         CROSS JOIN unnest($3::varchar[]) AS t(target)
         ON CONFLICT (event_id, dispatch_target) DO NOTHING
         RETURNING dispatch_target
       ), notified AS (
         SELECT pg_notify('${DISPATCH_OUTBOX_CHANNEL}', '') FROM (SELECT 1 FROM inserted LIMIT 1) AS any_row
       )
       SELECT dispatch_target AS target, count(*)::int AS inserted, (SELECT count(*) FROM notified) AS notified
       FROM inserted GROUP BY dispatch_target`,
      [events.map((event) => event.eventId), events.map((event) => JSON.stringify(event)), targets],
    );
    return targets.map((target) => {
      const inserted = rows.find((row) => row.target === target)?.inserted ?? 0;
      return { target, inserted, duplicate: events.length - inserted };
    });
  }
}
