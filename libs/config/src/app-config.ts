import { z } from 'zod';
import { env } from './config-fields';
import { parseSdkKeys } from './sdk-keys';

export const DEFAULT_ALLOWLIST = [
  'ui.page.viewed',
  'ui.page.dwelled',
  'ui.restaurant.clicked',
  'ui.restaurant.viewed',
  'ui.review.write_started',
  'ui.review.submitted',
  'ui.search.executed',
  'ui.group.clicked',
  'ui.group.viewed',
  'ui.favorite.sheet_opened',
  'ui.favorite.updated',
  'ui.event.clicked',
  'ui.tab.changed',
  'ui.restaurant.shared',
].join(',');

export const coreSchema = z.object({
  APP_VERSION: env.string('0.1.0'),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  DATABASE_URL: env.url('postgres://postgres:postgres@127.0.0.1:5432/user_activity', ['postgres', 'postgresql']),
  DATABASE_POOL_SIZE: env.int(10, 1, 200),
  SHUTDOWN_TIMEOUT: env.durationMs('PT20S'),
});

export const brokerSchema = z.object({
  RABBITMQ_URL: env.url('amqp://guest:guest@127.0.0.1:5672', ['amqp', 'amqps']),
  MQ_PROVIDER: env.oneOf(['rabbitmq', 'none'] as const, 'rabbitmq'),
  MQ_PUBLISH_TIMEOUT: env.durationMs('PT5S'),
});

export const posthogSchema = z.object({
  ANALYTICS_POSTHOG_ENABLED: env.bool(false),
  // A key read from a mounted secret often ends with a newline; PostHog would refuse it with it.
  ANALYTICS_POSTHOG_API_KEY: env.optionalString().transform((key) => key.trim()),
  ANALYTICS_POSTHOG_HOST: env.url('https://us.i.posthog.com', ['http', 'https']),
});

/** What admin-api needs to tell whether PostHog dispatch is on, without the host. */
export const posthogSwitchSchema = posthogSchema.pick({
  ANALYTICS_POSTHOG_ENABLED: true,
  ANALYTICS_POSTHOG_API_KEY: true,
});

export type PosthogSwitch = z.output<typeof posthogSwitchSchema>;

/**
 * The one rule for "PostHog dispatch is on" (DESIGN §8): enabled and given a non-blank API key. The event store
 * enqueues POSTHOG rows, the dispatcher runs its loop and admin-api reports the target enabled exactly then.
 */
export function posthogDispatchEnabled(config: PosthogSwitch): boolean {
  return config.ANALYTICS_POSTHOG_ENABLED && config.ANALYTICS_POSTHOG_API_KEY.trim() !== '';
}

export const ingestSchema = coreSchema.extend({
  PORT: env.int(3000, 0, 65535),
  JWT_SECRET: env.optionalString(),
  JWT_ISSUER: env.optionalString(),
  JWT_AUDIENCE: env.optionalString(),
  JWT_MAX_AGE: env.optionalDurationMs(),
  INGEST_SERVICE_TOKEN: env.optionalString(),
  ANALYTICS_INGEST_MAX_BODY_BYTES: env.int(262_144, 1_024),
  ANALYTICS_INGEST_MAX_BATCH_SIZE: env.int(50, 1, 10_000),
  ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS: env.int(120, 1),
  ANALYTICS_INGEST_RATE_LIMIT_WINDOW: env.durationMs('PT1M'),
  ANALYTICS_INGEST_IP_RATE_LIMIT_MAX_REQUESTS: env.int(6_000, 0),
  ANALYTICS_INGEST_IP_RATE_LIMIT_WINDOW: env.durationMs('PT1M'),
  TRUST_PROXY: env.trustProxy(),
  ANALYTICS_INGEST_RATE_LIMIT_STORE: env.oneOf(['memory', 'postgres'] as const, 'memory'),
  ANALYTICS_INGEST_ALLOWLIST: env.list(DEFAULT_ALLOWLIST),
  INGEST_COMMIT_TIMEOUT: env.durationMs('PT5S'),
  INGEST_MAX_PENDING_BYTES: env.int(33_554_432, 65_536),
  ANALYTICS_INGEST_SDK_KEYS: z.string().default('').transform(parseSdkKeys),
  // At least 512 KiB: a Segment SDK sends batches up to ~500 KB and drops a batch refused with 413.
  ANALYTICS_INGEST_SDK_MAX_BODY_BYTES: env.int(1_048_576, 524_288),
  ANALYTICS_INGEST_SDK_RATE_LIMIT_MAX_REQUESTS: env.int(60_000, 0),
  ANALYTICS_INGEST_SDK_RATE_LIMIT_WINDOW: env.durationMs('PT1M'),
  ANALYTICS_INGEST_CORS_ORIGINS: env.list('*'),
  INGEST_POLICY_RELOAD_INTERVAL: env.durationMs('PT1S'),
  INGEST_REJECTION_FLUSH_INTERVAL: env.durationMs('PT5S'),
  INGEST_REJECTION_RETENTION: env.durationMs('P1D'),
});

export const relaySchema = coreSchema.merge(brokerSchema).extend({
  PORT: env.int(3001, 0, 65535),
  RELAY_BATCH_SIZE: env.int(500, 1, 10_000),
  RELAY_RETRY_BASE_DELAY: env.durationMs('PT10S'),
  RELAY_RETRY_MAX_DELAY: env.durationMs('PT640S'),
  RELAY_MAX_RETRIES: env.int(0, 0),
  RELAY_POLL_INTERVAL: env.durationMs('PT1S'),
  OUTBOX_RETENTION: env.durationMs('P7D'),
  MQ_TRACE_RETENTION: env.durationMs('P7D'),
  RETENTION_INTERVAL: env.durationMs('PT1M'),
  GAUGE_REFRESH_INTERVAL: env.durationMs('PT5S'),
});

export const eventStoreSchema = coreSchema
  .merge(brokerSchema)
  .merge(posthogSchema)
  .extend({
    PORT: env.int(3002, 0, 65535),
    EVENT_STORE_PREFETCH: env.int(1_000, 1, 65_535),
    EVENT_STORE_BATCH_SIZE: env.int(500, 1, 10_000),
    EVENT_STORE_BATCHES_IN_FLIGHT: env.int(2, 1, 8),
    EVENT_STORE_BATCH_WAIT: env.durationMs('PT0.02S'),
    EVENT_STORE_RETRY_MAX_DELAY: env.durationMs('PT5S'),
  });

export const dispatcherSchema = coreSchema.merge(posthogSchema).extend({
  PORT: env.int(3003, 0, 65535),
  DISPATCH_POLL_INTERVAL: env.durationMs('PT1S'),
  DISPATCH_BATCH_SIZE: env.int(100, 1, 1_000),
  DISPATCH_RETRY_BASE_DELAY: env.durationMs('PT10S'),
  DISPATCH_RETRY_MAX_DELAY: env.durationMs('PT10M'),
  DISPATCH_CIRCUIT_FAILURE_THRESHOLD: env.int(5, 1),
  DISPATCH_CIRCUIT_OPEN_DURATION: env.durationMs('PT1M'),
  DISPATCH_CONNECT_TIMEOUT: env.durationMs('PT2S'),
  DISPATCH_TIMEOUT: env.durationMs('PT3S'),
  GAUGE_REFRESH_INTERVAL: env.durationMs('PT5S'),
});

export const adminSchema = coreSchema
  .merge(brokerSchema)
  .merge(posthogSwitchSchema)
  .extend({
    PORT: env.int(3004, 0, 65535),
    ADMIN_TOKENS: env.list(''),
    REPLAY_PENDING_MIN_AGE: env.durationMs('PT1M'),
    DISPATCH_CIRCUIT_OPEN_DURATION: env.durationMs('PT1M'),
    // A running relay claims a PENDING row within its poll interval; one older than this is stuck (runbook §2 row 1).
    DIAGNOSIS_PENDING_STALE_AFTER: env.durationMs('PT30S'),
  });

export type CoreConfig = z.output<typeof coreSchema>;
export type BrokerConfig = z.output<typeof brokerSchema>;
export type IngestConfig = z.output<typeof ingestSchema>;
export type RelayConfig = z.output<typeof relaySchema>;
export type EventStoreConfig = z.output<typeof eventStoreSchema>;
export type DispatcherConfig = z.output<typeof dispatcherSchema>;
export type AdminConfig = z.output<typeof adminSchema>;

/** Where the test helpers find the shared PostgreSQL server and RabbitMQ broker. */
export const testingSchema = z.object({
  TEST_POSTGRES_URL: env.url('postgres://postgres@127.0.0.1:5432/postgres', ['postgres', 'postgresql']),
  TEST_RABBITMQ_URL: env.url('amqp://guest:guest@127.0.0.1:5672', ['amqp']),
  RABBITMQCTL: env.string('rabbitmqctl'),
  /** The Prometheus server the alert test runs (Debian's `prometheus` package). */
  PROMETHEUS: env.string('prometheus'),
  /** Handed to the `npm start` a README test runs, which sees nothing else of the developer's environment. */
  PATH: env.optionalString(),
  HOME: env.optionalString(),
});
