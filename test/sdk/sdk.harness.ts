import { isDeepStrictEqual } from 'node:util';
import { PipelineProcesses, waitFor } from '@app/testing';
import { posthogUuid } from '../../apps/dispatcher/src/targets/posthog-uuid';
import { RecordedSdkRequest, RecordingProxy } from './recording-proxy';
import { wireEvents } from './wire-events';

export { RecordingProxy } from './recording-proxy';
export { wireEvents, wireEventsBySeq } from './wire-events';

/** The keys of ANALYTICS_INGEST_SDK_KEYS: a browser key (CLIENT, allowlist applies) and one backend key per SDK. */
export const SDK_KEYS = {
  web: 'phc_web_sdk_test_key',
  backend: 'phc_backend_sdk_test_key',
  segment: 'segment_write_key_test',
  rudder: 'rudder_write_key_test',
} as const;

export const UNKNOWN_KEY = 'phc_nobody_knows_this_key';

/** The pipeline without admin-api, and a recording proxy in front of ingest-api for the SDKs' host. */
export interface SdkPipeline {
  pipeline: PipelineProcesses;
  proxy: RecordingProxy;
}

export async function startSdkPipeline(label: string): Promise<SdkPipeline> {
  const pipeline = await PipelineProcesses.start({
    label,
    replicas: { 'admin-api': 0 },
    // Four Node processes starting at once on a shared machine.
    readyTimeoutMs: 90_000,
    env: {
      DATABASE_POOL_SIZE: '4',
      ANALYTICS_INGEST_SDK_KEYS: [
        `web:${SDK_KEYS.web}`,
        `backend:${SDK_KEYS.backend}:SERVER`,
        `segment:${SDK_KEYS.segment}:SERVER`,
        `rudder:${SDK_KEYS.rudder}:SERVER`,
      ].join(','),
      ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS: '1000000',
      ANALYTICS_INGEST_IP_RATE_LIMIT_MAX_REQUESTS: '0',
      RELAY_POLL_INTERVAL: 'PT0.1S',
      DISPATCH_POLL_INTERVAL: 'PT0.1S',
    },
  });
  try {
    return { pipeline, proxy: await RecordingProxy.start(pipeline.app('ingest-api').url) };
  } catch (error) {
    await pipeline.stop();
    throw error;
  }
}

export async function stopSdkPipeline(sdk: SdkPipeline | undefined): Promise<void> {
  await sdk?.proxy.close();
  await sdk?.pipeline.stop();
}

/** What one event the test made must look like in `user_activity_event`. */
export interface ExpectedEvent {
  id: string;
  name: string;
  memberId: number | null;
  anonymousId: string | null;
  source: 'CLIENT' | 'SERVER';
  /** Kept as sent, nested values included; the row may hold more (the SDK's own fields). */
  properties: Record<string, unknown>;
  /** occurredAt must fall in [from, to] (epoch ms): the time given to the SDK, shifted by at most the delivery. */
  occurredBetween: [number, number];
}

interface StoredRow {
  id: string;
  name: string;
  memberId: number | null;
  anonymousId: string | null;
  source: string;
  properties: Record<string, unknown>;
  occurredAt: Date;
}

async function storedRows(sdk: SdkPipeline, ids: string[]): Promise<StoredRow[]> {
  return sdk.pipeline.db.query<StoredRow>(
    `SELECT event_id AS id, event_name AS name, member_id::float8 AS "memberId", anonymous_id AS "anonymousId",
            source, properties, occurred_at AS "occurredAt"
     FROM user_activity_event WHERE event_id = ANY($1) ORDER BY id`,
    [ids],
  );
}

/** Rows in the source outbox for these ids: one per event ingest-api committed, however often it was sent. */
export async function sourceOutboxRows(sdk: SdkPipeline, ids: string[]): Promise<number> {
  const [row] = await sdk.pipeline.db.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM user_activity_source_outbox WHERE event_id = ANY($1)',
    [ids],
  );
  return row.count;
}

/**
 * Every expected event went the whole way: one source outbox row, one `user_activity_event` row with the right id,
 * name, identity, source, time and properties, and a delivery to PostHog under its uuid.
 */
export async function expectStoredOnceAndDelivered(sdk: SdkPipeline, expected: ExpectedEvent[]): Promise<void> {
  const ids = expected.map((event) => event.id);
  expect(new Set(ids).size).toBe(expected.length);
  await waitFor(
    `${expected.length} events stored`,
    async () => (await storedRows(sdk, ids)).length,
    (stored) => stored >= expected.length,
    60_000,
    200,
  );
  const rows = await storedRows(sdk, ids);
  expect(rows).toHaveLength(expected.length);
  expect(await sourceOutboxRows(sdk, ids)).toBe(expected.length);

  const byId = new Map(rows.map((row) => [row.id, row]));
  const mismatches = expected.flatMap((event) => {
    const row = byId.get(event.id)!;
    const occurredAt = row.occurredAt.getTime();
    const actual = {
      name: row.name,
      memberId: row.memberId,
      anonymousId: row.anonymousId,
      source: row.source,
      properties: pick(row.properties, Object.keys(event.properties)),
      onTime: occurredAt >= event.occurredBetween[0] && occurredAt <= event.occurredBetween[1],
    };
    const wanted = {
      name: event.name,
      memberId: event.memberId,
      anonymousId: event.anonymousId,
      source: event.source,
      properties: event.properties,
      onTime: true,
    };
    return isDeepStrictEqual(actual, wanted)
      ? []
      : [{ id: event.id, actual: { ...actual, occurredAt: row.occurredAt.toISOString() }, wanted }];
  });
  expect(mismatches.slice(0, 3)).toEqual([]);

  const uuids = ids.map(posthogUuid);
  await waitFor(
    `${expected.length} events delivered to PostHog`,
    () => {
      const delivered = sdk.pipeline.posthog.deliveredUuidCounts();
      return uuids.filter((uuid) => !delivered.has(uuid)).length;
    },
    (missing) => missing === 0,
    60_000,
    200,
  );
}

/** Only the keys the test sent: the row may hold more. */
function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => key in source).map((key) => [key, source[key]]));
}

/** The capture requests among `requests`: POSTs (a browser's preflight OPTIONS and page loads left out). */
export function captureRequests(requests: RecordedSdkRequest[]): RecordedSdkRequest[] {
  return requests.filter((request) => request.method === 'POST');
}

/**
 * How a wrong key went: every capture request answered 401, no event sent twice (the SDK did not retry), and
 * nothing committed.
 */
export async function expectRefusedOnce(sdk: SdkPipeline, requests: RecordedSdkRequest[]): Promise<void> {
  const captures = captureRequests(requests);
  expect(captures.length).toBeGreaterThan(0);
  expect(captures.map((request) => request.answer)).toEqual(captures.map(() => 401));
  const ids = wireEvents(captures).map((event) => event.id);
  expect(ids.length).toBeGreaterThan(0);
  expect(ids.length - new Set(ids).size).toBe(0);
  expect(await sourceOutboxRows(sdk, ids)).toBe(0);
}

/** The ids of the requests whose answer the proxy lost that have not been sent again and answered 200 since. */
export function notResentAfterLostAnswer(requests: RecordedSdkRequest[]): string[] {
  const captures = captureRequests(requests);
  const lostAt = captures.findIndex((request) => request.answer === 503);
  const lostIds = wireEvents(captures.filter((request) => request.answer === 503)).map((event) => event.id);
  const resent = new Set(
    wireEvents(captures.slice(lostAt + 1).filter((request) => request.answer === 200)).map((event) => event.id),
  );
  return lostIds.filter((id) => !resent.has(id));
}

/**
 * One request whose answer the proxy lost (ingest-api had committed it: 200; the SDK got 503), then the SDK's
 * resend of the same events, answered 200.
 */
export function expectResentAfterLostAnswer(requests: RecordedSdkRequest[]): void {
  const lost = captureRequests(requests).filter((request) => request.answer === 503);
  expect(lost.map((request) => request.upstreamAnswer)).toEqual([200]);
  expect(wireEvents(lost).length).toBeGreaterThan(0);
  expect(notResentAfterLostAnswer(requests)).toEqual([]);
}

/** Events `seq` = from … from + count − 1, spread over distinct past minutes so that times cannot be mixed up. */
export function seqs(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => from + index);
}

/** The properties every test event carries: nested values, text that needs escaping, a number that identifies it. */
export function testProperties(sdk: string, seq: number): Record<string, unknown> {
  return {
    seq,
    sdk,
    path: `/restaurants/${seq}`,
    text: '한글 ✓ "quoted" \\ <b>',
    nested: { tags: ['a', seq], depth: { ok: true, ratio: 0.5 } },
  };
}
