import { randomUUID } from 'node:crypto';
import { IngestHarness } from './ingest-api.harness';
import {
  BACKEND_KEY,
  basicAuth,
  ingestEventsMetric,
  outboxCount,
  postJson,
  startSdkIngest,
  WEB_KEY,
} from './sdk.harness';

const ORIGIN = 'https://shop.example';

function posthogBatch(key = WEB_KEY) {
  return { api_key: key, batch: [{ event: 'ui.page.viewed', uuid: randomUUID(), distinct_id: 'anon-cors' }] };
}

describe('SDK routes answer browsers with CORS headers, errors included', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startSdkIngest('ingest_sdk_cors', {
      ANALYTICS_INGEST_CORS_ORIGINS: `${ORIGIN},https://other.example`,
    });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('answers a preflight for an allowed origin with the origin, credentials and POST', async () => {
    const response = await fetch(`${harness.ingest.url}/e/?compression=gzip-js`, {
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type',
    });
  });

  it('puts Access-Control-Allow-Origin on a 200, a 400 and a 401', async () => {
    const headers = { Origin: ORIGIN };
    const answers = [
      await postJson(harness.ingest.url, '/i/v0/e/', posthogBatch(), headers),
      await postJson(harness.ingest.url, '/e', { nothing: 'here' }, headers),
      await postJson(harness.ingest.url, '/e', posthogBatch('phc_wrong'), headers),
      await postJson(harness.ingest.url, '/v1/batch', { batch: [] }, headers),
    ];
    expect(answers.map((answer) => [answer.status, answer.headers.get('access-control-allow-origin')])).toEqual([
      [200, ORIGIN],
      [400, ORIGIN],
      [401, ORIGIN],
      [401, ORIGIN],
    ]);
  });

  it('gives no CORS header to an origin not in the list, nor to the native endpoint', async () => {
    const stranger = await postJson(harness.ingest.url, '/e', posthogBatch(), { Origin: 'https://evil.example' });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const native = await postJson(
      harness.ingest.url,
      '/api/v1/analytics/events',
      { anonymousId: 'a', events: [{ eventId: randomUUID(), eventName: 'ui.page.viewed' }] },
      { Origin: ORIGIN },
    );
    expect(native.status).toBe(202);
    expect(native.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('SDK routes limit requests per key', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startSdkIngest('ingest_sdk_rate_limit', {
      ANALYTICS_INGEST_SDK_RATE_LIMIT_MAX_REQUESTS: '1',
      // A day-long window, so a test never lands in a fresh one.
      ANALYTICS_INGEST_SDK_RATE_LIMIT_WINDOW: 'P1D',
    });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('answers 429 with Retry-After on the Segment routes and PostHog /batch once a key is over its limit', async () => {
    const auth = { Authorization: basicAuth(BACKEND_KEY) };
    const track = () => ({ type: 'track', event: 'a.b', messageId: randomUUID(), userId: 'u' });
    expect((await postJson(harness.ingest.url, '/v1/track', track(), auth)).status).toBe(200);
    const refused = await postJson(harness.ingest.url, '/v1/track', track(), auth);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({ success: false, code: 'ANALYTICS_INGEST_RATE_LIMIT_EXCEEDED' });
    const posthogNode = await postJson(harness.ingest.url, '/batch/', posthogBatch(BACKEND_KEY));
    expect(posthogNode.status).toBe(429);
  });

  it("answers posthog-js's routes 200 quota_limited instead, storing nothing and counting the events", async () => {
    expect((await postJson(harness.ingest.url, '/e/', posthogBatch())).status).toBe(200);
    const before = {
      rows: await outboxCount(harness),
      limited: await ingestEventsMetric(harness, 'rate_limited', 'posthog'),
    };
    const limited = await postJson(harness.ingest.url, '/e/', posthogBatch());
    expect({ status: limited.status, body: limited.body }).toEqual({
      status: 200,
      body: { status: 1, quota_limited: ['events'] },
    });
    expect(await outboxCount(harness)).toBe(before.rows);
    expect((await ingestEventsMetric(harness, 'rate_limited', 'posthog')) - before.limited).toBe(1);
  });
});
