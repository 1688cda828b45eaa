/** The parts of a run, in the order they run; `--only=<part>,…` runs some of them (and leaves the docs alone). */
export const BENCH_PARTS = ['raw', 'bare', 'ingest', 'latency', 'sustained', 'backlog', 'steady', 'growth'] as const;

export type BenchPart = (typeof BENCH_PARTS)[number];

/** How long and how big each phase is; `--quick` shrinks everything to fit in about five minutes. */
export interface BenchSettings {
  quick: boolean;
  /** The parts this run measures: all of them unless `--only` names some. */
  parts: BenchPart[];
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
  /** The latency run is repeated for each of these answer delays of the fake PostHog, ms (0: it answers at once). */
  latencyPosthogDelaysMs: number[];
  /** Seconds of unmeasured work, then of the window, of the bare single-process pipeline. */
  bareWarmupSeconds: number;
  bareSeconds: number;
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
  /** A step is stable when the whole backlog grows, and stored and dispatched fall short, by at most this share. */
  stepTolerance: number;
  /** How long a step's backlog may take to drain before the search gives up. */
  drainTimeoutSeconds: number;
  /** Rows seeded into each table for the growth run. */
  growthRows: number;
  /** Sent rows seeded into the event table and both outboxes before the outage backlog run. */
  backlogHistoryRows: number;
  /** FAILED rows, not due before the run ends, seeded into each outbox for the outage backlog run. */
  backlogFailedRows: number;
  /** Offered rate of the outage backlog run, events/s; it runs as the latency run does (its warm-up and window). */
  backlogRate: number;
  /** Length of the steady run with retention, after a warm-up of `stepWarmupSeconds`. */
  steadySeconds: number;
  /** The steady run reports table sizes, rates and latency per period of this length. */
  steadyPeriodSeconds: number;
  /** Offered rate of the steady run as a share of the empty-table sustained rate (or of `sustainedStart`). */
  steadyShareOfSustained: number;
  /** OUTBOX_RETENTION and MQ_TRACE_RETENTION of the relay during the steady run, seconds. */
  steadyRetentionSeconds: number;
  /** RETENTION_INTERVAL of the relay during the steady run, seconds. */
  steadyRetentionIntervalSeconds: number;
  /** The whole run is aborted (and cleaned up) after this long. */
  deadlineSeconds: number;
}

function parts(argv: string[]): BenchPart[] {
  const only = argv.find((arg) => arg.startsWith('--only='));
  if (only === undefined) {
    return [...BENCH_PARTS];
  }
  const named = only.slice('--only='.length).split(',');
  const unknown = named.filter((part) => !(BENCH_PARTS as readonly string[]).includes(part));
  if (unknown.length > 0 || named.length === 0) {
    throw new Error(`--only takes a comma-separated list of ${BENCH_PARTS.join(', ')}; got ${unknown.join(', ')}`);
  }
  return BENCH_PARTS.filter((part) => named.includes(part));
}

export function benchSettings(argv: string[]): BenchSettings {
  const quick = argv.includes('--quick');
  const profile = argv.includes('--profile');
  if (quick) {
    return {
      quick,
      parts: parts(argv),
      profile,
      ingestSeconds: 3,
      ingestWarmupSeconds: 2,
      ingestConnections: 32,
      rawSeconds: 2,
      e2eEventsPerRequest: 50,
      latencyRate: 1_000,
      latencyWarmupSeconds: 1,
      latencySeconds: 5,
      latencyPosthogDelaysMs: [0, 30],
      bareWarmupSeconds: 2,
      bareSeconds: 5,
      sustainedStart: 3_000,
      sustainedStep: 2_000,
      sustainedRefinements: 1,
      sustainedMaxSteps: 3,
      stepWarmupSeconds: 2,
      stepSeconds: 5,
      stepTolerance: 0.05,
      drainTimeoutSeconds: 10,
      growthRows: 100_000,
      backlogHistoryRows: 100_000,
      backlogFailedRows: 30_000,
      backlogRate: 1_000,
      steadySeconds: 60,
      steadyPeriodSeconds: 10,
      steadyShareOfSustained: 0.8,
      steadyRetentionSeconds: 20,
      steadyRetentionIntervalSeconds: 10,
      deadlineSeconds: 600,
    };
  }
  return {
    quick,
    parts: parts(argv),
    profile,
    ingestSeconds: 15,
    ingestWarmupSeconds: 5,
    ingestConnections: 32,
    rawSeconds: 10,
    e2eEventsPerRequest: 50,
    latencyRate: 1_000,
    latencyWarmupSeconds: 5,
    latencySeconds: 30,
    latencyPosthogDelaysMs: [0, 30],
    bareWarmupSeconds: 5,
    bareSeconds: 30,
    sustainedStart: 3_000,
    sustainedStep: 1_000,
    sustainedRefinements: 2,
    sustainedMaxSteps: 10,
    stepWarmupSeconds: 5,
    stepSeconds: 30,
    stepTolerance: 0.03,
    drainTimeoutSeconds: 90,
    growthRows: 10_000_000,
    backlogHistoryRows: 1_000_000,
    backlogFailedRows: 300_000,
    backlogRate: 1_000,
    steadySeconds: 600,
    steadyPeriodSeconds: 60,
    steadyShareOfSustained: 0.8,
    steadyRetentionSeconds: 120,
    steadyRetentionIntervalSeconds: 60,
    deadlineSeconds: 90 * 60,
  };
}
