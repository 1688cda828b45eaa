import { randomUUID } from 'node:crypto';
import { processLogs, scrapeMetric } from '@app/testing';
import { IngestHarness, startIngest } from './ingest-api.harness';
import {
  BACKEND_KEY,
  basicAuth,
  ingestEventsMetric,
  outboxCount,
  postJson,
  startSdkIngest,
  storedEvents,
  WEB_KEY,
} from './sdk.harness';

const ALLOWED = 'ui.page.viewed';

function posthogEvent(event = ALLOWED) {
  return { event, uuid: randomUUID(), distinct_id: 'anon-keys' };
}

function segmentTrack(event = ALLOWED) {
  return { type: 'track', event, messageId: randomUUID(), anonymousId: 'anon-keys' };
}

describe('SDK routes take the keys of ANALYTICS_INGEST_SDK_KEYS', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startSdkIngest('ingest_sdk_keys');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('answers 401 to a missing or unknown key on every route, stores nothing and never logs the key', async () => {
    const before = await outboxCount(harness);
    const wrong = 'phc_not_a_configured_key';
    const attempts = [
      postJson(harness.ingest.url, '/batch', { batch: [posthogEvent()] }),
      postJson(harness.ingest.url, '/e', { api_key: wrong, batch: [posthogEvent()] }),
      postJson(harness.ingest.url, '/v1/batch', { batch: [segmentTrack()] }),
      postJson(harness.ingest.url, '/v1/track', segmentTrack(), { Authorization: basicAuth(wrong) }),
      postJson(harness.ingest.url, '/v1/batch', { batch: [segmentTrack()], writeKey: wrong }),
    ];
    for (const answer of await Promise.all(attempts)) {
      expect({ status: answer.status, body: answer.body }).toEqual({
        status: 401,
        body: {
          success: false,
          code: 'ANALYTICS_INGEST_SDK_KEY_INVALID',
          message: 'SDK 키가 없거나 올바르지 않습니다.',
        },
      });
    }
    expect(await outboxCount(harness)).toBe(before);
    expect(processLogs.dump()).not.toContain(wrong);
  });

  it("counts each known key's requests by the key's name, and never exports the key itself", async () => {
    const keyRequests = (key: string, route: string) =>
      scrapeMetric([harness.ingest.url], 'analytics_user_activity_ingest_sdk_key_requests_total', {
        key,
        route,
        result: 'accepted',
      });
    const webBefore = await keyRequests('web', 'posthog');
    const backendBefore = await keyRequests('backend', 'segment');
    for (let i = 0; i < 2; i++) {
      expect((await postJson(harness.ingest.url, '/batch', { api_key: WEB_KEY, batch: [posthogEvent()] })).status).toBe(
        200,
      );
    }
    const segment = await postJson(
      harness.ingest.url,
      '/v1/batch',
      { batch: [segmentTrack()] },
      {
        Authorization: basicAuth(BACKEND_KEY),
      },
    );
    expect(segment.status).toBe(200);
    expect(await keyRequests('web', 'posthog')).toBe(webBefore + 2);
    expect(await keyRequests('backend', 'segment')).toBe(backendBefore + 1);
    const exported = await fetch(`${harness.ingest.url}/metrics`).then((answer) => answer.text());
    expect(exported).not.toContain(WEB_KEY);
    expect(exported).not.toContain(BACKEND_KEY);
  });

  it('finds the PostHog key on the batch, or on an event (token, $token, properties.token)', async () => {
    const bodies = [
      { api_key: WEB_KEY, batch: [posthogEvent()] },
      { token: WEB_KEY, batch: [posthogEvent()] },
      [{ ...posthogEvent(), token: WEB_KEY }],
      [{ ...posthogEvent(), $token: WEB_KEY }],
      [{ ...posthogEvent(), properties: { token: WEB_KEY } }],
    ];
    for (const body of bodies) {
      const answer = await postJson(harness.ingest.url, '/e/', body);
      expect({ body, status: answer.status }).toEqual({ body, status: 200 });
    }
    const ids = bodies.map((body) => (Array.isArray(body) ? body[0].uuid : body.batch[0].uuid));
    const stored = await storedEvents(harness, ids);
    expect(stored).toHaveLength(5);
    // The key is not the event's data.
    expect(stored[4].properties).toEqual({});
  });

  it('finds the Segment write key in HTTP Basic (the user name) or in the body writeKey', async () => {
    const byHeader = segmentTrack();
    const byBody = segmentTrack();
    expect(
      (await postJson(harness.ingest.url, '/v1/track', byHeader, { Authorization: basicAuth(WEB_KEY) })).status,
    ).toBe(200);
    expect((await postJson(harness.ingest.url, '/v1/batch', { batch: [byBody], writeKey: WEB_KEY })).status).toBe(200);
    expect(await storedEvents(harness, [byHeader.messageId, byBody.messageId])).toHaveLength(2);
  });

  it("stores a SERVER key's events as SERVER, outside the allowlist; a CLIENT key's not-allowed event is skipped", async () => {
    const serverEvent = segmentTrack('review.created');
    const clientAllowed = segmentTrack();
    const clientRefused = segmentTrack('review.created');
    const skippedBefore = await ingestEventsMetric(harness, 'not_allowed', 'segment');
    const server = await postJson(
      harness.ingest.url,
      '/v1/batch',
      { batch: [serverEvent] },
      {
        Authorization: basicAuth(BACKEND_KEY),
      },
    );
    const client = await postJson(
      harness.ingest.url,
      '/v1/batch',
      { batch: [clientAllowed, clientRefused] },
      {
        Authorization: basicAuth(WEB_KEY),
      },
    );
    expect([server.status, server.body, client.status, client.body]).toEqual([
      200,
      { success: true },
      200,
      { success: true },
    ]);
    const stored = await storedEvents(harness, [
      serverEvent.messageId,
      clientAllowed.messageId,
      clientRefused.messageId,
    ]);
    expect(stored.map((event) => [event.eventId, event.source])).toEqual([
      [serverEvent.messageId, 'SERVER'],
      [clientAllowed.messageId, 'CLIENT'],
    ]);
    expect((await ingestEventsMetric(harness, 'not_allowed', 'segment')) - skippedBefore).toBe(1);
    expect(processLogs.withMsg('SDK events skipped').at(-1)).toMatchObject({
      route: 'segment',
      key: 'web',
      notAllowed: 1,
      notAllowedEventNames: ['review.created'],
    });
  });
});

describe('SDK routes in the OpenAPI description', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startIngest('ingest_sdk_openapi');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('lists every SDK route with its 200 body and its 401', async () => {
    const docs = (await (await fetch(`${harness.ingest.url}/docs-json`)).json()) as {
      paths: Record<string, { post?: { responses: Record<string, { content?: unknown }> } }>;
    };
    const paths = ['/e', '/i/v0/e', '/batch', '/capture', '/track', '/v1/batch', '/v1/track', '/v1/identify'];
    for (const path of paths) {
      expect({ path, responses: Object.keys(docs.paths[path]?.post?.responses ?? {}) }).toEqual({
        path,
        responses: expect.arrayContaining(['200', '400', '401', '413', '503']),
      });
    }
  });
});

describe('SDK routes without ANALYTICS_INGEST_SDK_KEYS', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startIngest('ingest_sdk_no_keys');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('answer 401 to every key, and the start-up log says why', async () => {
    const answer = await postJson(harness.ingest.url, '/batch', { api_key: WEB_KEY, batch: [posthogEvent()] });
    expect(answer.status).toBe(401);
    expect(
      processLogs.withMsg(
        'ANALYTICS_INGEST_SDK_KEYS is empty: the SDK routes (PostHog, Segment) answer 401 to every request',
      ),
    ).not.toHaveLength(0);
  });
});
