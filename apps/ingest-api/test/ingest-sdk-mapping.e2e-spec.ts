import { randomUUID } from 'node:crypto';
import { CanonicalEvent, EVENT_ID_UUID_NAMESPACE, uuidV5 } from '@app/entities';
import { IngestHarness } from './ingest-api.harness';
import { BACKEND_KEY, basicAuth, postJson, startSdkIngest, storedEvents } from './sdk.harness';

const HOUR = 3_600_000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function msBetween(later: string, earlier: string): number {
  return Date.parse(later) - Date.parse(earlier);
}

describe('SDK events map into the canonical event as DESIGN §3 says', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startSdkIngest('ingest_sdk_mapping');
  });

  afterAll(async () => {
    await harness.close();
  });

  async function posthog(batch: object[], sentAt?: string): Promise<void> {
    const answer = await postJson(harness.ingest.url, '/batch/', { api_key: BACKEND_KEY, batch, sent_at: sentAt });
    expect(answer.status).toBe(200);
  }

  async function segment(path: string, body: object): Promise<void> {
    const answer = await postJson(harness.ingest.url, path, body, { Authorization: basicAuth(BACKEND_KEY) });
    expect(answer.status).toBe(200);
  }

  async function one(eventId: string): Promise<CanonicalEvent> {
    const [event] = await storedEvents(harness, [eventId]);
    expect(event).toBeDefined();
    return event;
  }

  it('PostHog: uuid, event, distinct_id (digits → memberId), properties with $set and other fields, key stripped', async () => {
    const member = { uuid: randomUUID(), event: 'review.created', distinct_id: '12345', properties: { a: 1 } };
    const anonymous = {
      uuid: randomUUID(),
      event: '$identify',
      distinct_id: 'user-42',
      $set: { plan: 'pro' },
      $set_once: { first: '/home' },
      library: 'custom',
      properties: { $anon_distinct_id: 'device-1', nested: { deep: [1, { x: null }] }, dropped: null, token: 'x' },
    };
    const inProperties = { uuid: randomUUID(), event: '$pageview', properties: { distinct_id: '9007199254740992' } };
    await posthog([member, anonymous, inProperties]);

    expect(await one(member.uuid)).toMatchObject({
      eventName: 'review.created',
      eventVersion: 'v1',
      memberId: 12345,
      anonymousId: null,
      source: 'SERVER',
      properties: { a: 1 },
    });
    expect(await one(anonymous.uuid)).toMatchObject({
      eventName: '$identify',
      memberId: null,
      anonymousId: 'user-42',
      properties: {
        $anon_distinct_id: 'device-1',
        nested: { deep: [1, { x: null }] },
        $set: { plan: 'pro' },
        $set_once: { first: '/home' },
        library: 'custom',
      },
    });
    expect((await one(anonymous.uuid)).properties).not.toHaveProperty('dropped');
    expect((await one(anonymous.uuid)).properties).not.toHaveProperty('token');
    // Beyond 2^53 − 1 the digits are not a member id.
    expect(await one(inProperties.uuid)).toMatchObject({ memberId: null, anonymousId: '9007199254740992' });
  });

  it('PostHog: a uuid over 64 characters becomes its stable v5 uuid, the original kept; none gets a fresh id', async () => {
    const longId = `custom-${'x'.repeat(70)}`;
    const derived = uuidV5(longId, EVENT_ID_UUID_NAMESPACE);
    const who = `anon-${randomUUID()}`;
    await posthog([
      { uuid: longId, event: 'a.long', distinct_id: who },
      { event: 'a.none', distinct_id: who },
    ]);
    await posthog([{ uuid: longId, event: 'a.long', distinct_id: who }]);
    expect(await one(derived)).toMatchObject({ eventName: 'a.long', properties: { uuid: longId } });
    const rows = await harness.db.query<{ event_id: string; event_name: string }>(
      `SELECT event_id, event_name FROM user_activity_source_outbox WHERE payload->>'anonymousId' = $1 ORDER BY event_name`,
      [who],
    );
    expect(rows.map((row) => row.event_name)).toEqual(['a.long', 'a.none']);
    expect(rows[1].event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('PostHog: timestamp corrected by the skew of sent_at; a future time is clamped to the receive time', async () => {
    // The device clock is an hour fast: it stamps the event 10 s before it sends the batch.
    const deviceNow = Date.now() + HOUR;
    const skewed = { uuid: randomUUID(), event: 'a.skewed', distinct_id: 'd', timestamp: iso(deviceNow - 10_000) };
    await posthog([skewed], iso(deviceNow));
    const future = { uuid: randomUUID(), event: 'a.future', distinct_id: 'd', timestamp: iso(Date.now() + HOUR) };
    await posthog([future]);

    const stored = await one(skewed.uuid);
    expect(msBetween(stored.receivedAt, stored.occurredAt)).toBe(10_000);
    const clamped = await one(future.uuid);
    expect(clamped.occurredAt).toBe(clamped.receivedAt);
  });

  it('Segment: call names, traits, userId over anonymousId, other fields kept, (original)timestamp and sentAt', async () => {
    const sentAt = iso(Date.now() + HOUR);
    const calls = {
      page: { type: 'page', name: 'Home', properties: { path: '/' } },
      screen: { type: 'screen', name: 'Settings' },
      identify: { type: 'identify', traits: { email: 'a@example.com' } },
      group: { type: 'group', groupId: 'g-1', traits: { size: 10 } },
      alias: { type: 'alias', previousId: 'anon-7' },
      track: {
        type: 'track',
        event: 'review.created',
        properties: { stars: 5 },
        context: { library: { name: 'analytics-node' } },
        integrations: {},
      },
    };
    const events = Object.entries(calls).map(([, call]) => ({
      ...call,
      messageId: randomUUID(),
      userId: '777',
      anonymousId: 'anon-7',
      originalTimestamp: iso(Date.parse(sentAt) - 5_000),
    }));
    await segment('/v1/batch', { batch: events, sentAt });

    const stored = await storedEvents(
      harness,
      events.map((event) => event.messageId),
    );
    expect(stored.map((event) => [event.eventName, event.memberId, event.anonymousId])).toEqual([
      ['$pageview', 777, null],
      ['$screen', 777, null],
      ['$identify', 777, null],
      ['$groupidentify', 777, null],
      ['$create_alias', 777, null],
      ['review.created', 777, null],
    ]);
    expect(stored.map((event) => event.properties)).toEqual([
      { path: '/', name: 'Home', anonymousId: 'anon-7' },
      { name: 'Settings', anonymousId: 'anon-7' },
      { email: 'a@example.com', anonymousId: 'anon-7' },
      { size: 10, groupId: 'g-1', anonymousId: 'anon-7' },
      { previousId: 'anon-7', anonymousId: 'anon-7' },
      { stars: 5, context: { library: { name: 'analytics-node' } }, integrations: {}, anonymousId: 'anon-7' },
    ]);
    for (const event of stored) {
      expect(msBetween(event.receivedAt, event.occurredAt)).toBe(5_000);
    }
  });

  it('Segment: one call per route, anonymousId when no userId, per-event sentAt over the batch one', async () => {
    const page = { messageId: randomUUID(), anonymousId: 'anon-page', properties: { url: 'https://x' } };
    await segment('/v1/page/', page);
    expect(await one(page.messageId)).toMatchObject({
      eventName: '$pageview',
      memberId: null,
      anonymousId: 'anon-page',
      properties: { url: 'https://x' },
    });

    const now = Date.now();
    const event = {
      type: 'track',
      event: 'a.rudder',
      messageId: randomUUID(),
      userId: 'user-9',
      originalTimestamp: iso(now - 2_000),
      sentAt: iso(now),
    };
    await segment('/v1/batch', { batch: [event], sentAt: iso(now + HOUR) });
    const stored = await one(event.messageId);
    expect(stored).toMatchObject({ memberId: null, anonymousId: 'user-9' });
    expect(msBetween(stored.receivedAt, stored.occurredAt)).toBe(2_000);
  });
});
