import { CanonicalEvent, DispatchOutboxEnqueueRepository, DispatchTargetName, SqlExecutor } from '@app/entities';
import { canonicalEvent, waitFor } from '@app/testing';
import { allDispatched, DispatcherHarness, startDispatcher } from './dispatcher.harness';

describe('dispatcher woken by the event store', () => {
  let harness: DispatcherHarness;
  let enqueue: (events: CanonicalEvent[]) => Promise<unknown>;

  beforeAll(async () => {
    // A poll interval far longer than the waits below: only the enqueue's NOTIFY can get the rows sent in time.
    harness = await startDispatcher('dispatch_wakes', { DISPATCH_POLL_INTERVAL: 'PT10M' });
    const tx: SqlExecutor = {
      query: async <T>(sql: string, parameters?: unknown[]) =>
        (await harness.db.client.query(sql, parameters)).rows as T,
    };
    const repository = new DispatchOutboxEnqueueRepository();
    enqueue = (events) => repository.enqueue(tx, events, [DispatchTargetName.Posthog]);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('sends rows the event store enqueues while the dispatcher is idle, without waiting for its next poll', async () => {
    const first = canonicalEvent();
    await enqueue([first]);
    await waitFor(
      'the first event DISPATCHED',
      () => harness.rows([first.eventId]),
      (rows) => allDispatched(rows, 1),
    );

    const later = [canonicalEvent(), canonicalEvent()];
    await enqueue(later);
    const rows = await waitFor(
      'the events enqueued while idle DISPATCHED',
      () => harness.rows(later.map((event) => event.eventId)),
      (found) => allDispatched(found, 2),
      15_000,
    );
    expect(rows.map((row) => row.event_id).sort()).toEqual(later.map((event) => event.eventId).sort());
    expect(new Set(harness.posthog.deliveredEvents().map((event) => event.uuid))).toEqual(
      new Set([first, ...later].map((event) => event.eventId)),
    );
  });
});
