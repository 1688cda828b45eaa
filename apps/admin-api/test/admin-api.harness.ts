import request from 'supertest';
import { CanonicalEvent, DispatchTargetName } from '@app/entities';
import {
  bootApp,
  BootedApp,
  canonicalEvent,
  createTestDatabase,
  createTestVhost,
  TestDatabase,
  TestVhost,
} from '@app/testing';
import { adminSchema } from '../src/admin-api.config';
import { AdminApiModule } from '../src/admin-api.module';
import { adminApiOptions } from '../src/admin-api.options';

export const ADMIN_TOKEN = 'ops-admin-secret-for-tests';
export const ONCALL_TOKEN = 'oncall-admin-secret-for-tests';
export const ADMIN_TOKENS = `ops:${ADMIN_TOKEN},oncall:${ONCALL_TOKEN}`;

export interface AdminHarness {
  db: TestDatabase;
  vhost: TestVhost;
  admin: BootedApp;
  /** Boots another admin-api on the same database, e.g. with RABBITMQ_URL through a FaultProxy. */
  bootAdmin(env?: Record<string, string>): Promise<BootedApp>;
  /** An authorised request (token `ops`) to the first admin-api. */
  get(path: string): request.Test;
  post(path: string): request.Test;
  close(): Promise<void>;
}

export async function startAdmin(label: string, env: Record<string, string> = {}): Promise<AdminHarness> {
  const db = await createTestDatabase(label);
  const vhost = await createTestVhost(label);
  const booted: BootedApp[] = [];
  const bootAdmin = async (extra: Record<string, string> = {}) => {
    const app = await bootApp(AdminApiModule, adminSchema, adminApiOptions, {
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      ADMIN_TOKENS,
      ...env,
      ...extra,
    });
    booted.push(app);
    return app;
  };
  const admin = await bootAdmin();
  return {
    db,
    vhost,
    admin,
    bootAdmin,
    get: (path) => request(admin.url).get(path).set('Authorization', `Bearer ${ADMIN_TOKEN}`),
    post: (path) => request(admin.url).post(path).set('Authorization', `Bearer ${ADMIN_TOKEN}`),
    async close() {
      for (const app of booted) {
        await app.close();
      }
      await vhost.drop();
      await db.drop();
    },
  };
}

export interface SourceSeed {
  status: 'PENDING' | 'FAILED' | 'PUBLISHED';
  retryCount?: number;
  /** For FAILED rows: when the relay would retry; null parks the row. */
  nextRetryInMs?: number | null;
  /** How long ago the row was created. */
  ageMs?: number;
  lastError?: string | null;
}

/** Inserts source outbox rows as ingest-api and the relay would have left them. Returns the events, in id order. */
export async function seedSourceOutbox(db: TestDatabase, count: number, seed: SourceSeed): Promise<CanonicalEvent[]> {
  const events = Array.from({ length: count }, () => canonicalEvent());
  await db.query(
    `INSERT INTO user_activity_source_outbox
       (event_id, event_name, event_version, occurred_at, member_id, payload, status, retry_count, next_retry_at,
        last_error, published_at, created_at, updated_at)
     SELECT e.event_id, e.payload->>'eventName', 'v1', now(), NULL, e.payload, $3::varchar, $4::int,
            now() + $5::float8 * interval '1 millisecond', $6::varchar,
            CASE WHEN $3::varchar = 'PUBLISHED' THEN now() END,
            now() - $7::float8 * interval '1 millisecond', now() - $7::float8 * interval '1 millisecond'
     FROM unnest($1::varchar[], $2::jsonb[]) WITH ORDINALITY AS e(event_id, payload, n)
     ORDER BY e.n`,
    [
      events.map((event) => event.eventId),
      events.map((event) => JSON.stringify(event)),
      seed.status,
      seed.retryCount ?? (seed.status === 'FAILED' ? 1 : 0),
      seed.status === 'FAILED' ? (seed.nextRetryInMs ?? null) : null,
      seed.lastError ?? (seed.status === 'FAILED' ? 'publish timed out' : null),
      seed.ageMs ?? 0,
    ],
  );
  await flushStatistics(db);
  return events;
}

/**
 * The summaries estimate the sent rows from the table statistics, which each backend flushes within about a second:
 * flush this connection's now, so that a summary read next counts the rows just written.
 */
export async function flushStatistics(db: TestDatabase): Promise<void> {
  await db.query('SELECT pg_stat_force_next_flush()');
}

export interface DispatchSeed {
  status: 'PENDING' | 'DISPATCHED' | 'FAILED';
  retryCount?: number;
  /** For FAILED rows: when the dispatcher would retry; null parks the row. */
  nextRetryInMs?: number | null;
}

/** Inserts dispatch rows (canonical event as payload) as the event store and the dispatcher would have left them. */
export async function seedDispatch(db: TestDatabase, count: number, seed: DispatchSeed): Promise<CanonicalEvent[]> {
  const events = Array.from({ length: count }, () => canonicalEvent());
  await db.query(
    `INSERT INTO user_activity_dispatch_outbox
       (event_id, dispatch_target, payload, status, retry_count, next_retry_at, last_error, dispatched_at)
     SELECT e.event_id, $3::varchar, e.payload, $4::varchar, $5::int, now() + $6::float8 * interval '1 millisecond',
            CASE WHEN $4::varchar = 'FAILED' THEN 'HTTP 503' END, CASE WHEN $4::varchar = 'DISPATCHED' THEN now() END
     FROM unnest($1::varchar[], $2::jsonb[]) WITH ORDINALITY AS e(event_id, payload, n)
     ORDER BY e.n`,
    [
      events.map((event) => event.eventId),
      events.map((event) => JSON.stringify(event)),
      DispatchTargetName.Posthog,
      seed.status,
      seed.retryCount ?? (seed.status === 'FAILED' ? 1 : 0),
      seed.status === 'FAILED' ? (seed.nextRetryInMs ?? null) : null,
    ],
  );
  await flushStatistics(db);
  return events;
}

export interface AuditRow {
  token_name: string;
  action: string;
  parameters: Record<string, unknown>;
  result: Record<string, unknown>;
  created_at: Date;
}

export async function auditRows(db: TestDatabase): Promise<AuditRow[]> {
  return db.query<AuditRow>(
    `SELECT token_name, action, parameters, result, created_at FROM admin_audit_log ORDER BY id`,
  );
}

export async function sourceStatusCounts(db: TestDatabase): Promise<Record<string, number>> {
  const rows = await db.query<{ status: string; cnt: number }>(
    `SELECT status, COUNT(*)::int AS cnt FROM user_activity_source_outbox GROUP BY status`,
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.cnt]));
}
