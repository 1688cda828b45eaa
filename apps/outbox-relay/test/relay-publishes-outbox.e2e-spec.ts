import request from 'supertest';
import { clientEventInputs, waitFor } from '@app/testing';
import { OutboxRelayWorker } from '../src/relay/outbox-relay.worker';
import { RelayHarness, startRelayHarness, statusCounts } from './relay.harness';

describe('outbox-relay publishes the source outbox to RabbitMQ', () => {
  let harness: RelayHarness;

  beforeAll(async () => {
    harness = await startRelayHarness('relay_publishes');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('publishes every accepted event once as a persistent message whose messageId is the eventId', async () => {
    const events = clientEventInputs(50);
    const response = await request(harness.ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'anon-relay', events })
      .expect(202);
    expect(response.body.data.acceptedCount).toBe(50);

    await waitFor(
      'all rows PUBLISHED',
      () => statusCounts(harness.db),
      (counts) => counts.PUBLISHED === 50,
    );
    const messages = await waitFor(
      '50 messages',
      () => harness.drainObserver(),
      (batch) => batch.length > 0,
    );
    expect(messages).toHaveLength(50);
    expect(new Set(messages.map((m) => m.properties.messageId))).toEqual(new Set(events.map((e) => e.eventId)));
    for (const message of messages) {
      expect(message.properties.deliveryMode).toBe(2);
      expect(message.properties.contentType).toBe('application/json');
      expect(message.properties.headers).toMatchObject({ eventType: 'ActivityEvent', schemaVersion: 'v1' });
      expect(message.fields.routingKey).toBe('ui.page.viewed');
      const body = JSON.parse(message.content.toString());
      expect(body).toMatchObject({
        eventId: message.properties.messageId,
        source: 'CLIENT',
        anonymousId: 'anon-relay',
      });
    }
    const [traces] = await harness.db.query<{ cnt: number }>(
      `SELECT count(*)::int AS cnt FROM message_queue_trace_log WHERE stage = 'PUBLISH' AND message_id = ANY($1)`,
      [events.map((e) => e.eventId)],
    );
    expect(traces.cnt).toBe(50);

    const again = await request(harness.ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'anon-relay', events })
      .expect(202);
    expect(again.body.data).toEqual({ acceptedCount: 50, duplicateCount: 50 });
    expect(await statusCounts(harness.db)).toEqual({ PUBLISHED: 50 });
    expect(await harness.relays[0].app.get(OutboxRelayWorker).relayBatch()).toBe(0);
    expect(await harness.drainObserver()).toHaveLength(0);
  });

  it('shows its publishes on /metrics', async () => {
    const metrics = await request(harness.relays[0].url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /analytics_user_activity_outbox_publish_total\{result="success",app="outbox-relay"\} 50/,
    );
    expect(metrics.text).toMatch(
      /mq_publish_count_total\{topic="domain.user.activity",provider="rabbitmq",result="success",app="outbox-relay"\} 50/,
    );
    await waitFor(
      'published gauge',
      async () => (await request(harness.relays[0].url).get('/metrics')).text,
      (text) => /analytics_user_activity_source_outbox_published\{app="outbox-relay"\} 50/.test(text),
    );
    const ready = await request(harness.relays[0].url).get('/health/ready');
    expect(ready.status).toBe(200);
  });
});
