import { Client } from 'pg';

/** A canonical event as JSONB, built in SQL from the series number `g` and the event id `id`. */
const eventJson = (id: string) => `jsonb_build_object(
  'eventId', ${id}, 'eventName', 'ui.page.viewed', 'eventVersion', 'v1',
  'occurredAt', now() - g * interval '50 milliseconds', 'memberId', g % 50000, 'anonymousId', null,
  'source', 'CLIENT', 'properties', jsonb_build_object('path', '/restaurants/' || (g % 5000), 'referrer', 'search'),
  'receivedAt', now() - g * interval '50 milliseconds')`;

/** Rows of history, one every 50 ms back from now: 10,000,000 of them span under six days. */
const HISTORY: Record<string, string> = {
  user_activity_event: `INSERT INTO user_activity_event
       (event_id, event_name, event_version, occurred_at, received_at, member_id, source, properties, created_at)
     SELECT 'seed-' || g, 'ui.page.viewed', 'v1', now() - g * interval '50 milliseconds',
            now() - g * interval '50 milliseconds', g % 50000, 'CLIENT',
            jsonb_build_object('path', '/restaurants/' || (g % 5000), 'referrer', 'search'),
            now() - g * interval '50 milliseconds'
     FROM generate_series(1, $1::int) AS g`,
  user_activity_source_outbox: `INSERT INTO user_activity_source_outbox
       (event_id, event_name, event_version, occurred_at, member_id, payload, status, published_at, created_at,
        updated_at)
     SELECT 'seed-' || g, 'ui.page.viewed', 'v1', now() - g * interval '50 milliseconds', g % 50000,
            ${eventJson(`'seed-' || g`)}, 'PUBLISHED', now() - g * interval '50 milliseconds',
            now() - g * interval '50 milliseconds', now() - g * interval '50 milliseconds'
     FROM generate_series(1, $1::int) AS g`,
  user_activity_dispatch_outbox: `INSERT INTO user_activity_dispatch_outbox
       (event_id, dispatch_target, payload, status, dispatched_at, created_at, updated_at)
     SELECT 'seed-' || g, 'POSTHOG', ${eventJson(`'seed-' || g`)}, 'DISPATCHED', now() - g * interval '50 milliseconds',
            now() - g * interval '50 milliseconds', now() - g * interval '50 milliseconds'
     FROM generate_series(1, $1::int) AS g`,
};

/**
 * FAILED rows left by an outage, waiting out a backoff that outlasts the run (their events, for the dispatch rows,
 * are taken to be stored long ago).
 */
const STALLED: Record<string, string> = {
  user_activity_source_outbox: `INSERT INTO user_activity_source_outbox
       (event_id, event_name, event_version, occurred_at, member_id, payload, status, retry_count, next_retry_at,
        last_error, created_at, updated_at)
     SELECT 'stalled-' || g, 'ui.page.viewed', 'v1', now() - g * interval '1 millisecond', g % 50000,
            ${eventJson(`'stalled-' || g`)}, 'FAILED', 6, now() + interval '1 day' + g * interval '1 millisecond',
            'broker unavailable', now() - interval '10 minutes', now() - interval '5 minutes'
     FROM generate_series(1, $1::int) AS g`,
  user_activity_dispatch_outbox: `INSERT INTO user_activity_dispatch_outbox
       (event_id, dispatch_target, payload, status, retry_count, next_retry_at, last_error, created_at, updated_at)
     SELECT 'stalled-' || g, 'POSTHOG', ${eventJson(`'stalled-' || g`)}, 'FAILED', 6,
            now() + interval '1 day' + g * interval '1 millisecond', 'PostHog answered 503',
            now() - interval '10 minutes', now() - interval '5 minutes'
     FROM generate_series(1, $1::int) AS g`,
};

interface Rebuild {
  /** CREATE INDEX statements of the indexes dropped before the insert. */
  indexes: string[];
  /** ALTER TABLE … ADD CONSTRAINT … USING INDEX for the unique constraints among them. */
  constraints: string[];
}

/**
 * Drops every index of `table` but its primary key (whose ids only ever grow, so an insert appends to it) and says
 * how to build them again exactly as the migrations made them: a bulk insert followed by one build of each index is
 * several times faster than keeping the indexes up to date row by row.
 */
async function dropSecondaryIndexes(client: Client, table: string): Promise<Rebuild> {
  const { rows } = await client.query<{ name: string; definition: string; constraint_name: string | null }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition,
            c.conname AS constraint_name
     FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype = 'u'
     WHERE i.indrelid = $1::regclass AND NOT i.indisprimary`,
    [table],
  );
  for (const index of rows) {
    await client.query(
      index.constraint_name === null
        ? `DROP INDEX ${index.name}`
        : `ALTER TABLE ${table} DROP CONSTRAINT ${index.constraint_name}`,
    );
  }
  return {
    indexes: rows.map((index) => index.definition),
    constraints: rows
      .filter((index) => index.constraint_name !== null)
      .map((index) => `ALTER TABLE ${table} ADD CONSTRAINT ${index.constraint_name} UNIQUE USING INDEX ${index.name}`),
  };
}

/** `work` on a connection of its own, with room to build large indexes in memory. */
async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET maintenance_work_mem = '512MB'`);
    return await work(client);
  } finally {
    await client.end();
  }
}

async function seedTable(url: string, table: string, insert: string, rows: number): Promise<void> {
  await withClient(url, async (client) => {
    const rebuild = await dropSecondaryIndexes(client, table);
    try {
      await client.query(insert, [rows]);
    } finally {
      // CREATE INDEX (not ADD CONSTRAINT) so that the apps' claims, which only lock rows, are not held up meanwhile.
      for (const statement of [...rebuild.indexes, ...rebuild.constraints]) {
        await client.query(statement);
      }
    }
  });
}

/**
 * VACUUM ANALYZE of every table once all the seeding transactions have ended: a vacuum marks a page all-visible (so
 * that index-only scans skip the heap) only when no transaction older than its rows is still running, such as the
 * insert or index build of another table seeded beside it.
 */
async function vacuumAnalyze(url: string, tables: string[]): Promise<void> {
  await Promise.all(tables.map((table) => withClient(url, (client) => client.query(`VACUUM ANALYZE ${table}`))));
}

/**
 * `rows` history rows in each table, as a pipeline that has run for a while leaves them: stored events, their
 * PUBLISHED source outbox rows and DISPATCHED POSTHOG dispatch rows (all younger than the retention period, so the
 * relay's retention keeps them). Each table by its own connection, with one INSERT … SELECT generate_series and its
 * indexes built afterwards; then VACUUM ANALYZE so the planner knows. Gives back the seconds it took.
 */
export async function seedHistory(url: string, rows: number): Promise<number> {
  const startedAt = performance.now();
  await Promise.all(Object.entries(HISTORY).map(([table, insert]) => seedTable(url, table, insert, rows)));
  await vacuumAnalyze(url, Object.keys(HISTORY));
  return (performance.now() - startedAt) / 1000;
}

/**
 * `rows` FAILED rows in each outbox whose next retry is a day away, as an outage of the broker and of PostHog leaves
 * them, added to what the tables hold (with their indexes in place), then VACUUM ANALYZE. Gives back the seconds.
 */
export async function seedStalledRows(url: string, rows: number): Promise<number> {
  const startedAt = performance.now();
  await Promise.all(Object.values(STALLED).map((insert) => withClient(url, (client) => client.query(insert, [rows]))));
  await vacuumAnalyze(url, Object.keys(STALLED));
  return (performance.now() - startedAt) / 1000;
}
