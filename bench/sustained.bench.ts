import { BacklogProbe } from './backlog-probe';
import { CpuAccounting, CpuUse } from './cpu-accounting';
import { EventBodies } from './event-bodies';
import { PacedLoad } from './paced-load';
import { judgeStep, WindowSample } from './step-verdict';

export interface StepSettings {
  eventsPerRequest: number;
  warmupSeconds: number;
  seconds: number;
  drainTimeoutSeconds: number;
  /**
   * Largest growth of the whole backlog, and largest shortfall of the accepted, stored and dispatched rates, as a
   * fraction of the offered rate.
   */
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
  /** The three slopes together: how fast the pipeline as a whole fell behind. */
  backlogSlope: number;
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
