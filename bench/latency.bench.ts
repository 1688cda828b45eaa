import { BacklogProbe } from './backlog-probe';
import { PipelineProcesses } from './bench-pipeline';
import { EventBodies } from './event-bodies';
import { PacedLoad } from './paced-load';

export interface LatencyFigure {
  /** How long the fake PostHog took to answer each batch (0: at once). */
  posthogDelayMs: number;
  eventsPerSecond: number;
  eventsPerRequest: number;
  seconds: number;
  /** Events measured (those of the window, all of which reached PostHog). */
  events: number;
  storedP50Ms: number;
  storedP95Ms: number;
  storedP99Ms: number;
  dispatchedP50Ms: number;
  dispatchedP95Ms: number;
  dispatchedP99Ms: number;
  /** Events of the window not DISPATCHED when the drain ended. */
  missing: number;
  /** Seconds from the end of the load until every event was stored and dispatched (the drain's timeout if not). */
  drainSeconds: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface LatencyOptions {
  eventsPerSecond: number;
  eventsPerRequest: number;
  warmupSeconds: number;
  seconds: number;
  posthogDelayMs: number;
}

/**
 * A fixed open-loop rate (after a warm-up at the same rate), then, per event of the window, `created_at −
 * received_at` of the stored row and `dispatched_at − received_at` of its POSTHOG dispatch row, from the tables.
 * The fake PostHog answers each batch after `posthogDelayMs`, as the real one takes a while to answer.
 */
export async function measureLatency(
  pipeline: PipelineProcesses,
  probe: BacklogProbe,
  options: LatencyOptions,
  drainTimeoutMs: number,
): Promise<LatencyFigure> {
  pipeline.posthog.respondWith(
    options.posthogDelayMs > 0 ? { status: 200, delayMs: options.posthogDelayMs } : { status: 200 },
  );
  try {
    return await measure(pipeline, probe, options, drainTimeoutMs);
  } finally {
    pipeline.posthog.recover();
  }
}

async function measure(
  pipeline: PipelineProcesses,
  probe: BacklogProbe,
  options: LatencyOptions,
  drainTimeoutMs: number,
): Promise<LatencyFigure> {
  const url = pipeline.app('ingest-api').url;
  const before = await probe.sample();
  const warmup = new PacedLoad(url, new EventBodies('warm', options.eventsPerRequest), options.eventsPerSecond);
  warmup.start();
  await sleep(options.warmupSeconds * 1000);
  await warmup.stop();
  const bodies = new EventBodies('lat', options.eventsPerRequest);
  const load = new PacedLoad(url, bodies, options.eventsPerSecond);
  load.start();
  await sleep(options.seconds * 1000);
  await load.stop();
  const stoppedAt = Date.now();
  // Rows waiting before the load (an outage's FAILED rows not due yet) wait on; the drain is of the load's events.
  await probe.waitForDrain(before.stored + warmup.acceptedEvents + load.acceptedEvents, drainTimeoutMs, before);
  const drainSeconds = (Date.now() - stoppedAt) / 1000;
  // Freshly truncated tables have no statistics; without them the join below is planned as a nested loop of scans.
  await pipeline.db.query('ANALYZE user_activity_event, user_activity_dispatch_outbox');
  const [row] = await pipeline.db.query<{
    events: string;
    dispatched: string;
    stored_ms: number[];
    dispatched_ms: number[] | null;
  }>(
    `SELECT count(*) AS events, count(d.dispatched_at) AS dispatched,
            percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP
              (ORDER BY extract(epoch FROM e.created_at - e.received_at) * 1000) AS stored_ms,
            percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP
              (ORDER BY extract(epoch FROM d.dispatched_at - e.received_at) * 1000) AS dispatched_ms
     FROM user_activity_event e
     LEFT JOIN user_activity_dispatch_outbox d
       ON d.event_id = e.event_id AND d.dispatch_target = 'POSTHOG' AND d.status = 'DISPATCHED'
     WHERE e.event_id LIKE $1`,
    [bodies.likePattern],
  );
  return {
    posthogDelayMs: options.posthogDelayMs,
    eventsPerSecond: options.eventsPerSecond,
    eventsPerRequest: options.eventsPerRequest,
    seconds: options.seconds,
    events: Number(row.events),
    storedP50Ms: row.stored_ms[0],
    storedP95Ms: row.stored_ms[1],
    storedP99Ms: row.stored_ms[2],
    dispatchedP50Ms: row.dispatched_ms?.[0] ?? Number.NaN,
    dispatchedP95Ms: row.dispatched_ms?.[1] ?? Number.NaN,
    dispatchedP99Ms: row.dispatched_ms?.[2] ?? Number.NaN,
    missing: load.acceptedEvents - Number(row.dispatched),
    drainSeconds,
  };
}
