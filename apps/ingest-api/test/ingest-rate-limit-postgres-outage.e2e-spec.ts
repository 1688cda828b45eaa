import request from 'supertest';
import { bootApp, BootedApp, clientEventInputs, createTestDatabase, FaultProxy, TestDatabase } from '@app/testing';
import { ingestSchema } from '../src/ingest-api.config';
import { IngestApiModule } from '../src/ingest-api.module';
import { ingestApiOptions } from '../src/ingest-api.options';

describe('ingest-api with the PostgreSQL rate-limit store when PostgreSQL is unreachable', () => {
  let db: TestDatabase;
  let proxy: FaultProxy;
  let ingest: BootedApp;

  beforeAll(async () => {
    db = await createTestDatabase('ingest_rate_pg_outage');
    const forwarded = await FaultProxy.forUrl(db.url);
    proxy = forwarded.proxy;
    ingest = await bootApp(IngestApiModule, ingestSchema, ingestApiOptions, {
      DATABASE_URL: forwarded.url,
      ANALYTICS_INGEST_RATE_LIMIT_STORE: 'postgres',
      INGEST_COMMIT_TIMEOUT: 'PT1S',
    });
  });

  afterAll(async () => {
    // A test that failed with the service cut must not leave its app retrying after the file ends.

    proxy?.restore();
    await ingest.close();
    await proxy.close();
    await db.drop();
  });

  const post = () =>
    request(ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'a', events: clientEventInputs(1) });

  it('answers 503 ANALYTICS_INGEST_UNAVAILABLE, not 500, when the store refuses and when it stalls', async () => {
    proxy.cut();
    expect((await post()).body).toMatchObject({ success: false, code: 'ANALYTICS_INGEST_UNAVAILABLE' });
    proxy.restore();
    await post().expect(202);

    proxy.stall();
    const stalled = await post();
    expect(stalled.status).toBe(503);
    expect(stalled.body.code).toBe('ANALYTICS_INGEST_UNAVAILABLE');
    proxy.restore();
  });
});
