import { BacklogProbe, BacklogSample } from './backlog-probe';
import { CpuAccounting, CpuUse } from './cpu-accounting';
import { EventBodies } from './event-bodies';
import { PacedLoad } from './paced-load';

export interface StepSettings {
  eventsPerRequest: number;
  warmupSeconds: number;
  seconds: number;
  drainTimeoutSeconds: number;
  /** Largest backlog growth, and largest shortfall of a stage's rate, tolerated as a fraction of the offered rate. */
  tolerance: number;
}

export interface StepResult {
  offeredEventsPerSecond: number;
  acceptedEventsPerSecond: number;
  storedEventsPerSecond: number;
  dispatchedEventsPerSecond: number;
  /** Least-squares slope of each backlog over the window, events/s; positive means growing. */
  sourceBacklogSlope: number;
  queueSlope: number;
  dispatchBacklogSlope: number;
  /** Largest backlog seen in the window, all stages together. */
  maxBacklog: number;
  failedRequests: number;
  /** Why requests failed over the whole step (warm-up included): HTTP status or socket error code, with counts. */
  failureReasons: Record<string, number>;
  /** Requests the schedule wanted sent while 256 were already waiting. */
  behindRequests: number;
  stable: boolean;
  /** Why the step is not stable ('' when it is). */
  verdict: string;
  /** Seconds from the end of the load until every stage was empty, or null if it did not drain in time. */
  drainSeconds: number | null;
  /** Who used the CPU during the window. */
  cpu: CpuUse;
}

/** Often enough that the dispatcher's once-a-second polling cannot alias into a slow trend. */
const SAMPLES_PER_SECOND = 4;

function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) {
    return 0;
  }
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  const covariance = points.reduce((sum, p) => sum + (p.x - meanX) * (p.y - meanY), 0);
  const variance = points.reduce((sum, p) => sum + (p.x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface WindowSample extends BacklogSample {
  accepted: number;
}

/**
 * Judges a window of samples against the offered rate. Rates are least-squares slopes of the running counts, so the
 * dispatcher's batch-by-batch steps do not swing them; the step is stable when ingest took the offered rate and no
 * stage's backlog grew faster than `tolerance` of it.
 */
export function judgeStep(
  offered: number,
  window: WindowSample[],
  failedRequests: number,
  behindRequests: number,
  tolerance: number,
): Omit<StepResult, 'drainSeconds' | 'cpu' | 'failureReasons'> {
  const series = (pick: (sample: WindowSample) => number) =>
    slope(window.map((sample) => ({ x: sample.atMs / 1000, y: pick(sample) })));
  const figures = {
    offeredEventsPerSecond: offered,
    acceptedEventsPerSecond: series((sample) => sample.accepted),
    storedEventsPerSecond: series((sample) => sample.stored),
    dispatchedEventsPerSecond: series((sample) => sample.dispatched),
    sourceBacklogSlope: series((sample) => sample.sourceBacklog),
    queueSlope: series((sample) => sample.queueReady),
    dispatchBacklogSlope: series((sample) => sample.dispatchBacklog),
    maxBacklog: Math.max(...window.map((sample) => sample.sourceBacklog + sample.queueReady + sample.dispatchBacklog)),
    failedRequests,
    behindRequests,
  };
  const growth = Math.max(offered * tolerance, 25);
  const problems = [
    failedRequests > 0 ? `${failedRequests} requests failed` : '',
    behindRequests > 0 ? `ingest fell behind (${behindRequests} requests not sent)` : '',
    figures.acceptedEventsPerSecond < offered * (1 - tolerance)
      ? `accepted ${Math.round(figures.acceptedEventsPerSecond)}/s`
      : '',
    figures.sourceBacklogSlope > growth ? `source outbox +${Math.round(figures.sourceBacklogSlope)}/s` : '',
    figures.queueSlope > growth ? `queue +${Math.round(figures.queueSlope)}/s` : '',
    figures.dispatchBacklogSlope > growth ? `dispatch outbox +${Math.round(figures.dispatchBacklogSlope)}/s` : '',
  ].filter((problem) => problem !== '');
  return { ...figures, stable: problems.length === 0, verdict: problems.join('; ') };
}

/**
 * Offers `eventsPerSecond` open-loop for the warm-up plus the window, samples every stage four times a second during
 * the window, then waits for the backlog to drain.
 */
export async function runStep(
  ingestUrl: string,
  probe: BacklogProbe,
  cpu: CpuAccounting,
  eventsPerSecond: number,
  settings: StepSettings,
): Promise<StepResult> {
  const startSample = await probe.sample();
  const load = new PacedLoad(ingestUrl, new EventBodies('e2e', settings.eventsPerRequest), eventsPerSecond);
  load.start();
  await sleep(settings.warmupSeconds * 1000);
  const window: WindowSample[] = [];
  const failedBefore = load.failedRequests;
  const behindBefore = load.behind;
  await cpu.start();
  const windowStart = performance.now();
  for (let tick = 0; tick <= settings.seconds * SAMPLES_PER_SECOND; tick++) {
    await sleep(Math.max(0, windowStart + (tick * 1000) / SAMPLES_PER_SECOND - performance.now()));
    const accepted = load.acceptedEvents;
    window.push({ ...(await probe.sample()), accepted });
  }
  const cpuUse = await cpu.stop();
  await load.stop();
  const judged = judgeStep(
    eventsPerSecond,
    window,
    load.failedRequests - failedBefore,
    load.behind - behindBefore,
    settings.tolerance,
  );
  const stoppedAt = Date.now();
  const drain = await probe.waitForDrain(startSample.stored + load.acceptedEvents, settings.drainTimeoutSeconds * 1000);
  return {
    ...judged,
    failureReasons: Object.fromEntries(load.failures),
    drainSeconds: drain.drained ? (Date.now() - stoppedAt) / 1000 : null,
    cpu: cpuUse,
  };
}
