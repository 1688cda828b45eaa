import { canonicalEvent, waitFor } from '@app/testing';
import { allDispatched, DispatcherHarness, metricValue, startDispatcher } from './dispatcher.harness';

describe('two dispatcher replicas on one outbox', () => {
  let harness: DispatcherHarness;

  beforeAll(async () => {
    harness = await startDispatcher('dispatch_replicas', { DISPATCH_BATCH_SIZE: '50' }, 2);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('delivers each uuid exactly once while both replicas send', async () => {
    harness.posthog.respondWith({ status: 200, delayMs: 20 });
    const events = Array.from({ length: 1_000 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    await harness.seed(events);

    await waitFor(
      'all 1000 rows DISPATCHED',
      () => harness.rows(ids),
      (r) => allDispatched(r, 1_000),
      60_000,
    );
    const counts = harness.posthog.deliveredUuidCounts();
    expect(counts.size).toBe(1_000);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(harness.posthog.requests.every((r) => r.answer === 200)).toBe(true);

    const sentBy = await Promise.all(
      harness.dispatchers.map((app) =>
        metricValue(app, 'analytics_user_activity_dispatch_execute_total', { result: 'success', target: 'POSTHOG' }),
      ),
    );
    expect(sentBy[0] + sentBy[1]).toBe(1_000);
    expect(sentBy.every((sent) => sent > 0)).toBe(true);
  });
});
