import { Client } from 'pg';
import { BacklogProbe } from './backlog-probe';
import { PipelineProcesses } from './bench-pipeline';
import { CpuAccounting, CpuUse } from './cpu-accounting';
import { EventBodies } from './event-bodies';
import { PacedLoad } from './paced-load';
import { judgeSteady, settleSeconds, SteadyJudgement, SteadyPeriod, TableSize } from './steady-verdict';
import { judgeStep, WindowSample } from './step-verdict';

/** The tables whose rows and bytes the steady run reports. */
export const STEADY_TABLES = [
  'user_activity_event',
  'user_activity_source_outbox',
  'user_activity_dispatch_outbox',
  'message_queue_trace_log',
];
/** The tables the relay's retention trims; the event table keeps every event by design. */
export const TRIMMED_TABLES = STEADY_TABLES.slice(1);

/** Autovacuum's own throttle (`autovacuum_vacuum_cost_delay`'s default); a manual VACUUM runs unthrottled. */
const AUTOVACUUM_COST_DELAY = '2ms';

export interface SteadySettings {
  eventsPerSecond: number;
  eventsPerRequest: number;
  warmupSeconds: number;
  seconds: number;
  periodSeconds: number;
  retentionSeconds: number;
  retentionIntervalSeconds: number;
  /** The step rule's tolerance, applied to each period. */
  tolerance: number;
  drainTimeoutSeconds: number;
  /**
   * VACUUM ANALYZE the tables after each period, in place of autovacuum when the server runs without it, as autovacuum
   * would: throttled by its default cost delay, without parallel workers, and not while the previous round still runs.
   */
  vacuum: boolean;
}

export interface SteadyFigure extends SteadyJudgement {
  settings: SteadySettings;
  periods: SteadyPeriod[];
  failureReasons: Record<string, number>;
  /** Seconds from the end of the load until every stage was empty, or null if it did not drain in time. */
  drainSeconds: number | null;
  cpu: CpuUse;
}

const SAMPLES_PER_SECOND = 1;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const isoSeconds = (seconds: number) => `PT${seconds}S`;

async function tableSizes(pipeline: PipelineProcesses): Promise<Record<string, TableSize>> {
  const rows = await pipeline.db.query<{ name: string; rows: string; bytes: string }>(
    `SELECT relname AS name, n_live_tup AS rows, pg_total_relation_size(relid) AS bytes
     FROM pg_stat_user_tables WHERE relname = ANY($1)`,
    [STEADY_TABLES],
  );
  return Object.fromEntries(rows.map((row) => [row.name, { rows: Number(row.rows), bytes: Number(row.bytes) }]));
}

/**
 * The relay restarted with short OUTBOX_RETENTION and MQ_TRACE_RETENTION (and RETENTION_INTERVAL), then a constant
 * open-loop rate for a warm-up and `seconds`, judged period by period: each period's rates by the step rule, its
 * p99 from ingest to stored against the first period's, and the trimmed tables' rows and bytes, which must level off.
 * The relay is restarted with its defaults afterwards.
 */
export async function runSteady(
  pipeline: PipelineProcesses,
  probe: BacklogProbe,
  cpu: CpuAccounting,
  settings: SteadySettings,
  log: (message: string) => void,
): Promise<SteadyFigure> {
  const relay = pipeline.app('outbox-relay');
  if (relay.running) {
    await relay.kill('SIGTERM');
  }
  await relay.start({
    OUTBOX_RETENTION: isoSeconds(settings.retentionSeconds),
    MQ_TRACE_RETENTION: isoSeconds(settings.retentionSeconds),
    RETENTION_INTERVAL: isoSeconds(settings.retentionIntervalSeconds),
  });
  const housekeeping = new Client({ connectionString: pipeline.db.url });
  await housekeeping.connect();
  await housekeeping.query(`SET vacuum_cost_delay = '${AUTOVACUUM_COST_DELAY}'`);
  try {
    return await measure(pipeline, probe, cpu, settings, housekeeping, log);
  } finally {
    await housekeeping.end();
    if (relay.running) {
      await relay.kill('SIGTERM');
    }
    await relay.start();
  }
}

async function measure(
  pipeline: PipelineProcesses,
  probe: BacklogProbe,
  cpu: CpuAccounting,
  settings: SteadySettings,
  housekeeping: Client,
  log: (message: string) => void,
): Promise<SteadyFigure> {
  const before = await probe.sample();
  const bodies = new EventBodies('steady', settings.eventsPerRequest);
  const load = new PacedLoad(pipeline.app('ingest-api').url, bodies, settings.eventsPerSecond);
  load.start();
  let window: SampledWindow;
  try {
    await sleep(settings.warmupSeconds * 1000);
    window = await sampleWindow(pipeline, probe, cpu, load, settings, housekeeping, log);
  } finally {
    await load.stop();
  }
  const stoppedAt = Date.now();
  const drain = await probe.waitForDrain(
    before.stored + load.acceptedEvents,
    settings.drainTimeoutSeconds * 1000,
    before,
  );
  const drainSeconds = drain.drained ? (Date.now() - stoppedAt) / 1000 : null;
  await window.lastVacuum;
  if (window.vacuumErrors.length > 0) {
    throw window.vacuumErrors[0];
  }
  const { periods } = window;
  await addLatency(pipeline, periods, bodies, window.startedAt, settings.periodSeconds);
  for (const period of periods) {
    log(
      `  ${period.endSeconds} s: ${period.events} events, stored p50 ${period.storedP50Ms.toFixed(1)} / p99 ` +
        `${period.storedP99Ms.toFixed(1)} ms; ` +
        TRIMMED_TABLES.map(
          (table) =>
            `${table} ${period.tables[table]?.rows ?? 'n/a'} rows ` +
            `${((period.tables[table]?.bytes ?? 0) / 1e6).toFixed(1)} MB`,
        ).join(', '),
    );
  }
  return {
    settings,
    periods,
    failureReasons: Object.fromEntries(load.failures),
    drainSeconds,
    cpu: window.cpu,
    ...judgeSteady(
      periods,
      TRIMMED_TABLES,
      settleSeconds(settings.retentionSeconds, settings.retentionIntervalSeconds),
    ),
  };
}

interface SampledWindow {
  startedAt: Date;
  periods: SteadyPeriod[];
  cpu: CpuUse;
  /** The vacuum still under way on the housekeeping connection, and what failed there. */
  lastVacuum: Promise<void>;
  vacuumErrors: Error[];
}

/** Samples the pipeline once a second over the window and closes a period every `periodSeconds`. */
async function sampleWindow(
  pipeline: PipelineProcesses,
  probe: BacklogProbe,
  cpu: CpuAccounting,
  load: PacedLoad,
  settings: SteadySettings,
  housekeeping: Client,
  log: (message: string) => void,
): Promise<SampledWindow> {
  const startedAt = new Date();
  await cpu.start();
  const windowStart = performance.now();
  const periods: SteadyPeriod[] = [];
  // Vacuums run on their own connection beside the sampling, one at a time.
  let lastVacuum: Promise<void> = Promise.resolve();
  let vacuuming = false;
  const vacuumErrors: Error[] = [];
  let periodSamples: WindowSample[] = [{ ...(await probe.sample()), accepted: load.acceptedEvents }];
  let failed = load.failedRequests;
  let behind = load.behind;
  const ticks = settings.seconds * SAMPLES_PER_SECOND;
  const ticksPerPeriod = settings.periodSeconds * SAMPLES_PER_SECOND;
  for (let tick = 1; tick <= ticks; tick++) {
    await sleep(Math.max(0, windowStart + (tick * 1000) / SAMPLES_PER_SECOND - performance.now()));
    const accepted = load.acceptedEvents;
    periodSamples.push({ ...(await probe.sample()), accepted });
    if (tick % ticksPerPeriod !== 0) {
      continue;
    }
    const judged = judgeStep(
      settings.eventsPerSecond,
      periodSamples,
      load.failedRequests - failed,
      load.behind - behind,
      settings.tolerance,
    );
    const period: SteadyPeriod = {
      endSeconds: tick / SAMPLES_PER_SECOND,
      acceptedEventsPerSecond: judged.acceptedEventsPerSecond,
      storedEventsPerSecond: judged.storedEventsPerSecond,
      dispatchedEventsPerSecond: judged.dispatchedEventsPerSecond,
      backlogSlope: judged.backlogSlope,
      stable: judged.stable,
      verdict: judged.verdict,
      events: 0,
      storedP50Ms: Number.NaN,
      storedP99Ms: Number.NaN,
      tables: {},
    };
    periods.push(period);
    period.tables = await tableSizes(pipeline);
    if (settings.vacuum && !vacuuming) {
      vacuuming = true;
      lastVacuum = housekeeping
        .query(`VACUUM (ANALYZE, PARALLEL 0) ${STEADY_TABLES.join(', ')}`)
        .then(
          () => undefined,
          (error: Error) => void vacuumErrors.push(error),
        )
        .finally(() => (vacuuming = false));
    }
    log(
      `  ${period.endSeconds} s: accepted ${Math.round(judged.acceptedEventsPerSecond)}, stored ` +
        `${Math.round(judged.storedEventsPerSecond)}, dispatched ${Math.round(judged.dispatchedEventsPerSecond)}/s; ` +
        `${judged.stable ? 'stable' : `unstable (${judged.verdict})`}`,
    );
    periodSamples = periodSamples.slice(-1);
    failed = load.failedRequests;
    behind = load.behind;
  }
  return { startedAt, periods, cpu: await cpu.stop(), lastVacuum, vacuumErrors };
}

/** Each period's events, by when ingest received them, with their time from ingest to stored. */
async function addLatency(
  pipeline: PipelineProcesses,
  periods: SteadyPeriod[],
  bodies: EventBodies,
  windowStartedAt: Date,
  periodSeconds: number,
): Promise<void> {
  const rows = await pipeline.db.query<{ period: number; events: string; stored_ms: number[] }>(
    `SELECT floor(extract(epoch FROM received_at - $2::timestamptz) / $3)::int AS period, count(*) AS events,
            percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP
              (ORDER BY extract(epoch FROM created_at - received_at) * 1000) AS stored_ms
     FROM user_activity_event WHERE event_id LIKE $1 AND received_at >= $2
     GROUP BY 1`,
    [bodies.likePattern, windowStartedAt, periodSeconds],
  );
  for (const row of rows) {
    const period = periods[row.period];
    if (period !== undefined) {
      period.events = Number(row.events);
      period.storedP50Ms = row.stored_ms[0];
      period.storedP99Ms = row.stored_ms[1];
    }
  }
}
