import { randomUUID } from 'node:crypto';
import { bootApp, BootedApp, createTestDatabase, FaultProxy, TestDatabase } from '@app/testing';
import { ingestSchema } from '../src/ingest-api.config';
import { IngestApiModule } from '../src/ingest-api.module';
import { ingestApiOptions } from '../src/ingest-api.options';
import { BACKEND_KEY, basicAuth, postJson, SDK_KEYS, WEB_KEY } from './sdk.harness';

describe('SDK routes when the commit fails', () => {
  let db: TestDatabase;
  let proxy: FaultProxy;
  let ingest: BootedApp;

  beforeAll(async () => {
    db = await createTestDatabase('ingest_sdk_outage');
    const forwarded = await FaultProxy.forUrl(db.url);
    proxy = forwarded.proxy;
    ingest = await bootApp(IngestApiModule, ingestSchema, ingestApiOptions, {
      DATABASE_URL: forwarded.url,
      ANALYTICS_INGEST_SDK_KEYS: SDK_KEYS,
    });
  });

  afterAll(async () => {
    // A test that failed with the service cut must not leave its app retrying after the file ends.

    proxy?.restore();
    await ingest.close();
    await proxy.close();
    await db.drop();
  });

  it('answers 503 with Retry-After (every SDK retries it), and stores the retried batch once the database is back', async () => {
    const posthog = { api_key: WEB_KEY, batch: [{ event: 'ui.page.viewed', uuid: randomUUID(), distinct_id: 'a' }] };
    const segment = { batch: [{ type: 'track', event: 'a.b', messageId: randomUUID(), userId: 'u' }] };
    const auth = { Authorization: basicAuth(BACKEND_KEY), Origin: 'https://shop.example' };
    proxy.cut();
    const refused = [
      await postJson(ingest.url, '/e/', posthog, { Origin: 'https://shop.example' }),
      await postJson(ingest.url, '/v1/batch', segment, auth),
    ];
    for (const answer of refused) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      expect(answer.body).toMatchObject({ success: false, code: 'ANALYTICS_INGEST_UNAVAILABLE' });
    }

    proxy.restore();
    expect((await postJson(ingest.url, '/e/', posthog)).body).toEqual({ status: 1 });
    expect((await postJson(ingest.url, '/v1/batch', segment, auth)).body).toEqual({ success: true });
    const rows = await db.query<{ event_id: string }>('SELECT event_id FROM user_activity_source_outbox ORDER BY id');
    expect(rows.map((row) => row.event_id)).toEqual([posthog.batch[0].uuid, segment.batch[0].messageId]);
  });
});
