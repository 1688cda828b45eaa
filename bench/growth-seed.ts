import { Client } from 'pg';

/** A canonical event as JSONB, built in SQL from the series number `g`. */
const EVENT_JSON = `jsonb_build_object(
  'eventId', 'seed-' || g, 'eventName', 'ui.page.viewed', 'eventVersion', 'v1',
  'occurredAt', now() - g * interval '50 milliseconds', 'memberId', g % 50000, 'anonymousId', null,
  'source', 'CLIENT', 'properties', jsonb_build_object('path', '/restaurants/' || (g % 5000), 'referrer', 'search'),
  'receivedAt', now() - g * interval '50 milliseconds')`;

/**
 * `rows` history rows in each table, as a pipeline that has run for a while leaves them: stored events, their
 * PUBLISHED source outbox rows and DISPATCHED POSTHOG dispatch rows (all younger than the retention period, so the
 * relay's retention keeps them), then VACUUM ANALYZE so the planner knows.
 */
export async function seedHistory(client: Client, rows: number): Promise<number> {
  const startedAt = performance.now();
  await client.query(
    `INSERT INTO user_activity_event
       (event_id, event_name, event_version, occurred_at, received_at, member_id, source, properties, created_at)
     SELECT 'seed-' || g, 'ui.page.viewed', 'v1', now() - g * interval '50 milliseconds',
            now() - g * interval '50 milliseconds', g % 50000, 'CLIENT',
            jsonb_build_object('path', '/restaurants/' || (g % 5000), 'referrer', 'search'),
            now() - g * interval '50 milliseconds'
     FROM generate_series(1, $1::int) AS g`,
    [rows],
  );
  await client.query(
    `INSERT INTO user_activity_source_outbox
       (event_id, event_name, event_version, occurred_at, member_id, payload, status, published_at, created_at,
        updated_at)
     SELECT 'seed-' || g, 'ui.page.viewed', 'v1', now() - g * interval '50 milliseconds', g % 50000, ${EVENT_JSON},
            'PUBLISHED', now() - g * interval '50 milliseconds', now() - g * interval '50 milliseconds',
            now() - g * interval '50 milliseconds'
     FROM generate_series(1, $1::int) AS g`,
    [rows],
  );
  await client.query(
    `INSERT INTO user_activity_dispatch_outbox
       (event_id, dispatch_target, payload, status, dispatched_at, created_at, updated_at)
     SELECT 'seed-' || g, 'POSTHOG', ${EVENT_JSON}, 'DISPATCHED', now() - g * interval '50 milliseconds',
            now() - g * interval '50 milliseconds', now() - g * interval '50 milliseconds'
     FROM generate_series(1, $1::int) AS g`,
    [rows],
  );
  await client.query('VACUUM ANALYZE user_activity_event, user_activity_source_outbox, user_activity_dispatch_outbox');
  return (performance.now() - startedAt) / 1000;
}
