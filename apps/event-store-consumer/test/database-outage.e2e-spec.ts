import { LogSignals } from '@app/metrics';
import { BootedApp, canonicalEvent, FaultProxy, sleep, waitFor } from '@app/testing';
import {
  duplicateEventIds,
  EVENT_STORE_DLQ,
  EVENT_STORE_QUEUE,
  EventStoreHarness,
  isReady,
  startEventStoreHarness,
} from './event-store.harness';

describe('event-store-consumer through a PostgreSQL outage', () => {
  let harness: EventStoreHarness;
  let proxy: FaultProxy;
  let consumer: BootedApp;

  beforeAll(async () => {
    harness = await startEventStoreHarness('store_db_outage');
    const forwarded = await FaultProxy.forUrl(harness.db.url);
    proxy = forwarded.proxy;
    consumer = await harness.startConsumer({ DATABASE_URL: forwarded.url, EVENT_STORE_BATCH_SIZE: '100' });
  });

  afterAll(async () => {
    await harness.close();
    await proxy.close();
  });

  it('keeps the events unacked while the database is cut and stores each once after it returns, DLQ empty', async () => {
    const before = Array.from({ length: 200 }, () => canonicalEvent());
    const during = Array.from({ length: 600 }, () => canonicalEvent());
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
    expect(await harness.storedCount(ids)).toBe(200);
    expect(await harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);

    proxy.restore();
    await waitFor(
      'every event stored',
      () => harness.storedCount(ids),
      (count) => count === 800,
      30_000,
    );
    await waitFor(
      'ready again',
      () => isReady(consumer),
      (ready) => ready,
    );
    await waitFor(
      'the queue drained',
      () => harness.queueDepth(EVENT_STORE_QUEUE),
      (depth) => depth === 0,
    );
    expect(await harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);
    expect(await duplicateEventIds(harness.db)).toEqual([]);
    const [{ dispatchRows }] = await harness.db.query<{ dispatchRows: number }>(
      `SELECT count(*)::int AS "dispatchRows" FROM user_activity_dispatch_outbox WHERE event_id = ANY($1)`,
      [ids],
    );
    expect(dispatchRows).toBe(800);
  });
});
