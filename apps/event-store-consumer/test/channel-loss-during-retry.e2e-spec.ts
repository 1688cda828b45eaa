import { LogSignals } from '@app/observability';
import { BootedApp, canonicalEvent, FaultProxy, waitFor } from '@app/testing';
import { EVENT_STORE_DLQ, EventStoreHarness, expectStagesAgree, startEventStoreHarness } from './event-store.harness';

describe('event-store-consumer losing its channel while a failed batch waits for the database', () => {
  let harness: EventStoreHarness;
  let database: FaultProxy;
  let broker: FaultProxy;
  let consumer: BootedApp;

  beforeAll(async () => {
    harness = await startEventStoreHarness('store_channel_loss');
    const db = await FaultProxy.forUrl(harness.db.url);
    const mq = await FaultProxy.forUrl(harness.vhost.url);
    database = db.proxy;
    broker = mq.proxy;
    consumer = await harness.startConsumer({ DATABASE_URL: db.url, RABBITMQ_URL: mq.url });
  });

  afterAll(async () => {
    // A test that failed with the service cut must not leave its app retrying after the file ends.

    database?.restore();

    broker?.restore();
    await harness.close();
    await database.close();
    await broker.close();
  });

  it('drops the batch in hand, gets it redelivered and stores every event once', async () => {
    database.cut();
    const events = Array.from({ length: 300 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    await harness.publish(events);
    await waitFor(
      'the batch failing',
      () => consumer.logs.withMsg(LogSignals.mqConsumeFailed.msg).length,
      (count) => count >= 2,
    );

    broker.cut();
    await waitFor(
      'the batch dropped with its channel',
      () => consumer.logs.withMsg('consumer detached: channel closed; unacked deliveries go back to the queue').length,
      (count) => count >= 1,
    );
    broker.restore();
    await waitFor(
      're-attached',
      () => consumer.logs.withMsg('consumer attached').length,
      (count) => count >= 2,
    );
    database.restore();

    await expectStagesAgree(harness, ids);
    expect(await harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);
  });
});
