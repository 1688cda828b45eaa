import { z } from 'zod';
import { brokerSchema, coreSchema, dispatchCircuitSchema, env, posthogSwitchSchema } from '@app/config';

export const adminSchema = coreSchema
  .merge(brokerSchema)
  .merge(posthogSwitchSchema)
  .merge(dispatchCircuitSchema)
  .extend({
    PORT: env.int(3004, 0, 65535),
    ADMIN_TOKENS: env.list(''),
    REPLAY_PENDING_MIN_AGE: env.durationMs('PT1M'),
    // A running relay claims a PENDING row within its poll interval; one older than this is stuck (runbook §2 row 1).
    DIAGNOSIS_PENDING_STALE_AFTER: env.durationMs('PT30S'),
  });

export type AdminConfig = z.output<typeof adminSchema>;
