import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { IngestHarness } from './ingest-api.harness';
import { basicAuth, postRaw, startSdkIngest, storedEvents, WEB_KEY, BACKEND_KEY } from './sdk.harness';

const ALLOWED = 'ui.page.viewed';

function posthogEvent(uuid = randomUUID()) {
  return { event: ALLOWED, uuid, distinct_id: 'anon-bodies', properties: { path: '/home' } };
}

describe('SDK routes read every body form the SDKs send, whatever the Content-Type', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startSdkIngest('ingest_sdk_bodies');
  });

  afterAll(async () => {
    await harness.close();
  });

  async function expectStored(ids: string[]): Promise<void> {
    expect((await storedEvents(harness, ids)).map((event) => event.eventId)).toEqual(ids);
  }

  it.each([
    [
      'gzip with Content-Encoding (posthog-node)',
      (json: string) => gzipSync(json),
      {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
      },
    ],
    [
      'raw gzip as text/plain without Content-Encoding (posthog-js)',
      (json: string) => gzipSync(json),
      {
        'Content-Type': 'text/plain',
      },
    ],
    ['plain JSON as text/plain', (json: string) => json, { 'Content-Type': 'text/plain' }],
    [
      'form data=<JSON>',
      (json: string) => `data=${encodeURIComponent(json)}`,
      {
        'Content-Type': 'application/x-www-form-urlencoded',
      },
    ],
    [
      'form data=<base64 JSON> (posthog-js sendBeacon)',
      (json: string) => `data=${encodeURIComponent(Buffer.from(json).toString('base64'))}`,
      {
        'Content-Type': 'application/x-www-form-urlencoded',
      },
    ],
    [
      'form data=<base64 JSON> with its + unescaped',
      (json: string) => `data=${Buffer.from(json).toString('base64')}`,
      { 'Content-Type': 'application/x-www-form-urlencoded' },
    ],
  ])('a batch object sent as %s is stored, answered 200 {"status":1}', async (_form, encode, headers) => {
    const events = [posthogEvent(), posthogEvent()];
    const json = JSON.stringify({ api_key: WEB_KEY, batch: events, sent_at: new Date().toISOString() });
    const answer = await postRaw(
      harness.ingest.url,
      '/e/?compression=gzip-js&ver=1.449.2&_=1764460000000',
      encode(json),
      headers,
    );
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: { status: 1 } });
    await expectStored(events.map((event) => event.uuid));
  });

  it('takes a JSON array of events and a single event, on every PostHog path with or without the slash', async () => {
    const ids: string[] = [];
    for (const path of ['/batch', '/batch/', '/e', '/i/v0/e/', '/capture', '/capture/', '/track', '/TRACK/']) {
      const single = { ...posthogEvent(), api_key: WEB_KEY };
      const array = [{ ...posthogEvent(), token: WEB_KEY }];
      ids.push(single.uuid, array[0].uuid);
      for (const body of [single, array]) {
        const answer = await postRaw(harness.ingest.url, path, JSON.stringify(body), { 'Content-Type': 'text/plain' });
        expect({ path, status: answer.status, body: answer.body }).toEqual({ path, status: 200, body: { status: 1 } });
      }
    }
    await expectStored(ids);
  });

  it('takes Segment gzip JSON sent as x-www-form-urlencoded (rudder-sdk-node) on /v1/batch', async () => {
    const messageIds = [randomUUID(), randomUUID()];
    const body = {
      batch: messageIds.map((messageId) => ({
        type: 'track',
        event: 'review.created',
        messageId,
        anonymousId: 'anon-rudder',
        originalTimestamp: new Date().toISOString(),
      })),
      sentAt: new Date().toISOString(),
    };
    const answer = await postRaw(harness.ingest.url, '/v1/batch/', gzipSync(JSON.stringify(body)), {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Encoding': 'gzip',
      Authorization: basicAuth(BACKEND_KEY),
    });
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: { success: true } });
    await expectStored(messageIds);
  });

  it.each([
    ['malformed JSON', '{"batch": ['],
    ['gzip magic bytes that do not decompress', Buffer.from([0x1f, 0x8b, 1, 2, 3])],
    ['a form without data', 'foo=bar'],
    ['a JSON value that holds no event', '"just a string"'],
    ['an empty body', ''],
  ])('answers 400 INVALID_REQUEST only when nothing can be read: %s', async (_case, body) => {
    const answer = await postRaw(harness.ingest.url, '/batch', body, { 'Content-Type': 'text/plain' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ success: false, code: 'INVALID_REQUEST' });
  });

  it('has no 50-event cap and takes a Segment batch of 500 KB, over the native 256 KiB limit', async () => {
    const padding = 'x'.repeat(800);
    const batch = Array.from({ length: 600 }, () => ({
      type: 'track',
      event: 'review.created',
      messageId: randomUUID(),
      userId: 'user-big',
      properties: { padding },
    }));
    const json = JSON.stringify({ batch, writeKey: BACKEND_KEY });
    expect(Buffer.byteLength(json)).toBeGreaterThan(500_000);
    const answer = await postRaw(harness.ingest.url, '/v1/batch', json, { 'Content-Type': 'application/json' });
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: { success: true } });
    await expectStored(batch.map((event) => event.messageId));
  });

  it('answers 413 to a PostHog body over ANALYTICS_INGEST_SDK_MAX_BODY_BYTES once inflated, storing nothing', async () => {
    const event = { ...posthogEvent(), properties: { padding: 'x'.repeat(1_100_000) } };
    const compressed = gzipSync(JSON.stringify({ api_key: WEB_KEY, batch: [event] }));
    expect(compressed.length).toBeLessThan(100_000);
    const headerSets: Record<string, string>[] = [{ 'Content-Type': 'text/plain' }, { 'Content-Encoding': 'gzip' }];
    for (const headers of headerSets) {
      const answer = await postRaw(harness.ingest.url, '/batch/', compressed, headers);
      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({ success: false, code: 'PAYLOAD_TOO_LARGE' });
    }
    expect(await storedEvents(harness, [event.uuid])).toEqual([]);
  });
});
