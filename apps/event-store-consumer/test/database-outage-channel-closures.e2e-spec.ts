import { EVENT_STORE_DELIVERY_LIMIT } from '@app/messaging';
import { BootedApp, canonicalEvent, FaultProxy, LogLine, waitFor } from '@app/testing';
import { EVENT_STORE_CONSUMER } from '../src/event-store-consumer.module';
import { EVENT_STORE_DLQ, EventStoreHarness, expectStagesAgree, startEventStoreHarness } from './event-store.harness';

const BATCH_FAILED = 'batch failed; it stays unacked and is retried';
const ATTACHED = 'consumer attached';

/**
 * RabbitMQ closes a consumer's channel whose delivery stays unacked past `consumer_timeout` (30 min by default), and
 * the quorum queue counts every such return against its delivery limit. A database outage holds deliveries that
 * long, again and again. Here the broker closes the consumer's connection more times than the delivery limit while
 * the database is cut, each time after the consumer took the messages back and failed to store them.
 */
describe('event-store-consumer whose channel the broker closes again and again during a database outage', () => {
  let harness: EventStoreHarness;
  let database: FaultProxy;
  let consumer: BootedApp;

  beforeAll(async () => {
    harness = await startEventStoreHarness('store_channel_closures');
    const db = await FaultProxy.forUrl(harness.db.url);
    database = db.proxy;
    // Batches of 100 under the default prefetch: most deliveries wait in the buffer behind the failing batch.
    consumer = await harness.startConsumer({ DATABASE_URL: db.url, EVENT_STORE_BATCH_SIZE: '100' });
  });

  afterAll(async () => {
    // A test that failed with the service cut must not leave its app retrying after the file ends.

    database?.restore();
    await harness.close();
    await database.close();
  });

  function linesSince(from: number, msg: string): LogLine[] {
    return consumer.logs.lines.slice(from).filter((line) => line.msg === msg);
  }

  it('stores every good message once, with an empty DLQ, after more closures than the delivery limit', async () => {
    database.cut();
    const events = Array.from({ length: 300 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    await harness.publish(events);

    const closures = EVENT_STORE_DELIVERY_LIMIT + 2;
    for (let closure = 0; closure < closures; closure++) {
      // Every message is held by the consumer again, and a failed store attempt came after the last of them arrived.
      await waitFor(
        'every message delivered to the consumer',
        () => harness.queueDepth('domain.user.activity.event-store'),
        (ready) => ready === 0,
      );
      const heldFrom = consumer.logs.lines.length;
      await waitFor(
        'a failed store attempt with every message in hand',
        () => linesSince(heldFrom, BATCH_FAILED).length,
        (count) => count >= 1,
      );
      const attachedBefore = consumer.logs.withMsg(ATTACHED).length;
      expect(await harness.vhost.closeConnections(EVENT_STORE_CONSUMER)).toBe(1);
      await waitFor(
        'the consumer re-attached',
        () => consumer.logs.withMsg(ATTACHED).length,
        (count) => count > attachedBefore,
      );
      expect(await harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);
    }

    database.restore();
    await expectStagesAgree(harness, ids);
    expect(await harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);
  });
});
