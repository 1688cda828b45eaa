import { EVENT_STORE_QUEUE } from '@app/messaging';
import { AdminHarness, auditRows, seedSourceOutbox, sourceStatusCounts, startAdmin } from './admin-api.harness';

const BAD_REQUESTS: { method: 'get' | 'post'; path: string }[] = [
  ...['abc', '-5', '-0', '1.5', '1e3', '+5', '0x10', ' 5', '99999999999', '2147483648', '1&limit=2'].map((limit) => ({
    method: 'post' as const,
    path: `/api/v1/admin/user-activity/outbox/replay?limit=${encodeURIComponent(limit).replace('%26limit%3D', '&limit=')}`,
  })),
  { method: 'post', path: '/api/v1/admin/user-activity/outbox/replay?limit=10&force=true' },
  { method: 'get', path: '/api/v1/admin/user-activity/outbox/summary?verbose=1' },
  { method: 'get', path: '/api/v1/admin/mq-traces?limit=abc' },
  { method: 'get', path: '/api/v1/admin/mq-traces?limit=-1' },
  { method: 'get', path: `/api/v1/admin/mq-traces?messageId=${'m'.repeat(101)}` },
  { method: 'get', path: '/api/v1/admin/mq-traces?messageId=a&messageId=b' },
  { method: 'post', path: '/api/v1/admin/user-activity/dispatch/replay' },
  { method: 'post', path: '/api/v1/admin/user-activity/dispatch/replay?target=WEBHOOK' },
  { method: 'post', path: '/api/v1/admin/user-activity/dispatch/replay?target=posthog' },
  { method: 'post', path: '/api/v1/admin/user-activity/dispatch/replay?target=POSTHOG&limit=abc' },
  { method: 'get', path: '/api/v1/admin/user-activity/dispatch/summary?target=POSTHOG' },
  { method: 'get', path: `/api/v1/admin/user-activity/events/${'e'.repeat(65)}/journey` },
  { method: 'get', path: '/api/v1/admin/user-activity/events/e-1/journey?verbose=1' },
];

describe('admin-api parameters: 400 for malformed ones, clamping for out-of-range limits', () => {
  let harness: AdminHarness;

  beforeAll(async () => {
    harness = await startAdmin('admin_params');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('answers 400 INVALID_REQUEST naming the field, never 500, and audits nothing', async () => {
    for (const { method, path } of BAD_REQUESTS) {
      const response = await harness[method](path);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(response.body).toMatchObject({
        success: false,
        code: 'INVALID_REQUEST',
        message: '요청 값이 올바르지 않습니다.',
      });
      expect(response.body.errors).toEqual([
        expect.objectContaining({ field: expect.any(String), reason: expect.any(String) }),
      ]);
    }
    const limit = await harness.post('/api/v1/admin/user-activity/outbox/replay?limit=abc');
    expect(limit.body.errors).toEqual([
      { field: 'limit', reason: 'limit must be a non-negative integer', rejectedValue: 'abc' },
    ]);
    const target = await harness.post('/api/v1/admin/user-activity/dispatch/replay?target=WEBHOOK');
    expect(target.body.errors).toEqual([
      { field: 'target', reason: 'target must be one of POSTHOG', rejectedValue: 'WEBHOOK' },
    ]);
    expect(await auditRows(harness.db)).toEqual([]);
  });

  it.each([
    ['/api/v1/admin/user-activity/dispatch/replay', 'post', { field: 'target', reason: 'target is required' }],
    [
      '/api/v1/admin/mq-traces?messageId=a&messageId=b',
      'get',
      { field: 'messageId', reason: 'messageId must be a string' },
    ],
    [
      '/api/v1/admin/user-activity/outbox/replay?limit=1&limit=2',
      'post',
      { field: 'limit', reason: 'limit must be a non-negative integer' },
    ],
  ] as const)('%s names the basic rule that failed, not a later one', async (path, method, error) => {
    const response = await harness[method](path);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining(error)]);
  });

  it('ignores a JSON body on a replay and refuses a body that is not JSON', async () => {
    const json = await harness
      .post('/api/v1/admin/user-activity/outbox/replay?limit=1')
      .send({ limit: 1000 })
      .expect(200);
    expect(json.body.data.limit).toBe(1);
    await harness
      .post('/api/v1/admin/user-activity/outbox/replay')
      .set('Content-Type', 'text/plain')
      .send('limit=5')
      .expect(415);
    await harness
      .post('/api/v1/admin/user-activity/outbox/replay')
      .set('Content-Type', 'application/json')
      // Over the 256 KiB that an ingest policy PUT may take.
      .send('x'.repeat(300_000))
      .expect(413);
  });

  it('replays at most 500 rows for limit=999, oldest first, and the default 100 for a blank limit', async () => {
    const events = await seedSourceOutbox(harness.db, 650, { status: 'FAILED', nextRetryInMs: 600_000 });
    const first = await harness.post('/api/v1/admin/user-activity/outbox/replay?limit=999').expect(200);
    expect(first.body).toEqual({
      success: true,
      data: { limit: 500, processedCount: 500, successCount: 500, failedCount: 0 },
    });
    const published = await harness.db.query<{ event_id: string }>(
      `SELECT event_id FROM user_activity_source_outbox WHERE status = 'PUBLISHED'`,
    );
    expect(new Set(published.map((row) => row.event_id))).toEqual(new Set(events.slice(0, 500).map((e) => e.eventId)));

    const blank = await harness.post('/api/v1/admin/user-activity/outbox/replay?limit=').expect(200);
    expect(blank.body.data).toMatchObject({ limit: 100, processedCount: 100 });
    const zero = await harness.post('/api/v1/admin/user-activity/outbox/replay?limit=0').expect(200);
    expect(zero.body.data).toMatchObject({ limit: 1, processedCount: 1 });
    const huge = await harness.post('/api/v1/admin/user-activity/outbox/replay?limit=2147483647').expect(200);
    expect(huge.body.data).toMatchObject({ limit: 500, processedCount: 49 });

    expect(await sourceStatusCounts(harness.db)).toEqual({ PUBLISHED: 650 });
    const { channel, connection } = await harness.vhost.connect();
    expect((await channel.checkQueue(EVENT_STORE_QUEUE)).messageCount).toBe(650);
    await connection.close();
    const audited = await auditRows(harness.db);
    expect(audited.map((row) => [row.parameters.requestedLimit, row.parameters.limit])).toEqual([
      [1, 1],
      [999, 500],
      [null, 100],
      [0, 1],
      [2147483647, 500],
    ]);
  });

  it('returns at most 200 traces for limit=1000, newest first, 50 by default, of all messages without messageId', async () => {
    await harness.db.query(
      `INSERT INTO message_queue_trace_log (message_id, topic, provider, message_key, stage, processing_millis)
       SELECT 'busy-message', 'domain.user.activity', 'rabbitmq', 'ui.page.viewed', 'PUBLISH_FAIL', n
       FROM generate_series(1, 250) AS n`,
    );
    const many = await harness.get('/api/v1/admin/mq-traces?messageId=busy-message&limit=1000').expect(200);
    expect(many.body.data).toHaveLength(200);
    expect(many.body.data[0]).toMatchObject({
      messageId: 'busy-message',
      processingMillis: 250,
      stage: 'PUBLISH_FAIL',
    });
    const ids = many.body.data.map((trace: { id: number }) => trace.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const byDefault = await harness.get('/api/v1/admin/mq-traces?messageId=busy-message').expect(200);
    expect(byDefault.body.data).toHaveLength(50);
    const blank = await harness.get('/api/v1/admin/mq-traces?messageId=&limit=3').expect(200);
    expect(blank.body.data.map((trace: { messageId: string }) => trace.messageId)).not.toContain(undefined);
    expect(blank.body.data).toHaveLength(3);
    const newest = await harness.get('/api/v1/admin/mq-traces?limit=1').expect(200);
    const [{ max }] = await harness.db.query<{ max: string }>(`SELECT max(id) AS max FROM message_queue_trace_log`);
    expect(newest.body.data.map((trace: { id: number }) => trace.id)).toEqual([Number(max)]);
    const unknown = await harness.get('/api/v1/admin/mq-traces?messageId=nobody').expect(200);
    expect(unknown.body.data).toEqual([]);
  });
});
