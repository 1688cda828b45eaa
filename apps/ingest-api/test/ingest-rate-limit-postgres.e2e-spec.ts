import request from 'supertest';
import { clientEventInput } from '@app/testing';
import { IngestHarness, startIngest } from './ingest-api.harness';

describe('ingest-api with the PostgreSQL rate-limit store', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startIngest('ingest_rate_pg', {
      ANALYTICS_INGEST_RATE_LIMIT_STORE: 'postgres',
      ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS: '3',
      // A day-long window, so the test never straddles a window boundary.
      ANALYTICS_INGEST_RATE_LIMIT_WINDOW: 'P1D',
    });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('counts requests per caller and per client network in the shared table and answers the 4th with 429', async () => {
    const post = (anonymousId: string) =>
      request(harness.ingest.url)
        .post('/api/v1/analytics/events')
        .send({ anonymousId, events: [clientEventInput()] });
    for (let i = 0; i < 3; i++) {
      await post('shared-anon').expect(202);
    }
    const limited = await post('shared-anon').expect(429);
    expect(limited.body.code).toBe('ANALYTICS_INGEST_RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await post('another-anon').expect(202);
    const windows = await harness.db.query<{ rate_key: string; request_count: number }>(
      'SELECT rate_key, request_count FROM ingest_rate_limit_window ORDER BY rate_key',
    );
    expect(windows).toEqual([
      { rate_key: 'anonymous:another-anon', request_count: 1 },
      { rate_key: 'anonymous:shared-anon', request_count: 4 },
      { rate_key: 'ip:127.0.0.1', request_count: 5 },
    ]);
  });
});
