import amqplib, { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import request from 'supertest';
import { CanonicalEvent } from '@app/entities';
import { assertTopology, eventMessageOptions, USER_ACTIVITY_EXCHANGE } from '@app/messaging';
import {
  bootApp,
  BootedApp,
  createTestDatabase,
  createTestVhost,
  FakePosthog,
  FaultProxy,
  LogCapture,
  parsePrometheusText,
  PrometheusFamily,
  processLogs,
  TestDatabase,
  TestVhost,
} from '@app/testing';
import { adminSchema } from '../../apps/admin-api/src/admin-api.config';
import { ADMIN_API, AdminApiModule } from '../../apps/admin-api/src/admin-api.module';
import { adminApiOptions } from '../../apps/admin-api/src/admin-api.options';
import { dispatcherSchema } from '../../apps/dispatcher/src/dispatcher.config';
import { DISPATCHER, DispatcherModule } from '../../apps/dispatcher/src/dispatcher.module';
import { dispatcherOptions } from '../../apps/dispatcher/src/dispatcher.options';
import { eventStoreSchema } from '../../apps/event-store-consumer/src/event-store-consumer.config';
import {
  EVENT_STORE_CONSUMER,
  EventStoreConsumerModule,
} from '../../apps/event-store-consumer/src/event-store-consumer.module';
import { eventStoreConsumerOptions } from '../../apps/event-store-consumer/src/event-store-consumer.options';
import { ingestSchema } from '../../apps/ingest-api/src/ingest-api.config';
import { INGEST_API, IngestApiModule } from '../../apps/ingest-api/src/ingest-api.module';
import { ingestApiOptions } from '../../apps/ingest-api/src/ingest-api.options';
import { relaySchema } from '../../apps/outbox-relay/src/outbox-relay.config';
import { OUTBOX_RELAY, OutboxRelayModule } from '../../apps/outbox-relay/src/outbox-relay.module';
import { outboxRelayOptions } from '../../apps/outbox-relay/src/outbox-relay.options';

export const APP_NAMES = [INGEST_API, OUTBOX_RELAY, EVENT_STORE_CONSUMER, DISPATCHER, ADMIN_API] as const;
export type AppName = (typeof APP_NAMES)[number];

export const ADMIN_TOKEN = 'conformance-admin-secret';
export const SERVICE_TOKEN = 'conformance-service-secret';
export const JWT_SECRET = 'conformance-jwt-secret';

/** Short polls, retries and breaker times so every situation plays out in a second or two. */
const FAST_ENV: Record<AppName, Record<string, string>> = {
  [INGEST_API]: { INGEST_SERVICE_TOKEN: SERVICE_TOKEN, JWT_SECRET },
  [OUTBOX_RELAY]: {
    RELAY_POLL_INTERVAL: 'PT0.1S',
    RELAY_RETRY_BASE_DELAY: 'PT0.2S',
    RELAY_RETRY_MAX_DELAY: 'PT0.5S',
    MQ_PUBLISH_TIMEOUT: 'PT1S',
    GAUGE_REFRESH_INTERVAL: 'PT0.1S',
  },
  [EVENT_STORE_CONSUMER]: { EVENT_STORE_RETRY_MAX_DELAY: 'PT0.5S' },
  [DISPATCHER]: {
    DISPATCH_POLL_INTERVAL: 'PT0.05S',
    DISPATCH_RETRY_BASE_DELAY: 'PT0.1S',
    DISPATCH_RETRY_MAX_DELAY: 'PT0.5S',
    DISPATCH_CIRCUIT_OPEN_DURATION: 'PT0.5S',
    DISPATCH_CONNECT_TIMEOUT: 'PT0.5S',
    DISPATCH_TIMEOUT: 'PT1S',
    GAUGE_REFRESH_INTERVAL: 'PT0.1S',
  },
  [ADMIN_API]: { ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`, REPLAY_PENDING_MIN_AGE: 'PT1M' },
};

export interface PipelineSetup {
  /** Env per app, over the fast defaults. */
  env?: Partial<Record<AppName, Record<string, string>>>;
  /** Apps that reach RabbitMQ through `brokerProxy`, so a test can cut them off. */
  brokerThroughProxy?: AppName[];
}

export interface ConformancePipeline {
  db: TestDatabase;
  vhost: TestVhost;
  posthog: FakePosthog;
  brokerProxy: FaultProxy;
  apps: Record<AppName, BootedApp>;
  /** Every log line of every app booted in this test process. */
  logs: LogCapture;
  /** Boots one more instance of an app on the same database and vhost (closed with the pipeline). */
  boot(name: AppName, env?: Record<string, string>): Promise<BootedApp>;
  /** POSTs client events to ingest-api as one anonymous caller. */
  ingest(anonymousId: string, events: unknown[]): request.Test;
  admin(method: 'get' | 'post', path: string): request.Test;
  /** Publishes a raw message to the exchange, as a misbehaving producer would, and waits for the confirm. */
  publishRaw(body: string, routingKey: string, options?: Options.Publish): Promise<void>;
  /** Publishes a canonical event exactly as the relay does. */
  publishEvent(event: CanonicalEvent): Promise<void>;
  scrape(app: BootedApp): Promise<Map<string, PrometheusFamily>>;
  close(): Promise<void>;
}

const MODULES = {
  [INGEST_API]: [IngestApiModule, ingestSchema, ingestApiOptions],
  [OUTBOX_RELAY]: [OutboxRelayModule, relaySchema, outboxRelayOptions],
  [EVENT_STORE_CONSUMER]: [EventStoreConsumerModule, eventStoreSchema, eventStoreConsumerOptions],
  [DISPATCHER]: [DispatcherModule, dispatcherSchema, dispatcherOptions],
  [ADMIN_API]: [AdminApiModule, adminSchema, adminApiOptions],
} as const;

/**
 * All five apps in this process against a fresh database, a fresh vhost and a fake PostHog (enabled), booted in
 * the order a deployment would start them.
 */
export async function startConformancePipeline(label: string, setup: PipelineSetup = {}): Promise<ConformancePipeline> {
  const db = await createTestDatabase(label);
  const vhost = await createTestVhost(label);
  const posthog = await FakePosthog.start();
  const forwarded = await FaultProxy.forUrl(vhost.url);
  const connection: ChannelModel = await amqplib.connect(vhost.url);
  const channel: ConfirmChannel = await connection.createConfirmChannel();
  await assertTopology(channel);
  const booted: BootedApp[] = [];
  const proxied = new Set(setup.brokerThroughProxy ?? []);

  const boot = async (name: AppName, extra: Record<string, string> = {}): Promise<BootedApp> => {
    const [module, schema, options] = MODULES[name];
    const app = await bootApp(module, schema, options, {
      DATABASE_URL: db.url,
      RABBITMQ_URL: proxied.has(name) ? forwarded.url : vhost.url,
      DATABASE_POOL_SIZE: '4',
      SHUTDOWN_TIMEOUT: 'PT10S',
      ANALYTICS_POSTHOG_ENABLED: 'true',
      ANALYTICS_POSTHOG_API_KEY: 'phc_conformance',
      ANALYTICS_POSTHOG_HOST: posthog.url,
      ...FAST_ENV[name],
      ...setup.env?.[name],
      ...extra,
    });
    booted.push(app);
    return app;
  };

  const release = async () => {
    for (const app of booted.reverse()) {
      await app.close();
    }
    await connection.close();
    await forwarded.proxy.close();
    await posthog.close();
    await vhost.drop();
    await db.drop();
  };

  const apps = {} as Record<AppName, BootedApp>;
  try {
    for (const name of [EVENT_STORE_CONSUMER, OUTBOX_RELAY, DISPATCHER, INGEST_API, ADMIN_API] as const) {
      apps[name] = await boot(name);
    }
  } catch (error) {
    await release();
    throw error;
  }

  const publishRaw = async (body: string, routingKey: string, options: Options.Publish = {}): Promise<void> => {
    channel.publish(USER_ACTIVITY_EXCHANGE, routingKey, Buffer.from(body), {
      persistent: true,
      contentType: 'application/json',
      ...options,
    });
    await channel.waitForConfirms();
  };

  return {
    db,
    vhost,
    posthog,
    brokerProxy: forwarded.proxy,
    apps,
    logs: processLogs,
    boot,
    ingest: (anonymousId, events) =>
      request(apps[INGEST_API].url).post('/api/v1/analytics/events').send({ anonymousId, events }),
    admin: (method, path) =>
      request(apps[ADMIN_API].url)[method](`/api/v1/admin${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`),
    publishRaw,
    publishEvent: (event) => publishRaw(JSON.stringify(event), event.eventName, eventMessageOptions(event)),
    async scrape(app) {
      return parsePrometheusText((await request(app.url).get('/metrics').expect(200)).text);
    },
    close: release,
  };
}

/** Source outbox rows by status, as runbook §6-2 counts them. */
export async function sourceStatuses(db: TestDatabase): Promise<Record<string, number>> {
  const rows = await db.query<{ status: string; cnt: number }>(
    `SELECT status, COUNT(*)::int AS cnt FROM user_activity_source_outbox GROUP BY status`,
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.cnt]));
}

export async function storedCount(db: TestDatabase, eventIds: string[]): Promise<number> {
  const [{ count }] = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM user_activity_event WHERE event_id = ANY($1)`,
    [eventIds],
  );
  return count;
}

export async function dispatchStatuses(db: TestDatabase, eventIds: string[]): Promise<string[]> {
  const rows = await db.query<{ status: string }>(
    `SELECT status FROM user_activity_dispatch_outbox WHERE event_id = ANY($1) ORDER BY id`,
    [eventIds],
  );
  return rows.map((row) => row.status);
}

/** Inserts one FAILED and parked source outbox row, as a relay with RELAY_MAX_RETRIES would leave it. */
export async function seedParkedSourceRow(db: TestDatabase, event: CanonicalEvent): Promise<void> {
  await db.query(
    `INSERT INTO user_activity_source_outbox
       (event_id, event_name, event_version, occurred_at, payload, status, retry_count, next_retry_at, last_error)
     VALUES ($1, $2, 'v1', now(), $3::jsonb, 'FAILED', 3, NULL, 'publish timed out')`,
    [event.eventId, event.eventName, JSON.stringify(event)],
  );
}
