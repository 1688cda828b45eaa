import {
  AppProcess,
  parsePrometheusText,
  PipelineAppName,
  PipelineOptions,
  PipelineProcesses,
  waitFor,
} from '@app/testing';
import { LoadDriver, LoadOptions } from './load-driver';
import { SCALE } from './scale';

export { drainAndMeasure, expectNothingLostOrDoubled, signalLines } from './pipeline-invariants';
export { SCALE } from './scale';

/** Grace period of every app (SHUTDOWN_TIMEOUT): past it an app gives up draining and exits with code 1. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** How long a SIGTERM may take to end a process: its grace period plus a moment to exit. */
export const SIGTERM_DEADLINE_MS = SHUTDOWN_GRACE_MS + 2_000;

/** Short polls, retries and timeouts so every recovery plays out in seconds; small pools for a shared server. */
export const FAST_ENV: Record<string, string> = {
  DATABASE_POOL_SIZE: '4',
  SHUTDOWN_TIMEOUT: `PT${SHUTDOWN_GRACE_MS / 1000}S`,
  MQ_PUBLISH_TIMEOUT: 'PT2S',
  GAUGE_REFRESH_INTERVAL: 'PT0.5S',
  ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS: '1000000',
  ANALYTICS_INGEST_IP_RATE_LIMIT_MAX_REQUESTS: '0',
  RELAY_POLL_INTERVAL: 'PT0.1S',
  RELAY_RETRY_BASE_DELAY: 'PT0.2S',
  RELAY_RETRY_MAX_DELAY: 'PT1S',
  EVENT_STORE_RETRY_MAX_DELAY: 'PT1S',
  DISPATCH_POLL_INTERVAL: 'PT0.1S',
  DISPATCH_RETRY_BASE_DELAY: 'PT0.2S',
  DISPATCH_RETRY_MAX_DELAY: 'PT1S',
  DISPATCH_CIRCUIT_OPEN_DURATION: 'PT2S',
  DISPATCH_CONNECT_TIMEOUT: 'PT0.5S',
  DISPATCH_TIMEOUT: 'PT1S',
};

export function startPipeline(options: PipelineOptions): Promise<PipelineProcesses> {
  return PipelineProcesses.start({ ...options, env: { ...FAST_ENV, ...options.env } });
}

const drivers = new Set<LoadDriver>();

export function startLoad(pipeline: PipelineProcesses, overrides: Partial<LoadOptions> = {}): LoadDriver {
  const driver = new LoadDriver(pipeline, { ...SCALE.load, ...overrides });
  drivers.add(driver);
  driver.start();
  return driver;
}

/** For afterAll: stops any load still running (a failed test leaves it on), then every process, proxy and fake. */
export async function stopPipeline(pipeline: PipelineProcesses | undefined): Promise<void> {
  await Promise.all([...drivers].map((driver) => driver.stop(0)));
  drivers.clear();
  await pipeline?.stop();
}

/**
 * Resolves once `app` is in the middle of a batch: one of its transactions holds a transaction id, i.e. it has
 * claimed (locked) or written rows and not committed yet. Polled tightly, so a signal sent right after lands mid-batch.
 */
export async function waitForBatchInHand(pipeline: PipelineProcesses, app: PipelineAppName): Promise<void> {
  await waitFor(
    `${app} to have a batch in hand`,
    async () =>
      (
        await pipeline.db.query<{ open: number }>(
          `SELECT count(*)::int AS open FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = $1 AND backend_xid IS NOT NULL`,
          [app],
        )
      )[0].open,
    (open) => open > 0,
    30_000,
    2,
  );
}

/**
 * A steady phase measured in progress, not time: lets the load run until `factor × SCALE.steadyEvents` events
 * accepted from now on have reached PostHog, i.e. the whole pipeline is flowing again.
 */
export async function steadyPhase(pipeline: PipelineProcesses, driver: LoadDriver, factor = 1): Promise<void> {
  const before = new Set(driver.acceptedAt.keys());
  await waitFor(
    'the pipeline carrying new events through to PostHog',
    () => {
      const delivered = pipeline.posthog.deliveredUuidCounts();
      return [...driver.acceptedAt.keys()].filter((id) => !before.has(id) && delivered.has(id)).length;
    },
    (carried) => carried >= factor * SCALE.steadyEvents,
    SCALE.drainTimeoutMs,
    250,
  );
}

/** Makes PostHog answer slowly and resolves once a batch has reached it: the dispatcher now waits for the answer. */
export async function waitForDispatchInFlight(pipeline: PipelineProcesses, delayMs: number): Promise<void> {
  const seen = pipeline.posthog.requests.length;
  pipeline.posthog.respondWith({ status: 200, delayMs });
  await waitFor(
    'a batch to reach PostHog',
    () => pipeline.posthog.requests.length,
    (count) => count > seen,
    30_000,
    5,
  );
}

/** The sum of one metric's samples whose labels include `labels`, over the /metrics of the given processes. */
export async function metricTotal(
  processes: AppProcess[],
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  let total = 0;
  for (const replica of processes) {
    const text = await (await fetch(`${replica.url}/metrics`)).text();
    for (const sample of parsePrometheusText(text).get(name)?.samples ?? []) {
      if (sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) {
        total += sample.value;
      }
    }
  }
  return total;
}
