import request from 'supertest';
import { CanonicalEvent, DispatchTargetName } from '@app/entities';
import { bootApp, BootedApp, createTestDatabase, FakePosthog, seedDispatchOutbox, TestDatabase } from '@app/testing';
import { dispatcherSchema } from '../src/dispatcher.config';
import { DispatcherModule } from '../src/dispatcher.module';
import { dispatcherOptions } from '../src/dispatcher.options';

export const POSTHOG_API_KEY = 'phc_test_key';

/** Short delays so the breaker, backoff and polling play out in seconds. */
export const FAST_DISPATCH_ENV: Record<string, string> = {
  DISPATCH_POLL_INTERVAL: 'PT0.05S',
  DISPATCH_RETRY_BASE_DELAY: 'PT0.2S',
  DISPATCH_RETRY_MAX_DELAY: 'PT1S',
  DISPATCH_CIRCUIT_OPEN_DURATION: 'PT2S',
  DISPATCH_CONNECT_TIMEOUT: 'PT0.5S',
  DISPATCH_TIMEOUT: 'PT1S',
  GAUGE_REFRESH_INTERVAL: 'PT0.1S',
};

export interface DispatchRow {
  id: string;
  event_id: string;
  status: string;
  retry_count: number;
  next_retry_at: Date | null;
  last_error: string | null;
  dispatched_at: Date | null;
}

export interface DispatcherHarness {
  db: TestDatabase;
  posthog: FakePosthog;
  dispatchers: BootedApp[];
  /** Boots one more dispatcher replica on the same database and fake PostHog. */
  bootDispatcher(env?: Record<string, string>): Promise<BootedApp>;
  /** Inserts dispatch rows as the event store does, with the canonical event as payload. */
  seed(events: CanonicalEvent[]): Promise<void>;
  /** Inserts one row with an arbitrary payload. */
  seedPayload(eventId: string, payload: unknown): Promise<void>;
  rows(eventIds: string[]): Promise<DispatchRow[]>;
  close(): Promise<void>;
}

export async function startDispatcher(
  label: string,
  env: Record<string, string> = {},
  replicas = 1,
): Promise<DispatcherHarness> {
  const db = await createTestDatabase(label);
  const posthog = await FakePosthog.start();
  const dispatchers: BootedApp[] = [];
  const bootDispatcher = async (extra: Record<string, string> = {}) => {
    const app = await bootApp(DispatcherModule, dispatcherSchema, dispatcherOptions, {
      DATABASE_URL: db.url,
      ANALYTICS_POSTHOG_ENABLED: 'true',
      ANALYTICS_POSTHOG_API_KEY: POSTHOG_API_KEY,
      ANALYTICS_POSTHOG_HOST: posthog.url,
      ...FAST_DISPATCH_ENV,
      ...env,
      ...extra,
    });
    dispatchers.push(app);
    return app;
  };
  for (let i = 0; i < replicas; i++) {
    await bootDispatcher();
  }
  return {
    db,
    posthog,
    dispatchers,
    bootDispatcher,
    async seed(events) {
      await seedDispatchOutbox(
        db,
        events.map((e) => ({ eventId: e.eventId, target: DispatchTargetName.Posthog, payload: e })),
      );
    },
    async seedPayload(eventId, payload) {
      await seedDispatchOutbox(db, [{ eventId, target: DispatchTargetName.Posthog, payload }]);
    },
    async rows(eventIds) {
      return db.query<DispatchRow>(
        `SELECT id, event_id, status, retry_count, next_retry_at, last_error, dispatched_at
         FROM user_activity_dispatch_outbox WHERE event_id = ANY($1) ORDER BY id`,
        [eventIds],
      );
    },
    async close() {
      for (const app of dispatchers) {
        await app.close();
      }
      await posthog.close();
      await db.drop();
    },
  };
}

export function allDispatched(rows: DispatchRow[], count: number): boolean {
  return rows.length === count && rows.every((row) => row.status === 'DISPATCHED');
}

/** The value of one Prometheus sample whose labels include `labels`; 0 when absent. */
export async function metricValue(app: BootedApp, name: string, labels: Record<string, string>): Promise<number> {
  const text = (await request(app.url).get('/metrics').expect(200)).text;
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) {
      continue;
    }
    const found = Object.fromEntries([...match[2].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) {
      total += Number(match[3]);
    }
  }
  return total;
}
