import { Client } from 'pg';
import request from 'supertest';
import { LogSignals } from '@app/observability';
import { BootedApp, canonicalEvent, waitFor } from '@app/testing';
import { EVENT_STORE_DLQ, EVENT_STORE_QUEUE, EventStoreHarness, startEventStoreHarness } from './event-store.harness';

describe('event-store-consumer on shutdown', () => {
  let harness: EventStoreHarness;
  let consumer: BootedApp;
  let blocker: Client;

  beforeAll(async () => {
    harness = await startEventStoreHarness('store_shutdown');
    consumer = await harness.startConsumer();
    blocker = new Client({ connectionString: harness.db.url });
    await blocker.connect();
  });

  afterAll(async () => {
    await blocker.end();
    await harness.close();
  });

  it('stops taking deliveries, finishes and acks the batch in hand, then closes', async () => {
    // A lock the test holds keeps the batch's dispatch insert (and so its commit) waiting until the test lets go.
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE user_activity_dispatch_outbox IN SHARE MODE');
    const inHand = Array.from({ length: 30 }, () => canonicalEvent());
    await harness.publish(inHand);
    await waitFor(
      'the batch waiting in the database',
      () =>
        harness.db.query(
          `SELECT pid FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'
             AND query LIKE '%INSERT INTO user_activity_dispatch_outbox%'`,
        ),
      (rows) => rows.length === 1,
    );

    const closing = consumer.close();
    // Not committed yet, so the broker must still hold every message of the batch unacked on the consumer's channel,
    // whose consumer is already cancelled (read from the channels: exact, unlike a quorum queue's periodic counts).
    await waitFor(
      'the consumer cancelled and the uncommitted batch unacked',
      () => harness.vhost.channelCounts(),
      (counts) => counts.consumers === 0 && counts.unacked === 30,
    );
    // The drain runs before Nest closes the HTTP server, as in every other app.
    expect((await request(consumer.url).get('/health/live')).status).toBe(200);
    const late = canonicalEvent();
    await harness.publish([late]);
    expect(await harness.queueDepth(EVENT_STORE_QUEUE)).toBe(1);
    expect(await harness.storedCount(inHand.map((event) => event.eventId))).toBe(0);

    await blocker.query('COMMIT');
    await closing;

    expect(await harness.storedCount([...inHand, late].map((event) => event.eventId))).toBe(30);
    expect(await harness.vhost.channelCounts()).toEqual({ unacked: 0, consumers: 0 });
    // Acked, not handed back: only the late message is left, and nobody took it.
    expect(await harness.queueDepth(EVENT_STORE_QUEUE)).toBe(1);
    expect(consumer.logs.withMsg(LogSignals.storeDuplicate.msg)).toEqual([]);
    expect(await harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);
  });
});
