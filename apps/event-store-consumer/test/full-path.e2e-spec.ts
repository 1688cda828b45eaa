import request from 'supertest';
import { ingestSchema, relaySchema } from '@app/config';
import { bootApp, BootedApp, clientEventInputs, waitFor } from '@app/testing';
import { IngestApiModule } from '../../ingest-api/src/ingest-api.module';
import { ingestApiOptions } from '../../ingest-api/src/ingest-api.options';
import { OutboxRelayModule } from '../../outbox-relay/src/outbox-relay.module';
import { outboxRelayOptions } from '../../outbox-relay/src/outbox-relay.options';
import { duplicateEventIds, EVENT_STORE_DLQ, EventStoreHarness, startEventStoreHarness } from './event-store.harness';

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

/** 500 client events (public endpoint) and 500 server events (service endpoint), 50 per request. */
async function send1000Events(ingest: BootedApp): Promise<{ client: string[]; server: string[] }> {
  const client: string[] = [];
  const server: string[] = [];
  for (let i = 0; i < 10; i++) {
    const clientEvents = clientEventInputs(50);
    await request(ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: `anon-${i}`, events: clientEvents })
      .expect(202);
    client.push(...clientEvents.map((event) => event.eventId));
    const serverEvents = clientEventInputs(50, { eventName: 'review.created' }).map((event) => ({
      ...event,
      memberId: 100 + i,
    }));
    await request(ingest.url)
      .post('/api/v1/internal/user-activity/events')
      .set('Authorization', `Bearer ${SERVICE_TOKEN}`)
      .send({ events: serverEvents })
      .expect(202);
    server.push(...serverEvents.map((event) => event.eventId));
  }
  return { client, server };
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

async function expectStoredExactlyOnce(pipeline: Pipeline, sent: { client: string[]; server: string[] }) {
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
  const sources = await sourcesOf(pipeline, ids);
  expect(sent.client.every((id) => sources[id] === 'CLIENT')).toBe(true);
  expect(sent.server.every((id) => sources[id] === 'SERVER')).toBe(true);
  expect(await duplicateEventIds(pipeline.harness.db)).toEqual([]);
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

    await expectStoredExactlyOnce(pipeline, sent);
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

    await expectStoredExactlyOnce(pipeline, sent);
    expect(await dispatchStatuses(pipeline)).toEqual({});
  });
});
