import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase, waitFor } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { IngestPolicyValues } from '../src/ingest-policy';
import { INGEST_POLICY_CHANNEL, IngestPolicyRepository } from '../src/ingest-policy.repository';

const VALUES: IngestPolicyValues = {
  allowlist: ['ui.page.viewed'],
  rateLimit: { maxRequests: 100, windowMs: 60_000 },
  ipRateLimit: { maxRequests: 0, windowMs: 60_000 },
};

describe('IngestPolicyRepository on a migrated database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const policies = new IngestPolicyRepository();

  beforeAll(async () => {
    db = await createTestDatabase('ingest_policy_repository');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'ingest-policy-repository-test')).initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('seeds the policy once: a later seed leaves the stored values alone (ON CONFLICT DO NOTHING)', async () => {
    expect(await policies.read(dataSource)).toBeNull();

    expect(await policies.seed(dataSource, VALUES, 'environment')).toBe(true);
    expect(await policies.seed(dataSource, { ...VALUES, allowlist: ['other.event'] }, 'environment')).toBe(false);

    expect(await policies.read(dataSource)).toMatchObject({ ...VALUES, override: null, version: 1 });
  });

  it('replaces the policy with a new version and notifies the replicas on commit', async () => {
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (message) => payloads.push(message.payload ?? ''));
    await listener.query(`LISTEN ${INGEST_POLICY_CHANNEL}`);
    try {
      const until = new Date(Date.now() + 3_600_000);
      const record = await dataSource.transaction(async (tx) => {
        await policies.read(tx, true);
        return policies.replace(tx, VALUES, { rateLimit: { maxRequests: 500, windowMs: 60_000 }, until }, 'ops');
      });

      expect(record).toMatchObject({ version: 2, updatedBy: 'ops', override: { until } });
      expect(await policies.read(dataSource)).toEqual(record);
      await waitFor(
        'the policy notification',
        () => payloads,
        (received) => received.length === 1,
      );
      expect(payloads).toEqual(['2']);
    } finally {
      await listener.end();
    }
  });
});
