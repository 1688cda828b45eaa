import request from 'supertest';
import { bootApp, BootedApp, clientEventInputs, waitFor } from '@app/testing';
import { ingestSchema } from '../../ingest-api/src/ingest-api.config';
import { IngestApiModule } from '../../ingest-api/src/ingest-api.module';
import { ingestApiOptions } from '../../ingest-api/src/ingest-api.options';
import { relaySchema } from '../../outbox-relay/src/outbox-relay.config';
import { OutboxRelayModule } from '../../outbox-relay/src/outbox-relay.module';
import { outboxRelayOptions } from '../../outbox-relay/src/outbox-relay.options';
import { CanonicalEvent } from '@app/entities';
import {
  duplicateLines,
  EVENT_STORE_DLQ,
  EVENT_STORE_QUEUE,
  EventStoreHarness,
  startEventStoreHarness,
  storeCounts,
} from './event-store.harness';

const SERVICE_TOKEN = 'service-token-for-tests';

interface Pipeline {
  harness: EventStoreHarness;
  ingest: BootedApp;
  relay: BootedApp;
  close(): Promise<void>;
}

async function startPipeline(label: string, consumerEnv: Record<string, string>): Promise<Pipeline> {
  const harness = await startEventStoreHarness(label);
  const ingest = await bootApp(IngestApiModule, ingestSchema, ingestApiOptions, {
    DATABASE_URL: harness.db.url,
    INGEST_SERVICE_TOKEN: SERVICE_TOKEN,
  });
  const relay = await bootApp(OutboxRelayModule, relaySchema, outboxRelayOptions, {
    DATABASE_URL: harness.db.url,
    RABBITMQ_URL: harness.vhost.url,
    RELAY_POLL_INTERVAL: 'PT0.2S',
  });
  await harness.startConsumer(consumerEnv);
  return {
    harness,
    ingest,
    relay,
    async close() {
      await relay.close();
      await ingest.close();
      await harness.close();
    },
  };
}

interface Sent {
  client: string[];
  server: string[];
  /** Σ acceptedCount − duplicateCount over the 202 answers. */
  accepted: number;
}

/** 500 client events (public endpoint) and 500 server events (service endpoint), 50 per request. */
async function send1000Events(ingest: BootedApp): Promise<Sent> {
  const client: string[] = [];
  const server: string[] = [];
  let accepted = 0;
  const count = (body: { data: { acceptedCount: number; duplicateCount: number } }) =>
    (accepted += body.data.acceptedCount - body.data.duplicateCount);
  for (let i = 0; i < 10; i++) {
    const clientEvents = clientEventInputs(50);
    const clientAnswer = await request(ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: `anon-${i}`, events: clientEvents })
      .expect(202);
    count(clientAnswer.body as { data: { acceptedCount: number; duplicateCount: number } });
    client.push(...clientEvents.map((event) => event.eventId));
    const serverEvents = clientEventInputs(50, { eventName: 'review.created' }).map((event) => ({
      ...event,
      memberId: 100 + i,
    }));
    const serverAnswer = await request(ingest.url)
      .post('/api/v1/internal/user-activity/events')
      .set('Authorization', `Bearer ${SERVICE_TOKEN}`)
      .send({ events: serverEvents })
      .expect(202);
    count(serverAnswer.body as { data: { acceptedCount: number; duplicateCount: number } });
    server.push(...serverEvents.map((event) => event.eventId));
  }
  return { client, server, accepted };
}

async function sourcesOf(pipeline: Pipeline, ids: string[]): Promise<Record<string, string>> {
  const rows = await pipeline.harness.db.query<{ event_id: string; source: string }>(
    `SELECT event_id, source FROM user_activity_event WHERE event_id = ANY($1)`,
    [ids],
  );
  return Object.fromEntries(rows.map((row) => [row.event_id, row.source]));
}

async function dispatchStatuses(pipeline: Pipeline): Promise<Record<string, number>> {
  const rows = await pipeline.harness.db.query<{ dispatch_target: string; status: string; cnt: number }>(
    `SELECT dispatch_target, status, COUNT(*)::int AS cnt
     FROM user_activity_dispatch_outbox
     GROUP BY dispatch_target, status
     ORDER BY dispatch_target, status`,
  );
  return Object.fromEntries(rows.map((row) => [`${row.dispatch_target}/${row.status}`, row.cnt]));
}

/**
 * Every accepted event has one source outbox row, one stored row and (PostHog on) one dispatch row, and the consumer
 * counted each as stored once. Then 20 of them are published again, as the relay does after a lost confirm: the
 * consumer must skip them as duplicates (log line and count) and add no row anywhere.
 */
async function expectStoredExactlyOnce(pipeline: Pipeline, sent: Sent, dispatchRowsPerEvent: 0 | 1) {
  const ids = [...sent.client, ...sent.server];
  await waitFor(
    '1,000 events stored',
    () => pipeline.harness.storedCount(ids),
    (count) => count === 1_000,
    60_000,
  );
  const [{ total }] = await pipeline.harness.db.query<{ total: number }>(
    `SELECT count(*)::int AS total FROM user_activity_event`,
  );
  expect(total).toBe(1_000);
  expect(sent.accepted).toBe(1_000);
  const stageCounts = async () =>
    (
      await pipeline.harness.db.query<{ source: number; stored: number; dispatch: number }>(
        `SELECT (SELECT count(*) FROM user_activity_source_outbox WHERE status = 'PUBLISHED')::int AS source,
                (SELECT count(*) FROM user_activity_event)::int AS stored,
                (SELECT count(*) FROM user_activity_dispatch_outbox)::int AS dispatch`,
      )
    )[0];
  const expected = { source: 1_000, stored: 1_000, dispatch: 1_000 * dispatchRowsPerEvent };
  // The relay marks its rows PUBLISHED after the broker's confirm, so the last ones may lag the store for a moment.
  await waitFor('every stage at 1,000', stageCounts, (counts) => counts.source === expected.source);
  expect(await stageCounts()).toEqual(expected);
  expect(await storeCounts(pipeline.harness.consumers)).toEqual({ stored: 1_000, duplicate: 0 });

  const again = ids.slice(0, 20);
  const payloads = await pipeline.harness.db.query<{ payload: CanonicalEvent }>(
    `SELECT payload FROM user_activity_source_outbox WHERE event_id = ANY($1)`,
    [again],
  );
  await pipeline.harness.publish(payloads.map((row) => row.payload));
  await waitFor(
    'the copies skipped as duplicates',
    () => duplicateLines(pipeline.harness.consumers[0], again),
    (lines) => lines.length === 20,
  );
  expect(new Set(duplicateLines(pipeline.harness.consumers[0], ids))).toEqual(new Set(again));
  expect(await storeCounts(pipeline.harness.consumers)).toEqual({ stored: 1_000, duplicate: 20 });
  expect(await stageCounts()).toEqual(expected);
  await waitFor(
    'the queue drained',
    () => pipeline.harness.queueDepth(EVENT_STORE_QUEUE),
    (depth) => depth === 0,
  );
  const sources = await sourcesOf(pipeline, ids);
  expect(sent.client.every((id) => sources[id] === 'CLIENT')).toBe(true);
  expect(sent.server.every((id) => sources[id] === 'SERVER')).toBe(true);
  expect(await pipeline.harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);
}

describe('full path ingest-api → outbox-relay → event-store-consumer with PostHog enabled', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline('full_path_posthog', {});
  });

  afterAll(async () => {
    await pipeline.close();
  });

  it('stores 1,000 ingested events exactly once, each with a PENDING POSTHOG dispatch row', async () => {
    const sent = await send1000Events(pipeline.ingest);

    await expectStoredExactlyOnce(pipeline, sent, 1);
    expect(await dispatchStatuses(pipeline)).toEqual({ 'POSTHOG/PENDING': 1_000 });
  });
});

describe('full path ingest-api → outbox-relay → event-store-consumer with PostHog disabled', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline('full_path_no_posthog', { ANALYTICS_POSTHOG_ENABLED: 'false' });
  });

  afterAll(async () => {
    await pipeline.close();
  });

  it('stores 1,000 ingested events exactly once and enqueues no dispatch row', async () => {
    const sent = await send1000Events(pipeline.ingest);

    await expectStoredExactlyOnce(pipeline, sent, 0);
    expect(await dispatchStatuses(pipeline)).toEqual({});
  });
});
