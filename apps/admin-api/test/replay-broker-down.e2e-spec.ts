import request from 'supertest';
import { FaultProxy, processLogs, waitFor } from '@app/testing';
import { ADMIN_TOKEN, AdminHarness, auditRows, seedSourceOutbox, startAdmin } from './admin-api.harness';

interface OutboxRow {
  event_id: string;
  status: string;
  retry_count: number;
  next_retry_at: Date | null;
  last_error: string | null;
}

describe('replay while RabbitMQ is still unreachable, or disabled', () => {
  let harness: AdminHarness;
  let proxy: FaultProxy;
  let behindProxy: string;

  beforeAll(async () => {
    harness = await startAdmin('admin_replay_down', { MQ_PUBLISH_TIMEOUT: 'PT1S' });
    const forwarded = await FaultProxy.forUrl(harness.vhost.url);
    proxy = forwarded.proxy;
    behindProxy = (await harness.bootAdmin({ RABBITMQ_URL: forwarded.url, MQ_PUBLISH_TIMEOUT: 'PT1S' })).url;
  });

  afterAll(async () => {
    // A test that failed with the service cut must not leave its app retrying after the file ends.

    proxy?.restore();
    await harness.close();
    await proxy.close();
  });

  it('keeps the rows FAILED with one more retry and a retry time, then publishes them once the broker is back', async () => {
    const events = await seedSourceOutbox(harness.db, 5, { status: 'FAILED', retryCount: 3, nextRetryInMs: null });
    proxy.cut();
    const failed = await request(behindProxy)
      .post('/api/v1/admin/user-activity/outbox/replay?limit=50')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(200);
    expect(failed.body.data).toEqual({ limit: 50, processedCount: 5, successCount: 0, failedCount: 5 });
    const rows = await harness.db.query<OutboxRow & { due_in_s: number }>(
      `SELECT event_id, status, retry_count, next_retry_at, last_error,
              EXTRACT(EPOCH FROM next_retry_at - now())::float8 AS due_in_s
       FROM user_activity_source_outbox ORDER BY id`,
    );
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'FAILED', retry_count: 4, last_error: expect.any(String) });
      // v1's backoff for a fourth failure: min(640 s, 10 s × 2^3) = 80 s, then the relay takes over.
      expect(row.due_in_s).toBeGreaterThan(60);
      expect(row.due_in_s).toBeLessThanOrEqual(80);
    }
    const traces = await harness.get(`/api/v1/admin/mq-traces?messageId=${events[0].eventId}`).expect(200);
    expect(traces.body.data).toEqual([
      expect.objectContaining({ stage: 'PUBLISH_FAIL', errorMessage: expect.any(String) }),
    ]);

    const connectedBefore = processLogs.withMsg('RabbitMQ connected').length;
    proxy.restore();
    await waitFor(
      'the admin-api behind the proxy to reconnect',
      () => processLogs.withMsg('RabbitMQ connected').length,
      (count) => count > connectedBefore,
    );
    const replayed = await request(behindProxy)
      .post('/api/v1/admin/user-activity/outbox/replay?limit=50')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(200);
    expect(replayed.body.data).toEqual({ limit: 50, processedCount: 5, successCount: 5, failedCount: 0 });
    const summary = await harness.get('/api/v1/admin/user-activity/outbox/summary').expect(200);
    // maxRetryCount is of the rows still waiting: none are.
    expect(summary.body.data).toMatchObject({ failedCount: 0, publishedCount: 5, maxRetryCount: 0 });
    expect((await auditRows(harness.db)).map((row) => row.result)).toEqual([
      { processedCount: 5, successCount: 0, failedCount: 5 },
      { processedCount: 5, successCount: 5, failedCount: 0 },
    ]);
  });

  it('refuses to replay with MQ_PROVIDER=none, logging the runbook line, and changes nothing', async () => {
    await seedSourceOutbox(harness.db, 2, { status: 'FAILED', nextRetryInMs: null });
    const disabled = await harness.bootAdmin({ MQ_PROVIDER: 'none' });
    const before = await auditRows(harness.db);
    const response = await request(disabled.url)
      .post('/api/v1/admin/user-activity/outbox/replay')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(503);
    expect(response.body).toMatchObject({ success: false, code: 'ADMIN_REPLAY_UNAVAILABLE' });
    expect(processLogs.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          signal: 'mq_provider_none',
          msg: '메시지큐 provider가 none이라 User Activity 발행을 건너뜁니다',
        }),
      ]),
    );
    const summary = await request(disabled.url)
      .get('/api/v1/admin/user-activity/outbox/summary')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(200);
    expect(summary.body.data).toMatchObject({ failedCount: 2, parkedCount: 2 });
    expect(await auditRows(harness.db)).toHaveLength(before.length);
  });
});
