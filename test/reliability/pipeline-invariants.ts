import { EVENT_STORE_QUEUE } from '@app/messaging';
import { LogLine, PipelineAppName, PipelineProcesses, waitFor } from '@app/testing';
import { LoadDriver, PROPERTY_TEXT } from './load-driver';
import { SCALE } from './scale';

/** What a scenario prints and asserts. */
export interface ScenarioReport {
  scenario: string;
  /** Σ(acceptedCount − duplicateCount) over every 2xx answer. */
  accepted: number;
  /** Rows in the source outbox: one per accepted event, whatever its status. */
  sourceRows: number;
  stored: number;
  dispatched: number;
  /** Distinct uuids PostHog answered 2xx for. */
  deliveredDistinct: number;
  /** Accepted event ids missing from the store or from PostHog. */
  lost: number;
  /** Extra copies: runbook §6-1 duplicates, stored or delivered events nobody was answered 2xx for. */
  duplicated: number;
  /** Outbox rows left PENDING or FAILED (beyond those parked on purpose), rows still locked, messages left queued. */
  stuck: number;
  /** Seconds from the end of the fault until every event accepted before then had reached PostHog. */
  drainSeconds: number;
  /** Uuids PostHog received more than once (at-least-once delivery; PostHog de-duplicates them by uuid). */
  resentToPosthog: number;
  /** Messages the store received again and skipped (`store_duplicate` log lines): redeliveries it absorbed. */
  storeDuplicates: number;
  /**
   * Of those, the ones with no recorded publish failure (source row retry_count 0): a message published or
   * delivered twice although every step reported success, e.g. a batch abandoned by a stop or taken by two replicas.
   */
  unexplainedStoreDuplicates: number;
  /** Uuids resent to PostHog although their dispatch row recorded no failed attempt (retry_count 0). */
  unexplainedResends: number;
  /** Delivered client events whose property text differs from what was sent. */
  altered: number;
  /** Processes that were not running at the end (a crash the scenario did not cause on purpose). */
  notRunning: string[];
}

interface Counts {
  sourceRows: number;
  stored: number;
  dispatched: number;
  dispatchRows: number;
  sourceOpen: number;
  dispatchOpen: number;
}

async function counts(pipeline: PipelineProcesses): Promise<Counts> {
  const [row] = await pipeline.db.query<Counts>(
    `SELECT (SELECT count(*) FROM user_activity_source_outbox)::int AS "sourceRows",
            (SELECT count(*) FROM user_activity_event)::int AS stored,
            (SELECT count(*) FROM user_activity_dispatch_outbox WHERE status = 'DISPATCHED')::int AS dispatched,
            (SELECT count(*) FROM user_activity_dispatch_outbox)::int AS "dispatchRows",
            (SELECT count(*) FROM user_activity_source_outbox WHERE status IN ('PENDING', 'FAILED'))::int AS "sourceOpen",
            (SELECT count(*) FROM user_activity_dispatch_outbox WHERE status IN ('PENDING', 'FAILED'))::int AS "dispatchOpen"`,
  );
  return row;
}

/**
 * Rows some transaction still holds a lock on: the rows FOR UPDATE SKIP LOCKED cannot take. Only meaningful once the
 * pipeline is idle (our own statement takes the locks for a moment).
 */
async function lockedRows(pipeline: PipelineProcesses): Promise<number> {
  const [row] = await pipeline.db.query<{ locked: number }>(
    `SELECT ((SELECT count(*) FROM user_activity_source_outbox)
           - (SELECT count(*) FROM (SELECT 1 FROM user_activity_source_outbox FOR UPDATE SKIP LOCKED) AS s)
           + (SELECT count(*) FROM user_activity_dispatch_outbox)
           - (SELECT count(*) FROM (SELECT 1 FROM user_activity_dispatch_outbox FOR UPDATE SKIP LOCKED) AS d))::int AS locked`,
  );
  return row.locked;
}

async function queuedMessages(pipeline: PipelineProcesses): Promise<number> {
  const { connection, channel } = await pipeline.vhost.connect();
  try {
    return (await channel.checkQueue(EVENT_STORE_QUEUE)).messageCount;
  } finally {
    await connection.close();
  }
}

/**
 * Stops the load, waits until everything accepted is stored, dispatched and at PostHog with no outbox row open
 * (beyond `parkedSourceRows`), then measures the invariants and prints them. `faultEndedAt` dates the drain.
 */
export async function drainAndMeasure(
  scenario: string,
  pipeline: PipelineProcesses,
  driver: LoadDriver,
  faultEndedAt: number,
  parkedSourceRows = 0,
): Promise<ScenarioReport> {
  await driver.stop();
  try {
    await waitFor(
      `${scenario}: every accepted event stored and at PostHog`,
      async () => ({ ...(await counts(pipeline)), delivered: pipeline.posthog.deliveredUuidCounts() }),
      (now) =>
        now.sourceOpen === parkedSourceRows &&
        now.dispatchOpen === 0 &&
        now.stored >= driver.accepted &&
        now.dispatched >= driver.accepted &&
        [...driver.acceptedAt.keys()].every((id) => now.delivered.has(id)),
      SCALE.drainTimeoutMs,
      250,
    );
  } catch (error) {
    console.log(`${scenario}: did not drain: ${(error as Error).message.slice(0, 500)}`);
  }
  const report = await measure(
    scenario,
    pipeline,
    driver,
    parkedSourceRows,
    drainSeconds(pipeline, driver, faultEndedAt),
  );
  console.log(
    `[reliability] ${scenario}: accepted ${report.accepted}, lost ${report.lost}, duplicated ${report.duplicated}, ` +
      `stuck ${report.stuck}, drained ${report.drainSeconds.toFixed(1)} s after the fault ended ` +
      `(stored ${report.stored}, dispatched ${report.dispatched}, at PostHog ${report.deliveredDistinct}, ` +
      `resent to PostHog ${report.resentToPosthog} (${report.unexplainedResends} without a failed attempt), ` +
      `skipped by the store as duplicates ${report.storeDuplicates} ` +
      `(${report.unexplainedStoreDuplicates} without a failed publish); ` +
      `${driver.requests} requests, ${driver.retried} retried, ` +
      `${driver.resent} resent on purpose)`,
  );
  return report;
}

/** When the last event accepted before the fault ended first reached PostHog, in seconds after the fault ended. */
function drainSeconds(pipeline: PipelineProcesses, driver: LoadDriver, faultEndedAt: number): number {
  const firstDelivered = new Map<string, number>();
  for (const request of pipeline.posthog.requests) {
    if (typeof request.answer === 'number' && request.answer >= 200 && request.answer < 300) {
      for (const { uuid } of request.batch) {
        firstDelivered.set(uuid, Math.min(firstDelivered.get(uuid) ?? Infinity, request.receivedAt));
      }
    }
  }
  let last = faultEndedAt;
  for (const [id, acceptedAt] of driver.acceptedAt) {
    if (acceptedAt <= faultEndedAt) {
      last = Math.max(last, firstDelivered.get(id) ?? Infinity);
    }
  }
  return (last - faultEndedAt) / 1000;
}

async function measure(
  scenario: string,
  pipeline: PipelineProcesses,
  driver: LoadDriver,
  parkedSourceRows: number,
  drainSeconds: number,
): Promise<ScenarioReport> {
  const now = await counts(pipeline);
  const storedIds = new Set(
    (await pipeline.db.query<{ event_id: string }>('SELECT event_id FROM user_activity_event')).map((r) => r.event_id),
  );
  // Runbook §6-1, verbatim: event_id duplicates (0 rows is healthy).
  const runbookDuplicates = await pipeline.db.query<{ event_id: string; dup_cnt: string }>(
    `SELECT event_id, COUNT(*) AS dup_cnt
FROM user_activity_event
GROUP BY event_id
HAVING COUNT(*) > 1;`,
  );
  const delivered = pipeline.posthog.deliveredUuidCounts();
  const accepted = driver.acceptedIds;
  const lost = [...accepted].filter((id) => !storedIds.has(id) || !delivered.has(id)).length;
  const phantomStored = [...storedIds].filter((id) => !accepted.has(id)).length;
  const phantomDelivered = [...delivered.keys()].filter((id) => !accepted.has(id)).length;
  const extraDispatchRows = now.dispatchRows - now.stored;
  const duplicated =
    runbookDuplicates.reduce((sum, row) => sum + Number(row.dup_cnt) - 1, 0) +
    phantomStored +
    phantomDelivered +
    Math.max(0, extraDispatchRows);
  const stuck =
    Math.max(0, now.sourceOpen - parkedSourceRows) +
    now.dispatchOpen +
    (await lockedRows(pipeline)) +
    (await queuedMessages(pipeline));
  const storeDuplicateIds = signalLines(pipeline, 'event-store-consumer', 'store_duplicate').map((line) =>
    String(line.eventId),
  );
  const resentIds = [...delivered].filter(([, count]) => count > 1).map(([id]) => id);
  const altered = pipeline.posthog
    .deliveredEvents()
    .filter((event) => 'note' in event.properties && event.properties.note !== PROPERTY_TEXT).length;
  return {
    scenario,
    accepted: driver.accepted,
    sourceRows: now.sourceRows,
    stored: now.stored,
    dispatched: now.dispatched,
    deliveredDistinct: delivered.size,
    lost,
    duplicated,
    stuck,
    drainSeconds,
    resentToPosthog: [...delivered.values()].reduce((sum, count) => sum + count - 1, 0),
    storeDuplicates: storeDuplicateIds.length,
    unexplainedStoreDuplicates: await firstAttempts(pipeline, 'user_activity_source_outbox', storeDuplicateIds),
    unexplainedResends: await firstAttempts(pipeline, 'user_activity_dispatch_outbox', resentIds),
    altered,
    notRunning: pipeline
      .replicas()
      .filter((app) => !app.running)
      .map((app) => `${app.name}#${app.replica}`),
  };
}

/** How many of these events' rows in `table` never failed an attempt (retry_count 0). */
async function firstAttempts(pipeline: PipelineProcesses, table: string, eventIds: string[]): Promise<number> {
  if (eventIds.length === 0) {
    return 0;
  }
  const [row] = await pipeline.db.query<{ rows: number }>(
    `SELECT count(*)::int AS rows FROM ${table} WHERE event_id = ANY($1) AND retry_count = 0`,
    [eventIds],
  );
  return row.rows;
}

/** The pipeline's promise: every event answered 2xx stored once, dispatched once, at PostHog; nothing left behind. */
export function expectNothingLostOrDoubled(report: ScenarioReport, driver: LoadDriver): void {
  expect(driver.refused).toEqual([]);
  expect(driver.abandoned).toBe(0);
  expect(report.accepted).toBeGreaterThan(0);
  expect(report.notRunning).toEqual([]);
  expect({ lost: report.lost, duplicated: report.duplicated, stuck: report.stuck, altered: report.altered }).toEqual({
    lost: 0,
    duplicated: 0,
    stuck: 0,
    altered: 0,
  });
  expect(report.accepted).toBe(driver.acceptedIds.size);
  // Every stage counts the same events: accepted = source outbox rows = stored = dispatched = distinct at PostHog.
  expect([report.sourceRows, report.stored, report.dispatched, report.deliveredDistinct]).toEqual([
    report.accepted,
    report.accepted,
    report.accepted,
    report.accepted,
  ]);
}

/** Lines of one app's replicas whose `signal` field is the given runbook signal. */
export function signalLines(pipeline: PipelineProcesses, app: PipelineAppName, signal: string): LogLine[] {
  return pipeline.replicas(app).flatMap((replica) => replica.logs.lines.filter((line) => line.signal === signal));
}
