import { randomUUID } from 'node:crypto';
import { IngestHarness } from './ingest-api.harness';
import {
  ingestEventsMetric,
  ingestRequestsMetric,
  outboxCount,
  postJson,
  startSdkIngest,
  storedEvents,
  WEB_KEY,
} from './sdk.harness';

const ALLOWED = 'ui.page.viewed';

function posthogEvent(fields: object = {}) {
  return { event: ALLOWED, uuid: randomUUID(), distinct_id: 'anon-skips', ...fields };
}

describe('SDK routes skip and count a bad event instead of failing its batch', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startSdkIngest('ingest_sdk_skips');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('stores the good events of a batch, answers 200 and counts the others by reason', async () => {
    const good = [posthogEvent(), posthogEvent()];
    const invalid = [
      posthogEvent({ event: '' }),
      posthogEvent({ distinct_id: undefined }),
      posthogEvent({ timestamp: 'yesterday' }),
      posthogEvent({ properties: ['not', 'an', 'object'] }),
      posthogEvent({ properties: { text: 'nul \u0000 inside' } }),
      posthogEvent({ properties: { big: 'x'.repeat(17_000) } }),
      'not an object',
    ];
    const notAllowed = [posthogEvent({ event: '$autocapture' })];
    const before = {
      invalid: await ingestEventsMetric(harness, 'invalid', 'posthog'),
      notAllowed: await ingestEventsMetric(harness, 'not_allowed', 'posthog'),
      accepted: await ingestEventsMetric(harness, 'accepted', 'posthog'),
      requests: await ingestRequestsMetric(harness, 'accepted', 'posthog'),
    };
    const answer = await postJson(harness.ingest.url, '/e/', {
      api_key: WEB_KEY,
      batch: [good[0], ...invalid, ...notAllowed, good[1]],
    });
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: { status: 1 } });
    expect(
      (
        await storedEvents(
          harness,
          good.map((event) => event.uuid),
        )
      ).map((event) => event.eventId),
    ).toEqual(good.map((event) => event.uuid));
    expect({
      invalid: (await ingestEventsMetric(harness, 'invalid', 'posthog')) - before.invalid,
      notAllowed: (await ingestEventsMetric(harness, 'not_allowed', 'posthog')) - before.notAllowed,
      accepted: (await ingestEventsMetric(harness, 'accepted', 'posthog')) - before.accepted,
      requests: (await ingestRequestsMetric(harness, 'accepted', 'posthog')) - before.requests,
    }).toEqual({ invalid: invalid.length, notAllowed: 1, accepted: 2, requests: 1 });
  });

  it('answers 200 to a batch of only skipped events, storing nothing', async () => {
    const before = await outboxCount(harness);
    const answer = await postJson(harness.ingest.url, '/batch', {
      api_key: WEB_KEY,
      batch: [posthogEvent({ event: 'not.allowed' })],
    });
    expect(answer.status).toBe(200);
    expect(await outboxCount(harness)).toBe(before);
  });

  it('stores an id sent twice in one batch once, and a resent batch stores nothing new', async () => {
    const twice = posthogEvent();
    const other = posthogEvent();
    const batch = { api_key: WEB_KEY, batch: [twice, other, twice] };
    const duplicatesBefore = await ingestEventsMetric(harness, 'duplicate', 'posthog');
    expect((await postJson(harness.ingest.url, '/batch/', batch)).status).toBe(200);
    const countAfterFirst = await outboxCount(harness);
    expect((await postJson(harness.ingest.url, '/batch/', batch)).body).toEqual({ status: 1 });
    expect(await outboxCount(harness)).toBe(countAfterFirst);
    expect(await storedEvents(harness, [twice.uuid, other.uuid])).toHaveLength(2);
    // One repeat inside the first batch, then all three of the resent one.
    expect((await ingestEventsMetric(harness, 'duplicate', 'posthog')) - duplicatesBefore).toBe(4);
  });
});
