/** How long and how big each phase is; `--quick` shrinks everything to fit in under two minutes. */
export interface BenchSettings {
  quick: boolean;
  /** `--profile`: every app runs with `--cpu-prof`; the profiles and their summary land in bench/results/profiles. */
  profile: boolean;
  /** Seconds of each closed-loop ingest run (autocannon). */
  ingestSeconds: number;
  /** Seconds of unmeasured load first, so that the measured runs see optimised code. */
  ingestWarmupSeconds: number;
  /** Connections autocannon keeps open to ingest-api. */
  ingestConnections: number;
  /** Seconds of each raw-limit measurement. */
  rawSeconds: number;
  /** Events per request in every end-to-end run. */
  e2eEventsPerRequest: number;
  latencyRate: number;
  latencyWarmupSeconds: number;
  latencySeconds: number;
  /** Offered rate of the first sustained step, events/s. */
  sustainedStart: number;
  /** Distance between sustained steps, events/s; halved while narrowing down after the first unstable step. */
  sustainedStep: number;
  /** Narrowing steps after the ladder has found its first unstable rate. */
  sustainedRefinements: number;
  /** Upper bound on the number of steps of one search. */
  sustainedMaxSteps: number;
  stepWarmupSeconds: number;
  stepSeconds: number;
  /** How long a step's backlog may take to drain before the search gives up. */
  drainTimeoutSeconds: number;
  /** Rows seeded into each table for the growth run. */
  growthRows: number;
  /** The whole run is aborted (and cleaned up) after this long. */
  deadlineSeconds: number;
}

export function benchSettings(argv: string[]): BenchSettings {
  const quick = argv.includes('--quick');
  const profile = argv.includes('--profile');
  if (quick) {
    return {
      quick,
      profile,
      ingestSeconds: 3,
      ingestWarmupSeconds: 2,
      ingestConnections: 32,
      rawSeconds: 2,
      e2eEventsPerRequest: 50,
      latencyRate: 1_000,
      latencyWarmupSeconds: 1,
      latencySeconds: 5,
      sustainedStart: 3_000,
      sustainedStep: 2_000,
      sustainedRefinements: 1,
      sustainedMaxSteps: 3,
      stepWarmupSeconds: 2,
      stepSeconds: 5,
      drainTimeoutSeconds: 10,
      growthRows: 100_000,
      deadlineSeconds: 150,
    };
  }
  return {
    quick,
    profile,
    ingestSeconds: 15,
    ingestWarmupSeconds: 5,
    ingestConnections: 32,
    rawSeconds: 10,
    e2eEventsPerRequest: 50,
    latencyRate: 1_000,
    latencyWarmupSeconds: 5,
    latencySeconds: 30,
    sustainedStart: 3_000,
    sustainedStep: 1_000,
    sustainedRefinements: 2,
    sustainedMaxSteps: 10,
    stepWarmupSeconds: 5,
    stepSeconds: 30,
    drainTimeoutSeconds: 90,
    growthRows: 1_000_000,
    deadlineSeconds: 45 * 60,
  };
}
