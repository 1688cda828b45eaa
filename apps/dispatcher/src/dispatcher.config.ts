import { z } from 'zod';
import { coreSchema, dispatchCircuitSchema, env, gaugeRefreshSchema, posthogSchema } from '@app/config';

export const dispatcherSchema = coreSchema
  .merge(posthogSchema)
  .merge(dispatchCircuitSchema)
  .merge(gaugeRefreshSchema)
  .extend({
    PORT: env.int(3003, 0, 65535),
    DISPATCH_POLL_INTERVAL: env.durationMs('PT1S'),
    DISPATCH_BATCH_SIZE: env.int(100, 1, 1_000),
    DISPATCH_RETRY_BASE_DELAY: env.durationMs('PT10S'),
    DISPATCH_RETRY_MAX_DELAY: env.durationMs('PT10M'),
    DISPATCH_CIRCUIT_FAILURE_THRESHOLD: env.int(5, 1),
    DISPATCH_CONNECT_TIMEOUT: env.durationMs('PT2S'),
    DISPATCH_TIMEOUT: env.durationMs('PT3S'),
  });

export type DispatcherConfig = z.output<typeof dispatcherSchema>;
