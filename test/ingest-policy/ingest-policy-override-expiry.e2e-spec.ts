import { randomUUID } from 'node:crypto';
import { waitFor } from '@app/testing';
import { PolicyHarness, policyAuditRows, PolicyView, sendMany, startPolicyHarness } from './ingest-policy.harness';

const NAME = 'ui.page.viewed';

describe('a temporary override (runbook §9-1 임시 상향)', () => {
  let harness: PolicyHarness;

  beforeAll(async () => {
    harness = await startPolicyHarness(
      'policy_override',
      {
        ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS: '2',
        ANALYTICS_INGEST_RATE_LIMIT_WINDOW: 'P1D',
        ANALYTICS_INGEST_IP_RATE_LIMIT_MAX_REQUESTS: '0',
        INGEST_POLICY_RELOAD_INTERVAL: 'PT0.2S',
      },
      1,
    );
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('raises the limit until its expiry, then the base limit applies again by itself', async () => {
    const [replica] = harness.replicas;
    const until = new Date(Date.now() + 8_000).toISOString();
    const response = await harness
      .putPolicy({ override: { rateLimit: { maxRequests: 4 }, until }, reason: '§9-1: campaign, raise for a while' })
      .expect(200);
    const view = response.body.data as PolicyView;
    expect(view.override).toEqual({ rateLimit: { maxRequests: 4, window: 'P1D', windowMs: 86_400_000 }, until });
    expect(view.effective.rateLimit.maxRequests).toBe(4);
    expect(view.base.rateLimit.maxRequests).toBe(2);

    // Fresh callers until the replica has the override: the third request of one passes only under it.
    await waitFor(
      'the replica to apply the override',
      () => sendMany(replica, `raised-${randomUUID()}`, NAME, 3),
      (statuses) => statuses[2] === 202,
    );

    const reverted = await waitFor(
      'the override to expire',
      async () => (await harness.getPolicy().expect(200)).body.data as PolicyView,
      (current) => current.override === null,
    );
    expect(reverted.effective.rateLimit.maxRequests).toBe(2);
    expect(reverted.version).toBe(view.version);
    expect(await sendMany(replica, `after-${randomUUID()}`, NAME, 3)).toEqual([202, 202, 429]);

    const audit = await policyAuditRows(harness.db);
    expect(audit).toHaveLength(1);
    expect(audit[0].parameters).toMatchObject({ change: { override: { until } } });
  });

  it('ends an override early when PUT sends override null', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await harness
      .putPolicy({ override: { ipRateLimit: { maxRequests: 50, window: 'PT10S' }, until }, reason: 'test' })
      .expect(200);
    const ended = await harness.putPolicy({ override: null, reason: 'traffic is back to normal' }).expect(200);
    expect(ended.body.data.override).toBeNull();
    expect(ended.body.data.effective.ipRateLimit).toEqual({ maxRequests: 0, window: 'PT1M', windowMs: 60_000 });
    const audit = await policyAuditRows(harness.db);
    expect(audit.at(-1)?.result.before.override?.until).toBe(until);
    expect(audit.at(-1)?.result.after.override).toBeNull();
  });

  it('is applied by the periodic reload when a change comes without a NOTIFY', async () => {
    const [replica] = harness.replicas;
    // As a lost notification would leave it: the row changed, nobody told the replicas.
    await harness.db.query(`UPDATE ingest_policy SET rate_limit_max_requests = 3, version = version + 1 WHERE id = 1`);
    await waitFor(
      'the replica to reload the policy',
      () => sendMany(replica, `reloaded-${randomUUID()}`, NAME, 4),
      (statuses) => statuses.join() === '202,202,202,429',
    );
  });
});
