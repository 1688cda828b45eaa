import { LogSignals } from '@app/observability';
import { BootedApp, canonicalEvent, FaultProxy, sleep, waitFor } from '@app/testing';
import {
  EVENT_STORE_DLQ,
  EVENT_STORE_QUEUE,
  EventStoreHarness,
  expectStagesAgree,
  isReady,
  startEventStoreHarness,
} from './event-store.harness';

const PREFETCH = 300;

describe('event-store-consumer through a PostgreSQL outage', () => {
  let harness: EventStoreHarness;
  let proxy: FaultProxy;
  let consumer: BootedApp;

  beforeAll(async () => {
    harness = await startEventStoreHarness('store_db_outage');
    const forwarded = await FaultProxy.forUrl(harness.db.url);
    proxy = forwarded.proxy;
    consumer = await harness.startConsumer({
      DATABASE_URL: forwarded.url,
      EVENT_STORE_BATCH_SIZE: '100',
      EVENT_STORE_PREFETCH: String(PREFETCH),
    });
  });

  afterAll(async () => {
    // A test that failed with the service cut must not leave its app retrying after the file ends.

    proxy?.restore();
    await harness.close();
    await proxy.close();
  });

  it('keeps the events unacked while the database is cut and stores each once after it returns, DLQ empty', async () => {
    const before = Array.from({ length: 200 }, () => canonicalEvent());
    const during = Array.from({ length: 600 }, () => canonicalEvent());
    // Copies of stored events, as a relay sends them again after a lost confirm: they must take the duplicate path.
    const again = before.slice(0, 50);
    const ids = [...before, ...during].map((event) => event.eventId);
    await harness.publish(before);
    await waitFor(
      'the first events stored',
      () => harness.storedCount(ids),
      (count) => count === 200,
    );

    proxy.cut();
    for (let i = 0; i < during.length; i += 100) {
      await harness.publish(during.slice(i, i + 100));
      await sleep(200);
    }
    await harness.publish(again);
    await waitFor(
      'not ready while the database is unreachable',
      () => isReady(consumer),
      (ready) => !ready,
    );
    // Enough failed attempts that a requeue-based retry would have exhausted the queue's delivery limit of 10.
    await waitFor(
      'several failed store attempts',
      () => consumer.logs.withMsg(LogSignals.mqConsumeFailed.msg).length,
      (count) => count >= 12,
      30_000,
    );
    // The broker's own view: nothing committed, so nothing acked; the consumer holds a full prefetch unsettled.
    await waitFor(
      'the broker holding every message sent during the outage, a full prefetch of them unacked',
      () => harness.vhost.queueCounts(EVENT_STORE_QUEUE),
      (counts) => counts.messages === during.length + again.length && counts.unacked === PREFETCH,
      30_000,
      500,
    );
    expect(await harness.storedCount(ids)).toBe(200);
    expect(await harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);

    proxy.restore();
    await waitFor(
      'ready again',
      () => isReady(consumer),
      (ready) => ready,
    );
    await expectStagesAgree(
      harness,
      ids,
      again.map((event) => event.eventId),
    );
    expect(await harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);
  });
});
