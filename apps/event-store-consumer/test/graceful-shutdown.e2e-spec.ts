import { BootedApp, canonicalEvent, waitFor } from '@app/testing';
import { EVENT_STORE_DLQ, EVENT_STORE_QUEUE, EventStoreHarness, startEventStoreHarness } from './event-store.harness';

describe('event-store-consumer on shutdown', () => {
  let harness: EventStoreHarness;
  let consumer: BootedApp;

  beforeAll(async () => {
    harness = await startEventStoreHarness('store_shutdown');
    consumer = await harness.startConsumer();
  });

  afterAll(async () => {
    await harness.close();
  });

  it('stops taking deliveries, finishes and acks the batch in hand, then closes', async () => {
    // A slow dispatch insert keeps the batch in hand while the shutdown begins.
    await harness.db.query(`
      CREATE FUNCTION slow_dispatch_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$`);
    await harness.db.query(`
      CREATE TRIGGER slow_dispatch_enqueue BEFORE INSERT ON user_activity_dispatch_outbox
      FOR EACH STATEMENT EXECUTE FUNCTION slow_dispatch_enqueue()`);
    const inHand = Array.from({ length: 30 }, () => canonicalEvent());
    await harness.publish(inHand);
    await waitFor(
      'the batch in the database',
      () =>
        harness.db.query(
          `SELECT pid FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
             AND query LIKE '%INSERT INTO user_activity_dispatch_outbox%'`,
        ),
      (rows) => rows.length === 1,
    );

    await consumer.close();

    expect(await harness.storedCount(inHand.map((event) => event.eventId))).toBe(30);
    expect(await harness.queueDepth(EVENT_STORE_QUEUE)).toBe(0);
    expect(await harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);
    const late = canonicalEvent();
    await harness.publish([late]);
    expect(await harness.queueDepth(EVENT_STORE_QUEUE)).toBe(1);
  });
});
