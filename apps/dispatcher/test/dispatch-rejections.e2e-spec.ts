import { LogSignals } from '@app/observability';
import { canonicalEvent, POSTHOG_MAX_EVENT_BYTES, waitFor } from '@app/testing';
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

  it('delivers every event of a batch PostHog refuses with 400 but one, and parks only that one', async () => {
    const { posthog } = harness;
    const events = Array.from({ length: 20 }, () => canonicalEvent());
    // Capture refuses an event over its Kafka message limit, and with it the whole request.
    const refused = canonicalEvent({ properties: { blob: 'x'.repeat(POSTHOG_MAX_EVENT_BYTES) } });
    events.splice(7, 0, refused);
    const ids = events.map((event) => event.eventId);
    const others = ids.filter((id) => id !== refused.eventId);
    await harness.seed(events);

    const rows = await waitFor(
      'every row DISPATCHED but the refused one',
      () => harness.rows(ids),
      (r) =>
        r.length === 21 &&
        r.every((row) => row.status === (row.event_id === refused.eventId ? 'FAILED' : 'DISPATCHED')),
    );
    const parked = rows.find((row) => row.event_id === refused.eventId)!;
    expect(parked.next_retry_at).toBeNull();
    expect(parked.last_error).toBe('HTTP 400: maximum event size exceeded');
    expect(rows.filter((row) => row.status === 'DISPATCHED').every((row) => row.retry_count === 0)).toBe(true);
    expect(posthog.requests.find((r) => r.batch.length === 21)).toMatchObject({ answer: 400 });
    const counts = posthog.deliveredUuidCounts();
    expect(others.map((id) => counts.get(id))).toEqual(others.map(() => 1));
    expect(counts.has(refused.eventId)).toBe(false);

    const lines = harness.dispatchers[0].logs.withMsg(LogSignals.dispatchFailed.msg);
    expect(lines).toEqual([
      expect.objectContaining({ target: 'POSTHOG', eventId: refused.eventId, parked: true, level: 'error' }),
    ]);

    const sentRefused = () => posthog.requests.filter((r) => r.batch.some((e) => e.uuid === refused.eventId)).length;
    const attempts = sentRefused();
    const later = canonicalEvent();
    await harness.seed([later]);
    await waitFor(
      'a later event DISPATCHED',
      () => harness.rows([later.eventId]),
      (r) => allDispatched(r, 1),
    );
    expect(sentRefused()).toBe(attempts);
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
