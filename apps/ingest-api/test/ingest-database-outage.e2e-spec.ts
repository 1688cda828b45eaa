import request from 'supertest';
import { bootApp, BootedApp, clientEventInputs, createTestDatabase, FaultProxy, TestDatabase } from '@app/testing';
import { ingestSchema } from '../src/ingest-api.config';
import { IngestApiModule } from '../src/ingest-api.module';
import { ingestApiOptions } from '../src/ingest-api.options';

describe('ingest-api when PostgreSQL is unreachable', () => {
  let db: TestDatabase;
  let proxy: FaultProxy;
  let ingest: BootedApp;

  beforeAll(async () => {
    db = await createTestDatabase('ingest_db_outage');
    const forwarded = await FaultProxy.forUrl(db.url);
    proxy = forwarded.proxy;
    ingest = await bootApp(IngestApiModule, ingestSchema, ingestApiOptions, { DATABASE_URL: forwarded.url });
  });

  afterAll(async () => {
    // A test that failed with the service cut must not leave its app retrying after the file ends.

    proxy?.restore();
    await ingest.close();
    await proxy.close();
    await db.drop();
  });

  it('answers 503 ANALYTICS_INGEST_UNAVAILABLE, never 2xx, and accepts again once the database is back', async () => {
    const events = clientEventInputs(3);
    proxy.cut();
    const refused = await request(ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'a', events })
      .expect(503);
    expect(refused.body).toMatchObject({
      success: false,
      code: 'ANALYTICS_INGEST_UNAVAILABLE',
      message: '이벤트 수집 경로가 준비되지 않았습니다. 잠시 후 다시 시도해 주세요.',
    });
    expect((await request(ingest.url).get('/health/ready')).status).toBe(503);
    expect((await request(ingest.url).get('/health/live')).status).toBe(200);

    proxy.restore();
    const accepted = await request(ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'a', events })
      .expect(202);
    expect(accepted.body.data).toEqual({ acceptedCount: 3, duplicateCount: 0 });
    const rows = await db.query(`SELECT 1 FROM user_activity_source_outbox`);
    expect(rows).toHaveLength(3);
    const metrics = (await request(ingest.url).get('/metrics')).text;
    expect(metrics).toMatch(
      /analytics_user_activity_ingest_requests_total\{result="unavailable",source="client",route="native",app="ingest-api"\} 1/,
    );
    expect(metrics).toMatch(/analytics_user_activity_outbox_enqueue_total\{result="fail",app="ingest-api"\} 3/);
  });
});
