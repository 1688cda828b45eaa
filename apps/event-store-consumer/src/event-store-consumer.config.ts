import { z } from 'zod';
import { brokerSchema, coreSchema, env, posthogSchema } from '@app/config';

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

export type EventStoreConfig = z.output<typeof eventStoreSchema>;
