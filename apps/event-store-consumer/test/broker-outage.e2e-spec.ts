import { BootedApp, canonicalEvent, FaultProxy, sleep, waitFor } from '@app/testing';
import {
  EVENT_STORE_DLQ,
  EVENT_STORE_QUEUE,
  EventStoreHarness,
  expectStagesAgree,
  isReady,
  startEventStoreHarness,
} from './event-store.harness';

describe('event-store-consumer through a RabbitMQ connection loss', () => {
  let harness: EventStoreHarness;
  let proxy: FaultProxy;
  let consumer: BootedApp;

  beforeAll(async () => {
    harness = await startEventStoreHarness('store_mq_outage');
    const forwarded = await FaultProxy.forUrl(harness.vhost.url);
    proxy = forwarded.proxy;
    consumer = await harness.startConsumer({ RABBITMQ_URL: forwarded.url, EVENT_STORE_BATCH_SIZE: '50' });
  });

  afterAll(async () => {
    // A test that failed with the service cut must not leave its app retrying after the file ends.

    proxy?.restore();
    await harness.close();
    await proxy.close();
  });

  it('re-attaches by itself and stores every event once', async () => {
    const events = Array.from({ length: 1_000 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    const publishing = (async () => {
      for (let i = 0; i < events.length; i += 50) {
        await harness.publish(events.slice(i, i + 50));
        await sleep(100);
      }
    })();

    await waitFor(
      'events flowing',
      () => harness.storedCount(ids),
      (count) => count >= 100,
    );
    proxy.cut();
    await waitFor(
      'not ready while detached',
      () => isReady(consumer),
      (ready) => !ready,
    );
    await sleep(1_000);
    proxy.restore();
    await waitFor(
      'ready again',
      () => isReady(consumer),
      (ready) => ready,
      30_000,
    );
    await publishing;

    await expectStagesAgree(harness, ids);
    expect(await harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);
    expect(consumer.logs.withMsg('consumer attached').length).toBeGreaterThanOrEqual(2);
  });

  it('re-attaches when the broker cancels its consumer (queue deleted and re-declared)', async () => {
    await waitFor(
      'the queue drained',
      () => harness.queueDepth(EVENT_STORE_QUEUE),
      (depth) => depth === 0,
    );
    const { connection, channel } = await harness.vhost.connect();
    await channel.deleteQueue(EVENT_STORE_QUEUE);
    await connection.close();

    await waitFor(
      'not ready while cancelled',
      () => isReady(consumer),
      (ready) => !ready,
    );
    await waitFor(
      'ready again',
      () => isReady(consumer),
      (ready) => ready,
      30_000,
    );
    const events = Array.from({ length: 20 }, () => canonicalEvent());
    await harness.publish(events);
    await waitFor(
      'stored',
      () => harness.storedCount(events.map((e) => e.eventId)),
      (count) => count === 20,
    );
  });
});
