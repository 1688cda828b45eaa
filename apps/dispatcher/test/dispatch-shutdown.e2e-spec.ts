import { canonicalEvent, waitFor } from '@app/testing';
import { allDispatched, DispatcherHarness, startDispatcher } from './dispatcher.harness';

describe('dispatcher shutdown', () => {
  let harness: DispatcherHarness;

  beforeAll(async () => {
    harness = await startDispatcher('dispatch_shutdown', { DISPATCH_BATCH_SIZE: '10' });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('stops claiming, finishes the batch in hand, and leaves the rest for another replica', async () => {
    const { posthog } = harness;
    posthog.respondWith({ status: 200, delayMs: 400 });
    const events = Array.from({ length: 30 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    await harness.seed(events);
    const [inHand] = await waitFor(
      'a batch in hand',
      () => posthog.requests,
      (requests) => requests.length === 1,
    );

    await harness.dispatchers[0].close();

    expect(posthog.requests).toHaveLength(1);
    const rows = await harness.rows(ids);
    const inHandIds = new Set(inHand.batch.map((event) => event.uuid));
    expect(inHandIds.size).toBe(10);
    expect(rows.filter((row) => inHandIds.has(row.event_id)).every((row) => row.status === 'DISPATCHED')).toBe(true);
    expect(rows.filter((row) => !inHandIds.has(row.event_id)).every((row) => row.status === 'PENDING')).toBe(true);

    posthog.recover();
    await harness.bootDispatcher();
    await waitFor(
      'the rest DISPATCHED by a new replica',
      () => harness.rows(ids),
      (r) => allDispatched(r, 30),
    );
    const counts = posthog.deliveredUuidCounts();
    expect(ids.every((id) => counts.get(id) === 1)).toBe(true);
  });
});
