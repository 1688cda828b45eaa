import request from 'supertest';
import { BootedApp, FaultProxy, processLogs, scrapeMetric, waitFor } from '@app/testing';
import { ADMIN_TOKEN, AdminHarness, auditRows, seedSourceOutbox, startAdmin } from './admin-api.harness';

describe('admin-api while RabbitMQ is unreachable', () => {
  let harness: AdminHarness;
  let proxy: FaultProxy;
  let admin: BootedApp;

  const get = (path: string) => request(admin.url).get(path).set('Authorization', `Bearer ${ADMIN_TOKEN}`);
  const post = (path: string) => request(admin.url).post(path).set('Authorization', `Bearer ${ADMIN_TOKEN}`);

  beforeAll(async () => {
    harness = await startAdmin('admin_no_broker');
    const forwarded = await FaultProxy.forUrl(harness.vhost.url);
    proxy = forwarded.proxy;
    proxy.cut();
    admin = await harness.bootAdmin({ RABBITMQ_URL: forwarded.url, MQ_PUBLISH_TIMEOUT: 'PT1S' });
  });

  afterAll(async () => {
    // A test that failed with the service cut must not leave its app retrying after the file ends.

    proxy?.restore();
    await harness.close();
    await proxy.close();
  });

  it('starts, is ready and serves every read endpoint; only the dead-letter queue answers 503', async () => {
    const events = await seedSourceOutbox(harness.db, 3, { status: 'FAILED', nextRetryInMs: null });
    await request(admin.url).get('/health/ready').expect(200);
    expect((await get('/api/v1/admin/user-activity/outbox/summary').expect(200)).body.data).toMatchObject({
      failedCount: 3,
      parkedCount: 3,
    });
    await get(`/api/v1/admin/mq-traces?messageId=${events[0].eventId}`).expect(200);
    await get('/api/v1/admin/user-activity/dispatch/summary').expect(200);
    await get(`/api/v1/admin/user-activity/events/${events[0].eventId}/journey`).expect(200);
    expect(await scrapeMetric([admin.url], 'analytics_user_activity_mq_provider_info', { provider: 'rabbitmq' })).toBe(
      1,
    );

    const listed = await get('/api/v1/admin/user-activity/dlq').expect(503);
    expect(listed.body).toMatchObject({ success: false, code: 'ADMIN_DLQ_UNAVAILABLE' });
    await post('/api/v1/admin/user-activity/dlq/redrive').expect(503);
    expect(await auditRows(harness.db)).toEqual([]);
  });

  it('answers the dead-letter queue once the broker is reachable', async () => {
    const connectedBefore = processLogs.withMsg('RabbitMQ connected').length;
    proxy.restore();
    await waitFor(
      'admin-api to connect',
      () => processLogs.withMsg('RabbitMQ connected').length,
      (count) => count > connectedBefore,
    );
    expect((await get('/api/v1/admin/user-activity/dlq').expect(200)).body.data).toEqual({
      limit: 50,
      depth: 0,
      messages: [],
    });
  });
});
