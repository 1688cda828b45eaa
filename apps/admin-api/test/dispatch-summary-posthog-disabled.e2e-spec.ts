import { AdminHarness, seedDispatch, startAdmin } from './admin-api.harness';

describe('dispatch summary while PostHog is disabled', () => {
  let harness: AdminHarness;

  beforeAll(async () => {
    // Enabled, but with a blank key: the dispatcher runs no PostHog loop, so neither is it shown as running.
    harness = await startAdmin('admin_dispatch_disabled', {
      ANALYTICS_POSTHOG_ENABLED: 'true',
      ANALYTICS_POSTHOG_API_KEY: '   ',
    });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('says POSTHOG is disabled instead of showing a CLOSED breaker, even one recorded while enabled', async () => {
    await seedDispatch(harness.db, 2, { status: 'PENDING' });
    await harness.db.query(
      `INSERT INTO user_activity_dispatch_circuit (dispatch_target, state, consecutive_failures, opened_at)
       VALUES ('POSTHOG', 'CLOSED', 0, NULL)`,
    );

    const response = await harness.get('/api/v1/admin/user-activity/dispatch/summary').expect(200);
    expect(response.body.data.targets).toEqual([
      {
        target: 'POSTHOG',
        enabled: false,
        pendingCount: 2,
        dispatchedCount: 0,
        failedCount: 0,
        parkedCount: 0,
        maxRetryCount: 0,
        oldestPendingAt: expect.any(String),
        circuit: { state: 'DISABLED', consecutiveFailures: 0, openedAt: null, halfOpenAt: null, updatedAt: null },
      },
    ]);
  });

  it('documents the enabled field and the DISABLED state in its OpenAPI description', async () => {
    const response = await harness.get('/docs-json').expect(200);
    const schemas = response.body.components.schemas;
    expect(schemas.DispatchTargetSummaryDto.required).toContain('enabled');
    expect(schemas.DispatchTargetSummaryDto.properties.enabled.type).toBe('boolean');
    expect(schemas.CircuitDto.properties.state.enum).toEqual(['CLOSED', 'OPEN', 'HALF_OPEN', 'DISABLED']);
  });
});
