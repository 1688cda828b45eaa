import request from 'supertest';
import { processLogs, scrapeMetric } from '@app/testing';
import {
  ADMIN_TOKEN,
  AdminHarness,
  auditRows,
  ONCALL_TOKEN,
  seedDispatch,
  seedSourceOutbox,
  startAdmin,
} from './admin-api.harness';

const ENDPOINTS: { method: 'get' | 'post'; path: string }[] = [
  { method: 'get', path: '/api/v1/admin/user-activity/outbox/summary' },
  { method: 'post', path: '/api/v1/admin/user-activity/outbox/replay?limit=10' },
  { method: 'get', path: '/api/v1/admin/mq-traces?messageId=m-1&limit=5' },
  { method: 'get', path: '/api/v1/admin/user-activity/dispatch/summary' },
  { method: 'post', path: '/api/v1/admin/user-activity/dispatch/replay?target=POSTHOG' },
  { method: 'get', path: '/api/v1/admin/user-activity/events/some-event/journey' },
];

const REFUSED_HEADERS: (string | undefined)[] = [
  undefined,
  'Bearer wrong-secret-of-enough-length',
  `Basic ${ADMIN_TOKEN}`,
  `Basic ${Buffer.from(`ops:${ADMIN_TOKEN}`).toString('base64')}`,
  'Bearer ',
  'Bearer',
  `bearer ${ADMIN_TOKEN}`,
  `Bearer ops:${ADMIN_TOKEN}`,
  `Bearer ${ADMIN_TOKEN} extra`,
  `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
  `Bearer ${ADMIN_TOKEN}x`,
];

/** Messages admin-api published (source outbox replays) and the broker confirmed. */
function publishedByAdmin(harness: AdminHarness): Promise<number> {
  return scrapeMetric([harness.admin.url], 'mq_publish_count_total', { result: 'success' });
}

describe('admin-api authentication and audit', () => {
  let harness: AdminHarness;

  beforeAll(async () => {
    harness = await startAdmin('admin_auth');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('answers 401 with the same body, whatever is wrong with the credentials, on every endpoint', async () => {
    for (const { method, path } of ENDPOINTS) {
      for (const authorization of REFUSED_HEADERS) {
        const call = request(harness.admin.url)[method](path);
        if (authorization !== undefined) {
          call.set('Authorization', authorization);
        }
        const response = await call;
        expect({ path, authorization, status: response.status }).toEqual({ path, authorization, status: 401 });
        expect(response.body).toEqual({ success: false, code: 'UNAUTHORIZED', message: '인증이 필요합니다.' });
        expect(response.headers['www-authenticate']).toBe('Bearer');
      }
    }
    expect(await auditRows(harness.db)).toEqual([]);
  });

  it('lets either configured token in, and answers the journey of an unknown event with 404', async () => {
    for (const token of [ADMIN_TOKEN, ONCALL_TOKEN]) {
      for (const { method, path } of ENDPOINTS) {
        const response = await request(harness.admin.url)[method](path).set('Authorization', `Bearer ${token}`);
        const expected = path.endsWith('/journey') ? 404 : 200;
        expect({ path, status: response.status }).toEqual({ path, status: expected });
        expect(response.body.success).toBe(expected === 200);
      }
    }
    const missing = await harness.get('/api/v1/admin/user-activity/events/no-such-event/journey').expect(404);
    expect(missing.body).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });

  it('writes one audit row per replay, naming the token and never holding a secret', async () => {
    const earlier = (await auditRows(harness.db)).length;
    const publishedBefore = await publishedByAdmin(harness);
    await seedSourceOutbox(harness.db, 3, { status: 'FAILED', nextRetryInMs: null });
    await seedDispatch(harness.db, 2, { status: 'FAILED', nextRetryInMs: null });

    await harness.post('/api/v1/admin/user-activity/outbox/replay?limit=200').expect(200);
    await request(harness.admin.url)
      .post('/api/v1/admin/user-activity/dispatch/replay?target=POSTHOG&limit=7')
      .set('Authorization', `Bearer ${ONCALL_TOKEN}`)
      .expect(200);

    const rows = (await auditRows(harness.db)).slice(earlier);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      token_name: 'ops',
      action: 'SOURCE_OUTBOX_REPLAY',
      parameters: { limit: 200, requestedLimit: 200 },
      result: { processedCount: 3, successCount: 3, failedCount: 0 },
    });
    expect(rows[1]).toMatchObject({
      token_name: 'oncall',
      action: 'DISPATCH_OUTBOX_REPLAY',
      parameters: { target: 'POSTHOG', limit: 7, requestedLimit: 7 },
      result: { requeuedCount: 2, parkedCount: 2 },
    });
    expect(rows[1].created_at.getTime()).toBeGreaterThanOrEqual(rows[0].created_at.getTime());
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(ADMIN_TOKEN);
    expect(stored).not.toContain(ONCALL_TOKEN);
    expect((await publishedByAdmin(harness)) - publishedBefore).toBe(3);
  });

  it('never writes a token to the logs', async () => {
    const from = processLogs.lines.length;
    await request(harness.admin.url)
      .get(ENDPOINTS[0].path)
      .set('Authorization', `Bearer ${ADMIN_TOKEN.slice(0, -1)}`)
      .expect(401);
    await seedSourceOutbox(harness.db, 1, { status: 'FAILED', nextRetryInMs: null });
    const replay = await harness.post('/api/v1/admin/user-activity/outbox/replay?limit=200').expect(200);
    const lines = processLogs.lines.slice(from);
    expect(lines.filter((line) => line.msg === 'admin request refused').length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.msg === 'source outbox replay finished')).toEqual([
      expect.objectContaining({ tokenName: 'ops', processedCount: replay.body.data.processedCount }),
    ]);
    expect(replay.body.data.processedCount).toBeGreaterThanOrEqual(1);
    // Every line this process logged, whichever test wrote it.
    const logged = processLogs.dump();
    expect(logged).not.toContain(ADMIN_TOKEN);
    expect(logged).not.toContain(ONCALL_TOKEN);
    expect(logged).not.toContain(ADMIN_TOKEN.slice(0, -1));
  });

  it('serves health, metrics and the OpenAPI document without a token, describing auth and answers', async () => {
    await request(harness.admin.url).get('/health/live').expect(200);
    await request(harness.admin.url).get('/health/ready').expect(200);
    const metrics = await request(harness.admin.url).get('/metrics').expect(200);
    expect(metrics.text).toContain('# TYPE mq_publish_count_total counter');

    const docs = await request(harness.admin.url).get('/docs-json').expect(200);
    expect(docs.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const operations = [
      ['/api/v1/admin/user-activity/outbox/summary', 'get'],
      ['/api/v1/admin/user-activity/outbox/replay', 'post'],
      ['/api/v1/admin/mq-traces', 'get'],
      ['/api/v1/admin/user-activity/dispatch/summary', 'get'],
      ['/api/v1/admin/user-activity/dispatch/replay', 'post'],
      ['/api/v1/admin/user-activity/events/{eventId}/journey', 'get'],
      ['/api/v1/admin/user-activity/diagnosis', 'get'],
      ['/api/v1/admin/user-activity/recovery-check', 'get'],
      ['/api/v1/admin/user-activity/incident-report', 'get'],
      ['/api/v1/admin/user-activity/dlq', 'get'],
      ['/api/v1/admin/user-activity/dlq/redrive', 'post'],
    ];
    for (const [path, method] of operations) {
      const operation = docs.body.paths[path]?.[method];
      expect({ path, documented: operation !== undefined }).toEqual({ path, documented: true });
      expect(operation.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
    }
    const replayParameters = docs.body.paths['/api/v1/admin/user-activity/outbox/replay'].post.parameters;
    expect(replayParameters).toEqual([
      expect.objectContaining({
        name: 'limit',
        in: 'query',
        required: false,
        schema: expect.objectContaining({ default: 100 }),
      }),
    ]);
    expect(
      Object.keys(docs.body.paths['/api/v1/admin/user-activity/events/{eventId}/journey'].get.responses),
    ).toContain('404');
    expect(
      Object.keys(docs.body.paths['/api/v1/admin/user-activity/incident-report'].get.responses['200'].content),
    ).toEqual(['text/markdown']);
    expect(Object.keys(docs.body.paths['/api/v1/admin/user-activity/dlq/redrive'].post.responses)).toContain('503');
    const html = await request(harness.admin.url).get('/docs').redirects(1).expect(200);
    expect(html.text).toContain('swagger');
  });
});
