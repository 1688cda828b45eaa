import { EVENT_ID_UUID_NAMESPACE, uuidV5 } from '@app/entities';
import { canonicalEvent, waitFor } from '@app/testing';
import { allDispatched, DispatcherHarness, startDispatcher } from './dispatcher.harness';

describe('dispatcher with event ids that are not UUIDs', () => {
  let harness: DispatcherHarness;

  beforeAll(async () => {
    harness = await startDispatcher('dispatch_non_uuid_ids');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('delivers them beside UUID ids in one batch, each under the v5 uuid of its id, kept in event_id', async () => {
    const run = Date.now().toString(36);
    const events = [
      canonicalEvent({ eventId: `e-1-${run}` }),
      canonicalEvent(),
      canonicalEvent({ eventId: `server-event-${run}` }),
      canonicalEvent({ eventId: `이벤트-${run}` }),
    ];
    const ids = events.map((event) => event.eventId);
    await harness.seed(events);

    const rows = await waitFor(
      'all 4 rows DISPATCHED',
      () => harness.rows(ids),
      (r) => allDispatched(r, 4),
    );
    expect(rows.every((row) => row.retry_count === 0)).toBe(true);
    expect(harness.posthog.requests.map((request) => [request.answer, request.refusal])).toEqual([[200, null]]);
    const expectedUuids = ids.map((id, i) => (i === 1 ? id : uuidV5(id, EVENT_ID_UUID_NAMESPACE)));
    const [request] = harness.posthog.requests;
    expect(request.batch.map((event) => [event.uuid, event.properties.event_id])).toEqual(
      expectedUuids.map((uuid, i) => [uuid, ids[i]]),
    );
  });
});
