import { z } from 'zod';
import { coreSchema, env } from '@app/config';
import { parseSdkKeys } from './sdk/sdk-keys';

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

export type IngestConfig = z.output<typeof ingestSchema>;
