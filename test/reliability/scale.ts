import { LoadOptions } from './load-driver';

const soak = process.env.SOAK === '1';

/**
 * Default scale fits the CI budget; `npm run test:soak` (SOAK=1) runs the same scenarios longer and bigger:
 * faults last `faultFactor` times longer, steady phases carry `steadyEvents` through to PostHog, and the load is heavier.
 */
export const SCALE = {
  soak,
  faultFactor: soak ? 3 : 1,
  steadyEvents: soak ? 10_000 : 100,
  rounds: soak ? 3 : 1,
  load: (soak
    ? { requestsPerSecond: 80, maxEventsPerRequest: 20, maxInFlight: 32 }
    : { requestsPerSecond: 25, maxEventsPerRequest: 10, maxInFlight: 16 }) satisfies LoadOptions,
  burstEvents: soak ? 5_000 : 1_000,
  drainTimeoutMs: soak ? 300_000 : 60_000,
  testTimeoutMs: soak ? 1_800_000 : 180_000,
};
