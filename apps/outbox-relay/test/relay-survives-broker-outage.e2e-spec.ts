import request from 'supertest';
import { clientEventInputs, FaultProxy, scrapeMetric, waitFor } from '@app/testing';
import { RelayHarness, startRelayHarness, statusCounts } from './relay.harness';

interface OutboxRow {
  status: string;
  retry_count: number;
  next_retry_at: Date | null;
  last_error: string | null;
}

describe('outbox-relay when RabbitMQ is unreachable', () => {
  let harness: RelayHarness;
  let proxy: FaultProxy;

  beforeAll(async () => {
    harness = await startRelayHarness('relay_outage', { RELAY_BATCH_SIZE: '500' });
    await harness.relays[0].close();
    const forwarded = await FaultProxy.forUrl(harness.vhost.url);
    proxy = forwarded.proxy;
    await harness.startRelay({ RABBITMQ_URL: forwarded.url });
  });

  afterAll(async () => {
    // A test that failed with the service cut must not leave its app retrying after the file ends.

    proxy?.restore();
    await harness.close();
    await proxy.close();
  });

  it('keeps accepting, marks rows FAILED with a retry time, and publishes them all once the broker is back', async () => {
    proxy.cut();
    const events = clientEventInputs(30);
    await request(harness.ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'anon-x', events })
      .expect(202);

    const failed = await waitFor(
      'rows FAILED with retries scheduled',
      () =>
        harness.db.query<OutboxRow>(
          `SELECT status, retry_count, next_retry_at, last_error FROM user_activity_source_outbox`,
        ),
      (rows) => rows.length === 30 && rows.every((row) => row.status === 'FAILED' && row.retry_count >= 1),
      30_000,
    );
    for (const row of failed) {
      expect(row.next_retry_at).not.toBeNull();
      expect(row.last_error).toEqual(expect.any(String));
    }
    const during = await request(harness.relays[1].url).get('/health/ready');
    expect(during.status).toBe(503);

    proxy.restore();
    await waitFor(
      'all PUBLISHED after restore',
      () => statusCounts(harness.db),
      (c) => c.PUBLISHED === 30,
      30_000,
    );
    const rows = await harness.db.query<OutboxRow>(
      `SELECT status, retry_count, next_retry_at, last_error FROM user_activity_source_outbox`,
    );
    expect(rows.every((row) => row.next_retry_at === null && row.last_error === null)).toBe(true);
    const messages = await waitFor(
      'messages',
      () => harness.drainObserver(),
      (batch) => batch.length > 0,
    );
    const received = new Set(messages.map((m) => m.properties.messageId as string));
    for (const event of events) {
      expect(received.has(event.eventId)).toBe(true);
    }
    // Every failed attempt of every row counted once, each with a retry scheduled; each row published once.
    const [{ attempts }] = await harness.db.query<{ attempts: number }>(
      `SELECT sum(retry_count)::int AS attempts FROM user_activity_source_outbox`,
    );
    expect(attempts).toBeGreaterThanOrEqual(30);
    const relay = [harness.relays[1].url];
    expect({
      failed: await scrapeMetric(relay, 'analytics_user_activity_outbox_publish_total', { result: 'fail' }),
      scheduled: await scrapeMetric(relay, 'analytics_user_activity_outbox_retry_total', { result: 'scheduled' }),
      published: await scrapeMetric(relay, 'analytics_user_activity_outbox_publish_total', { result: 'success' }),
    }).toEqual({ failed: attempts, scheduled: attempts, published: 30 });
  });
});
