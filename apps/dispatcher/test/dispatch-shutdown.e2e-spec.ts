import request from 'supertest';
import { canonicalEvent, waitFor } from '@app/testing';
import { allDispatched, DispatcherHarness, startDispatcher } from './dispatcher.harness';

describe('dispatcher shutdown', () => {
  let harness: DispatcherHarness;

  beforeAll(async () => {
    // A held answer must not time out: the test, not a clock, decides when PostHog answers.
    harness = await startDispatcher('dispatch_shutdown', { DISPATCH_BATCH_SIZE: '10', DISPATCH_TIMEOUT: 'PT60S' });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('stops claiming, finishes the batch in hand, and leaves the rest for another replica', async () => {
    const { posthog } = harness;
    // PostHog holds its answer until the test lets go, so the batch is in hand for as long as the test needs.
    posthog.respondWith({ status: 200, held: true });
    const events = Array.from({ length: 30 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    await harness.seed(events);
    const [inHand] = await waitFor(
      'a batch in hand',
      () => posthog.requests,
      (requests) => requests.length === 1,
    );

    const dispatcher = harness.dispatchers[0];
    const closing = dispatcher.close();
    // Readiness drops as the shutdown begins; the loops are told to stop right after, before any I/O.
    await waitFor(
      'the shutdown begun',
      async () => (await request(dispatcher.url).get('/health/ready')).status,
      (status) => status === 503,
    );
    posthog.release();
    await closing;

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
