import { PolicyHarness, policyAuditRows, startPolicyHarness } from './ingest-policy.harness';

describe('the ingest policy before any ingest-api has started', () => {
  let harness: PolicyHarness;

  beforeAll(async () => {
    harness = await startPolicyHarness('policy_not_seeded', {}, 0);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('answers 404 ADMIN_INGEST_POLICY_NOT_FOUND to GET and PUT, and writes nothing', async () => {
    const read = await harness.getPolicy().expect(404);
    expect(read.body).toMatchObject({ success: false, code: 'ADMIN_INGEST_POLICY_NOT_FOUND' });
    const change = await harness.putPolicy({ rateLimit: { maxRequests: 10 }, reason: 'too early' }).expect(404);
    expect(change.body.code).toBe('ADMIN_INGEST_POLICY_NOT_FOUND');
    expect(await policyAuditRows(harness.db)).toEqual([]);
  });

  it('is seeded by the first ingest-api that starts', async () => {
    await harness.bootReplica({ ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS: '7' });
    const read = await harness.getPolicy().expect(200);
    expect(read.body.data).toMatchObject({
      version: 1,
      updatedBy: 'environment',
      effective: { rateLimit: { maxRequests: 7 } },
    });
  });
});
