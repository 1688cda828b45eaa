import { LogSignals } from '@app/metrics';
import { canonicalEvent, waitFor } from '@app/testing';
import { allDispatched, DispatcherHarness, startDispatcher } from './dispatcher.harness';

describe('dispatcher when PostHog refuses a batch', () => {
  let harness: DispatcherHarness;

  beforeAll(async () => {
    harness = await startDispatcher('dispatch_rejections');
  });

  afterAll(async () => {
    await harness.close();
  });

  afterEach(() => {
    harness.posthog.recover();
  });

  it('parks the rows of a 400 with last_error and never sends them again', async () => {
    const { posthog } = harness;
    posthog.respondWith({ status: 400 }, { times: 1 });
    const rejected = Array.from({ length: 3 }, () => canonicalEvent());
    const rejectedIds = rejected.map((event) => event.eventId);
    await harness.seed(rejected);

    const rows = await waitFor(
      'the rows to be parked',
      () => harness.rows(rejectedIds),
      (r) => r.length === 3 && r.every((row) => row.status === 'FAILED'),
    );
    expect(rows.every((row) => row.next_retry_at === null && row.last_error?.startsWith('HTTP 400'))).toBe(true);
    const lines = harness.dispatchers[0].logs.withMsg(LogSignals.dispatchFailed.msg);
    expect(lines.map((line) => line.eventId).sort()).toEqual([...rejectedIds].sort());
    expect(lines[0]).toMatchObject({ target: 'POSTHOG', parked: true, outboxId: expect.any(String) });

    const later = canonicalEvent();
    await harness.seed([later]);
    await waitFor(
      'a later event DISPATCHED',
      () => harness.rows([later.eventId]),
      (r) => allDispatched(r, 1),
    );
    const sentRejected = posthog.requests.flatMap((r) => r.batch).filter((e) => rejectedIds.includes(e.uuid));
    expect(sentRejected).toHaveLength(3);
    expect((await harness.rows(rejectedIds)).every((row) => row.status === 'FAILED')).toBe(true);
  });

  it('splits a batch answered 413 until the parts fit and delivers every event once', async () => {
    const { posthog } = harness;
    posthog.rejectBatchesLargerThan(10);
    const events = Array.from({ length: 40 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    const before = posthog.requests.length;
    await harness.seed(events);

    const rows = await waitFor(
      'all 40 rows DISPATCHED',
      () => harness.rows(ids),
      (r) => allDispatched(r, 40),
    );
    expect(rows.every((row) => row.retry_count === 0)).toBe(true);
    const requests = posthog.requests.slice(before);
    expect(requests.find((r) => r.batch.length === 40)?.answer).toBe(413);
    expect(requests.filter((r) => r.answer === 200).every((r) => r.batch.length <= 10)).toBe(true);
    const counts = posthog.deliveredUuidCounts();
    expect(ids.every((id) => counts.get(id) === 1)).toBe(true);
  });

  it('parks a single event that is too large on its own', async () => {
    const { posthog } = harness;
    posthog.rejectBatchesLargerThan(0);
    const event = canonicalEvent();
    await harness.seed([event]);

    const [row] = await waitFor(
      'the row to be parked',
      () => harness.rows([event.eventId]),
      ([r]) => r?.status === 'FAILED',
    );
    expect(row.next_retry_at).toBeNull();
    expect(row.last_error).toMatch(/^HTTP 413/);
  });
});
