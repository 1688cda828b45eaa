import { LogSignals } from '@app/observability';
import { canonicalEvent, waitFor } from '@app/testing';
import { allDispatched, DispatcherHarness, metricValue, startDispatcher } from './dispatcher.harness';

describe('dispatcher when PostHog throttles or hangs', () => {
  let harness: DispatcherHarness;

  beforeAll(async () => {
    harness = await startDispatcher('dispatch_throttling', { DISPATCH_TIMEOUT: 'PT0.5S' });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('sends nothing for the Retry-After of a 429, then delivers', async () => {
    const { posthog } = harness;
    posthog.respondWith({ status: 429, retryAfterSeconds: 2 }, { times: 1 });
    const events = Array.from({ length: 5 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    await harness.seed(events);
    await waitFor(
      'the 429',
      () => posthog.requests.length,
      (n) => n === 1,
    );
    const laterEvent = canonicalEvent();
    await harness.seed([laterEvent]);

    const rows = await waitFor(
      'all rows DISPATCHED',
      () => harness.rows(ids),
      (r) => allDispatched(r, 5),
    );
    expect(rows.every((row) => row.retry_count === 1)).toBe(true);
    const [throttled, next] = posthog.requests;
    expect(throttled.answer).toBe(429);
    expect(next.answer).toBe(200);
    expect(next.receivedAt - throttled.receivedAt).toBeGreaterThanOrEqual(2_000);
    await waitFor(
      'the later event DISPATCHED',
      () => harness.rows([laterEvent.eventId]),
      (r) => allDispatched(r, 1),
    );
  });

  it('counts a hanging PostHog as a failure once the timeout fires, then delivers', async () => {
    const { posthog } = harness;
    posthog.respondWith({ hang: true }, { times: 1 });
    const app = harness.dispatchers[0];
    const failedBefore = await metricValue(app, 'analytics_user_activity_dispatch_execute_total', {
      result: 'fail',
      target: 'POSTHOG',
    });
    const events = Array.from({ length: 3 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    await harness.seed(events);

    const rows = await waitFor(
      'all rows DISPATCHED',
      () => harness.rows(ids),
      (r) => allDispatched(r, 3),
    );
    expect(rows.every((row) => row.retry_count === 1)).toBe(true);
    expect(posthog.requests.some((r) => r.answer === 'hang' && r.batch[0].uuid === ids[0])).toBe(true);
    const timeouts = app.logs
      .withMsg(LogSignals.dispatchFailed.msg)
      .filter((line) => ids.includes(line.eventId as string));
    expect(timeouts).toHaveLength(3);
    expect(timeouts[0]).toMatchObject({ target: 'POSTHOG', error: 'timeout after 500 ms', retryCount: 1 });
    expect(
      await metricValue(app, 'analytics_user_activity_dispatch_execute_total', { result: 'fail', target: 'POSTHOG' }),
    ).toBe(failedBefore + 3);
  });
});
