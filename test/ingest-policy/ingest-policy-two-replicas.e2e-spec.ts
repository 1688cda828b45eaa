import { randomUUID } from 'node:crypto';
import { waitFor } from '@app/testing';
import { DEFAULT_ALLOWLIST } from '../../apps/ingest-api/src/ingest-api.config';
import {
  PolicyHarness,
  policyAuditRows,
  PolicyView,
  sendClientEvent,
  sendMany,
  startPolicyHarness,
} from './ingest-policy.harness';

const NEW_NAME = 'ui.checkout.completed';

describe('a policy change through admin-api reaches every ingest-api replica', () => {
  let harness: PolicyHarness;

  beforeAll(async () => {
    harness = await startPolicyHarness('policy_two_replicas', {
      ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS: '2',
      // A day-long window, so that no request lands in a fresh window during the test.
      ANALYTICS_INGEST_RATE_LIMIT_WINDOW: 'P1D',
      ANALYTICS_INGEST_IP_RATE_LIMIT_MAX_REQUESTS: '0',
      // Only the NOTIFY can deliver a change during the test: the periodic reload is an hour away.
      INGEST_POLICY_RELOAD_INTERVAL: 'PT1H',
    });
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('shows the policy seeded from the environment', async () => {
    const response = await harness.getPolicy().expect(200);
    const view = response.body.data as PolicyView;
    expect(view.effective).toEqual({
      allowlist: DEFAULT_ALLOWLIST.split(','),
      rateLimit: { maxRequests: 2, window: 'P1D', windowMs: 86_400_000 },
      ipRateLimit: { maxRequests: 0, window: 'PT1M', windowMs: 60_000 },
    });
    expect(view.base).toEqual(view.effective);
    expect(view).toMatchObject({ version: 1, override: null, updatedBy: 'environment' });
  });

  it('applies a new allowlist and a new limit on both replicas after one PUT, and audits it', async () => {
    for (const replica of harness.replicas) {
      expect(await sendClientEvent(replica, `before-${randomUUID()}`, NEW_NAME)).toBe(400);
    }
    const before = (await harness.getPolicy().expect(200)).body.data as PolicyView;

    const response = await harness
      .putPolicy({
        allowlist: [...before.base.allowlist, NEW_NAME],
        rateLimit: { maxRequests: 5 },
        reason: '§9-2: the checkout team agreed on ui.checkout.completed; §9-1: raise to 5',
      })
      .expect(200);
    const after = response.body.data as PolicyView;
    expect(after.version).toBe(before.version + 1);
    expect(after.effective.allowlist).toContain(NEW_NAME);
    expect(after.effective.rateLimit).toEqual({ maxRequests: 5, window: 'P1D', windowMs: 86_400_000 });
    expect(after.updatedBy).toBe('ops');

    for (const replica of harness.replicas) {
      await waitFor(
        'the replica to accept the newly allowed name',
        () => sendClientEvent(replica, `after-${randomUUID()}`, NEW_NAME),
        (status) => status === 202,
      );
      // The base limit was 2 per caller; now a fresh caller gets 5 requests, and the sixth is refused.
      expect(await sendMany(replica, `caller-${randomUUID()}`, NEW_NAME, 6)).toEqual([202, 202, 202, 202, 202, 429]);
    }

    const audit = await policyAuditRows(harness.db);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      token_name: 'ops',
      action: 'INGEST_POLICY_CHANGE',
      parameters: {
        reason: '§9-2: the checkout team agreed on ui.checkout.completed; §9-1: raise to 5',
        change: { rateLimit: { maxRequests: 5 } },
      },
    });
    expect(audit[0].result.before.effective.rateLimit.maxRequests).toBe(2);
    expect(audit[0].result.before.effective.allowlist).not.toContain(NEW_NAME);
    expect(audit[0].result.after).toEqual(after);
  });

  it('keeps the stored policy when a replica starts with a different environment, and says so', async () => {
    const stored = (await harness.getPolicy().expect(200)).body.data as PolicyView;
    const replica = await harness.bootReplica({
      ANALYTICS_INGEST_ALLOWLIST: 'ui.page.viewed',
      ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS: '1',
    });
    expect(
      replica.logs.lines.some(
        (line) =>
          line.msg === 'environment differs from the stored ingest policy; the stored policy applies' &&
          (line.settings as string[]).includes('ANALYTICS_INGEST_ALLOWLIST'),
      ),
    ).toBe(true);
    expect(await sendMany(replica, `caller-${randomUUID()}`, NEW_NAME, 2)).toEqual([202, 202]);
    expect((await harness.getPolicy().expect(200)).body.data).toEqual(stored);
  });
});
