import { LogSignals } from '@app/observability';
import { canonicalEvent, waitFor } from '@app/testing';
import { allDispatched, DispatcherHarness, metricValue, startDispatcher } from './dispatcher.harness';

describe('dispatcher when PostHog refuses its API key', () => {
  let harness: DispatcherHarness;

  beforeAll(async () => {
    harness = await startDispatcher('dispatch_unauthorized');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('keeps the events due while PostHog answers 401 or 403, and delivers them all once it answers 200', async () => {
    const { posthog } = harness;
    const app = harness.dispatchers[0];
    posthog.respondWith({ status: 401 });
    const events = Array.from({ length: 30 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    await harness.seed(events);

    const refused = await waitFor(
      'every row FAILED after a 401',
      () => harness.rows(ids),
      (r) => r.length === 30 && r.every((row) => row.status === 'FAILED'),
    );
    expect(refused.every((row) => row.next_retry_at !== null && row.last_error?.startsWith('HTTP 401'))).toBe(true);
    const lines = app.logs.withMsg(LogSignals.dispatchFailed.msg);
    expect(lines.length).toBeGreaterThanOrEqual(30);
    expect(lines[0]).toMatchObject({
      level: 'error',
      signal: 'dispatch_failed',
      target: 'POSTHOG',
      status: 401,
      nextRetryInMs: expect.any(Number),
    });
    expect(lines.some((line) => line.parked === true)).toBe(false);
    expect(
      await metricValue(app, 'analytics_user_activity_dispatch_unauthorized_total', {
        status: '401',
        target: 'POSTHOG',
      }),
    ).toBeGreaterThanOrEqual(30);

    posthog.respondWith({ status: 403 }, { times: 1 });
    await waitFor(
      'a send answered 403',
      async () => posthog.requests.some((request) => request.answer === 403),
      (seen) => seen,
    );
    const rows = await waitFor(
      'all 30 rows DISPATCHED once PostHog answers 200',
      () => harness.rows(ids),
      (r) => allDispatched(r, 30),
    );
    expect(rows.every((row) => row.retry_count >= 1 && row.last_error === null)).toBe(true);
    const counts = posthog.deliveredUuidCounts();
    expect(ids.map((id) => counts.get(id))).toEqual(ids.map(() => 1));
    expect(app.logs.withMsg(LogSignals.dispatchFailed.msg).some((line) => line.status === 403)).toBe(true);
  });
});
