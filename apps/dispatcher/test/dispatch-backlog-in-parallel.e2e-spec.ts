import { canonicalEvent, waitFor } from '@app/testing';
import { allDispatched, DispatcherHarness, startDispatcher } from './dispatcher.harness';

/** How long the fake PostHog holds every answer. */
const ANSWER_DELAY_MS = 1_000;

describe('dispatcher working off a backlog', () => {
  let harness: DispatcherHarness;

  beforeAll(async () => {
    harness = await startDispatcher('dispatch_parallel', { DISPATCH_TIMEOUT: 'PT10S' });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('keeps more than one full batch in flight to a slow PostHog, and still sends each event once', async () => {
    const { posthog } = harness;
    posthog.respondWith({ status: 200, delayMs: ANSWER_DELAY_MS });
    const events = Array.from({ length: 500 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    await harness.seed(events);

    await waitFor(
      'the backlog DISPATCHED',
      () => harness.rows(ids),
      (rows) => allDispatched(rows, 500),
      30_000,
    );
    const counts = posthog.deliveredUuidCounts();
    expect(ids.every((id) => counts.get(id) === 1)).toBe(true);
    // One batch at a time, a batch could not arrive before the answer to the previous one, held for a second.
    const arrivals = posthog.requests.map((request) => request.receivedAt).sort((a, b) => a - b);
    const gaps = arrivals.slice(1).map((at, index) => at - arrivals[index]);
    expect(gaps.some((gap) => gap < ANSWER_DELAY_MS)).toBe(true);
  });
});
