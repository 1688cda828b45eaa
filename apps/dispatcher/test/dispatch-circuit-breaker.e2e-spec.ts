import { LogSignals } from '@app/observability';
import { canonicalEvent, waitFor } from '@app/testing';
import { allDispatched, DispatcherHarness, metricValue, startDispatcher } from './dispatcher.harness';

interface CircuitRow {
  state: string;
  consecutive_failures: number;
  opened_at: Date | null;
}

describe('dispatcher breaker while PostHog answers 500', () => {
  let harness: DispatcherHarness;

  beforeAll(async () => {
    harness = await startDispatcher('dispatch_circuit', { DISPATCH_RETRY_MAX_DELAY: 'PT2S' });
  });

  afterAll(async () => {
    await harness.close();
  });

  const circuit = async () =>
    (
      await harness.db.query<CircuitRow>(
        `SELECT state, consecutive_failures, opened_at FROM user_activity_dispatch_circuit WHERE dispatch_target = 'POSTHOG'`,
      )
    )[0];
  const metric = (name: string, labels: Record<string, string>) =>
    metricValue(harness.dispatchers[0], name, { target: 'POSTHOG', ...labels });

  it('backs off, opens after 5 failures, probes with one event and loses nothing once PostHog recovers', async () => {
    const { posthog } = harness;
    // Every answer is held until the test lets go, so no request can slip in while the test looks at a state.
    posthog.respondWith({ status: 500, held: true });
    const answerNext = async (count: number, status?: number) => {
      const request = await waitFor(
        `request ${count} at PostHog`,
        () => posthog.requests[count - 1],
        (found) => found !== undefined,
      );
      posthog.release(status);
      return request;
    };
    const events = Array.from({ length: 20 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    await harness.seed(events);
    for (let count = 1; count <= 5; count++) {
      await answerNext(count);
    }

    const opened = await waitFor('the breaker to open', circuit, (row) => row?.state === 'OPEN');
    const openedAt = (opened.opened_at as Date).getTime();
    expect(opened.consecutive_failures).toBe(5);
    expect(posthog.requests).toHaveLength(5);
    expect(posthog.requests.every((r) => r.batch.length === 20 && r.answer === 500)).toBe(true);
    expect(await metric('analytics_user_activity_dispatch_circuit_state', {})).toBe(1);
    // Openings are counted apart from the loop turns skipped while open.
    expect(await metric('analytics_user_activity_dispatch_circuit_total', { state: 'open' })).toBe(1);
    await waitFor(
      'a loop turn skipped while open',
      () => metric('analytics_user_activity_dispatch_circuit_skipped_total', {}),
      (skipped) => skipped >= 1,
    );

    const rows = await harness.rows(ids);
    expect(rows.every((row) => row.status === 'FAILED' && row.retry_count === 5 && row.next_retry_at !== null)).toBe(
      true,
    );
    const firstRow = rows[0];
    const failures = harness.dispatchers[0].logs
      .withMsg(LogSignals.dispatchFailed.msg)
      .filter((line) => line.outboxId === firstRow.id);
    expect(failures.map((line) => [line.retryCount, line.nextRetryInMs])).toEqual([
      [1, 200],
      [2, 400],
      [3, 800],
      [4, 1600],
      [5, 2000],
    ]);
    expect(failures[0]).toMatchObject({
      target: 'POSTHOG',
      eventId: firstRow.event_id,
      error: expect.stringMatching(/^HTTP 500/),
    });

    // The next request is the half-open probe, and it comes only after the open window.
    const probe = await answerNext(6);
    expect(probe.batch).toHaveLength(1);
    expect(probe.receivedAt).toBeGreaterThanOrEqual(openedAt + 2_000);
    expect(await metric('analytics_user_activity_dispatch_circuit_total', { state: 'half_open' })).toBe(1);

    const reopened = await waitFor(
      'the failed probe to re-open the breaker',
      circuit,
      (row) => row.state === 'OPEN' && (row.opened_at as Date).getTime() > openedAt,
    );
    const reopenedAt = (reopened.opened_at as Date).getTime();
    expect(posthog.requests).toHaveLength(6);
    expect(await metric('analytics_user_activity_dispatch_circuit_total', { state: 'open' })).toBe(2);

    const secondProbe = await answerNext(7, 200);
    expect(secondProbe.batch).toHaveLength(1);
    expect(secondProbe.receivedAt).toBeGreaterThanOrEqual(reopenedAt + 2_000);
    posthog.recover();
    await waitFor(
      'every row DISPATCHED',
      () => harness.rows(ids),
      (r) => allDispatched(r, 20),
      30_000,
    );

    const counts = posthog.deliveredUuidCounts();
    expect(ids.every((id) => counts.get(id) === 1)).toBe(true);
    expect((await circuit()).state).toBe('CLOSED');
    expect(await metric('analytics_user_activity_dispatch_circuit_state', {})).toBe(0);
    expect(await metric('analytics_user_activity_dispatch_circuit_total', { state: 'closed' })).toBe(1);
    expect(await metric('analytics_user_activity_dispatch_execute_total', { result: 'success' })).toBe(20);
    expect(await metric('analytics_user_activity_dispatch_retry_total', { result: 'scheduled' })).toBe(5 * 20 + 1);
  });
});
