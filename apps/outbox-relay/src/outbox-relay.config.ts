import { z } from 'zod';
import { brokerSchema, coreSchema, env, gaugeRefreshSchema } from '@app/config';

export const relaySchema = coreSchema
  .merge(brokerSchema)
  .merge(gaugeRefreshSchema)
  .extend({
    PORT: env.int(3001, 0, 65535),
    RELAY_BATCH_SIZE: env.int(500, 1, 10_000),
    RELAY_RETRY_BASE_DELAY: env.durationMs('PT10S'),
    RELAY_RETRY_MAX_DELAY: env.durationMs('PT640S'),
    RELAY_MAX_RETRIES: env.int(0, 0),
    RELAY_POLL_INTERVAL: env.durationMs('PT1S'),
    OUTBOX_RETENTION: env.durationMs('P7D'),
    MQ_TRACE_RETENTION: env.durationMs('P7D'),
    RETENTION_INTERVAL: env.durationMs('PT1M'),
  });

export type RelayConfig = z.output<typeof relaySchema>;
