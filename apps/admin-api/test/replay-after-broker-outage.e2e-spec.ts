import request from 'supertest';
import { bootApp, BootedApp, clientEventInputs, FaultProxy, waitFor } from '@app/testing';
import { eventStoreSchema } from '../../event-store-consumer/src/event-store-consumer.config';
import { EventStoreConsumerModule } from '../../event-store-consumer/src/event-store-consumer.module';
import { eventStoreConsumerOptions } from '../../event-store-consumer/src/event-store-consumer.options';
import { ingestSchema } from '../../ingest-api/src/ingest-api.config';
import { IngestApiModule } from '../../ingest-api/src/ingest-api.module';
import { ingestApiOptions } from '../../ingest-api/src/ingest-api.options';
import { relaySchema } from '../../outbox-relay/src/outbox-relay.config';
import { OutboxRelayModule } from '../../outbox-relay/src/outbox-relay.module';
import { outboxRelayOptions } from '../../outbox-relay/src/outbox-relay.options';
import { AdminHarness, startAdmin } from './admin-api.harness';

interface Stage {
  stage: string;
}

describe('replay after a broker outage left rows FAILED (runbook §8)', () => {
  let harness: AdminHarness;
  let proxy: FaultProxy;
  const apps: BootedApp[] = [];
  let ingest: BootedApp;

  beforeAll(async () => {
    harness = await startAdmin('admin_replay_outage');
    apps.push(
      await bootApp(EventStoreConsumerModule, eventStoreSchema, eventStoreConsumerOptions, {
        DATABASE_URL: harness.db.url,
        RABBITMQ_URL: harness.vhost.url,
      }),
    );
    const forwarded = await FaultProxy.forUrl(harness.vhost.url);
    proxy = forwarded.proxy;
    // One failed attempt parks a row: the relay leaves it to the operator, as after RELAY_MAX_RETRIES in production.
    apps.push(
      await bootApp(OutboxRelayModule, relaySchema, outboxRelayOptions, {
        DATABASE_URL: harness.db.url,
        RABBITMQ_URL: forwarded.url,
        RELAY_MAX_RETRIES: '1',
        RELAY_POLL_INTERVAL: 'PT0.2S',
        MQ_PUBLISH_TIMEOUT: 'PT1S',
      }),
    );
    ingest = await bootApp(IngestApiModule, ingestSchema, ingestApiOptions, { DATABASE_URL: harness.db.url });
    apps.push(ingest);
  });

  afterAll(async () => {
    for (const app of apps.reverse()) {
      await app.close();
    }
    await proxy.close();
    await harness.close();
  });

  it('re-publishes every FAILED row once: all PUBLISHED, each event stored once, traces show the way', async () => {
    proxy.cut();
    const events = clientEventInputs(40);
    await request(ingest.url).post('/api/v1/analytics/events').send({ anonymousId: 'anon-outage', events }).expect(202);
    const summary = await waitFor(
      'the relay to park all 40 rows',
      async () => (await harness.get('/api/v1/admin/user-activity/outbox/summary').expect(200)).body.data,
      (data) => data.failedCount === 40 && data.parkedCount === 40,
      30_000,
    );
    expect(summary).toMatchObject({ pendingCount: 0, publishedCount: 0, maxRetryCount: 1 });
    proxy.restore();

    const replay = await harness.post('/api/v1/admin/user-activity/outbox/replay?limit=200').expect(200);
    expect(replay.body.data).toEqual({ limit: 200, processedCount: 40, successCount: 40, failedCount: 0 });

    const after = await harness.get('/api/v1/admin/user-activity/outbox/summary').expect(200);
    expect(after.body.data).toMatchObject({ pendingCount: 0, failedCount: 0, parkedCount: 0 });
    // publishedCount is estimated from the table statistics, which count ingest's inserts within about a second.
    await waitFor(
      'the summary to count the 40 published rows',
      async () => (await harness.get('/api/v1/admin/user-activity/outbox/summary').expect(200)).body.data,
      (data) => data.publishedCount === 40,
    );

    const ids = events.map((event) => event.eventId);
    const stored = await waitFor(
      'the event store to hold the 40 events',
      () =>
        harness.db.query<{ event_id: string; cnt: number }>(
          `SELECT event_id, COUNT(*)::int AS cnt FROM user_activity_event WHERE event_id = ANY($1) GROUP BY event_id`,
          [ids],
        ),
      (rows) => rows.length === 40,
      30_000,
    );
    expect(stored.every((row) => row.cnt === 1)).toBe(true);

    const traces = await waitFor(
      'the consume trace of the first event',
      async () =>
        (await harness.get(`/api/v1/admin/mq-traces?messageId=${ids[0]}&limit=50`).expect(200)).body.data as Stage[],
      (rows) => rows.some((row) => row.stage === 'CONSUME_SUCCESS'),
    );
    expect(traces.map((row) => row.stage)).toEqual(['CONSUME_SUCCESS', 'PUBLISH', 'PUBLISH_FAIL']);
    const republished = await harness.db.query<{ cnt: number }>(
      `SELECT COUNT(*)::int AS cnt FROM message_queue_trace_log WHERE stage = 'PUBLISH' AND message_id = ANY($1)`,
      [ids],
    );
    expect(republished[0].cnt).toBe(40);
  });
});
