import { BootedApp, canonicalEvent } from '@app/testing';
import { EventStoreHarness, expectStagesAgree, metricValue, startEventStoreHarness } from './event-store.harness';

const SHARED = { EVENT_STORE_PREFETCH: '100', EVENT_STORE_BATCH_SIZE: '50' };
const CONSUMED =
  /mq_consume_count_total\{topic="domain.user.activity",provider="rabbitmq",result="success",app="event-store-consumer"\} (\d+)/;

describe('two event-store-consumer processes on the same queue', () => {
  let harness: EventStoreHarness;
  let first: BootedApp;
  let second: BootedApp;

  beforeAll(async () => {
    harness = await startEventStoreHarness('store_two_consumers');
    first = await harness.startConsumer(SHARED);
    second = await harness.startConsumer(SHARED);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('stores every event once while both take deliveries', async () => {
    const events = Array.from({ length: 2_000 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    for (let i = 0; i < events.length; i += 250) {
      await harness.publish(events.slice(i, i + 250));
    }
    // The first 250 again, as a relay resends after a lost confirm: whichever consumer takes a copy must skip it.
    const again = events.slice(0, 250);
    await harness.publish(again);

    await expectStagesAgree(
      harness,
      ids,
      again.map((event) => event.eventId),
    );
    const consumed = [await metricValue(first, CONSUMED), await metricValue(second, CONSUMED)];
    expect(consumed[0] + consumed[1]).toBe(2_250);
    expect(Math.min(...consumed)).toBeGreaterThan(0);
  });
});
