import { bootApp, BootedApp, FakePosthog, seedDispatchOutbox, waitFor } from '@app/testing';
import { dispatcherSchema } from '../../dispatcher/src/dispatcher.config';
import { DispatcherModule } from '../../dispatcher/src/dispatcher.module';
import { dispatcherOptions } from '../../dispatcher/src/dispatcher.options';
import { AdminHarness, auditRows, flushStatistics, seedDispatch, startAdmin } from './admin-api.harness';

interface TargetSummary {
  target: string;
  enabled: boolean;
  pendingCount: number;
  dispatchedCount: number;
  failedCount: number;
  parkedCount: number;
  maxRetryCount: number;
  circuit: { state: string; openedAt: string | null; halfOpenAt: string | null; updatedAt: string | null };
}

describe('dispatch summary and replay', () => {
  let harness: AdminHarness;
  let posthog: FakePosthog;
  let dispatcher: BootedApp | undefined;

  async function summary(): Promise<TargetSummary[]> {
    return (await harness.get('/api/v1/admin/user-activity/dispatch/summary').expect(200)).body.data.targets;
  }

  beforeAll(async () => {
    harness = await startAdmin('admin_dispatch', {
      ANALYTICS_POSTHOG_ENABLED: 'true',
      ANALYTICS_POSTHOG_API_KEY: 'phc_test_key',
    });
    posthog = await FakePosthog.start();
  });

  afterAll(async () => {
    await dispatcher?.close();
    await posthog.close();
    await harness.close();
  });

  it('shows counts by status, the highest retry count and a CLOSED breaker when none was recorded', async () => {
    expect(await summary()).toEqual([
      expect.objectContaining({
        target: 'POSTHOG',
        enabled: true,
        pendingCount: 0,
        dispatchedCount: 0,
        failedCount: 0,
        circuit: { state: 'CLOSED', consecutiveFailures: 0, openedAt: null, halfOpenAt: null, updatedAt: null },
      }),
    ]);
    await seedDispatch(harness.db, 2, { status: 'FAILED', retryCount: 7, nextRetryInMs: null });
    await seedDispatch(harness.db, 2, { status: 'FAILED', retryCount: 2, nextRetryInMs: 600_000 });
    await seedDispatch(harness.db, 2, { status: 'PENDING' });
    await seedDispatch(harness.db, 3, { status: 'DISPATCHED' });
    await seedDispatchOutbox(harness.db, [{ eventId: 'w-1', target: 'WEBHOOK', payload: {} }]);
    await flushStatistics(harness.db);

    const [posthogTarget, webhook] = await summary();
    expect(posthogTarget).toEqual({
      target: 'POSTHOG',
      enabled: true,
      pendingCount: 2,
      dispatchedCount: 3,
      failedCount: 4,
      parkedCount: 2,
      maxRetryCount: 7,
      oldestPendingAt: expect.any(String),
      circuit: expect.objectContaining({ state: 'CLOSED' }),
    });
    expect(webhook).toMatchObject({
      target: 'WEBHOOK',
      enabled: false,
      pendingCount: 1,
      failedCount: 0,
      circuit: { state: 'DISABLED', consecutiveFailures: 0, openedAt: null, halfOpenAt: null, updatedAt: null },
    });
  });

  it('shows an OPEN breaker with when it lets a probe through', async () => {
    await harness.db.query(
      `INSERT INTO user_activity_dispatch_circuit (dispatch_target, state, consecutive_failures, opened_at)
       VALUES ('POSTHOG', 'OPEN', 5, now() - interval '10 seconds')`,
    );
    const [{ circuit }] = await summary();
    expect(circuit).toMatchObject({ state: 'OPEN', consecutiveFailures: 5, updatedAt: expect.any(String) });
    // admin-api's DISPATCH_CIRCUIT_OPEN_DURATION is the default PT1M.
    expect(Date.parse(circuit.halfOpenAt!) - Date.parse(circuit.openedAt!)).toBe(60_000);
  });

  it('re-queues FAILED rows oldest first, parked included, leaving them FAILED until the dispatcher sends them', async () => {
    const first = await harness.post('/api/v1/admin/user-activity/dispatch/replay?target=POSTHOG&limit=3').expect(200);
    expect(first.body).toEqual({
      success: true,
      data: { target: 'POSTHOG', limit: 3, requeuedCount: 3, parkedCount: 2 },
    });
    const rows = await harness.db.query<{ status: string; due: boolean }>(
      `SELECT status, next_retry_at <= now() AS due FROM user_activity_dispatch_outbox
       WHERE dispatch_target = 'POSTHOG' AND status = 'FAILED' ORDER BY id`,
    );
    expect(rows).toEqual([
      { status: 'FAILED', due: true },
      { status: 'FAILED', due: true },
      { status: 'FAILED', due: true },
      { status: 'FAILED', due: false },
    ]);
    const rest = await harness.post('/api/v1/admin/user-activity/dispatch/replay?target=POSTHOG').expect(200);
    expect(rest.body.data).toEqual({ target: 'POSTHOG', limit: 100, requeuedCount: 4, parkedCount: 0 });
    expect((await auditRows(harness.db)).map((row) => [row.action, row.result.requeuedCount])).toEqual([
      ['DISPATCH_OUTBOX_REPLAY', 3],
      ['DISPATCH_OUTBOX_REPLAY', 4],
    ]);

    dispatcher = await bootApp(DispatcherModule, dispatcherSchema, dispatcherOptions, {
      DATABASE_URL: harness.db.url,
      ANALYTICS_POSTHOG_ENABLED: 'true',
      ANALYTICS_POSTHOG_API_KEY: 'phc_test_key',
      ANALYTICS_POSTHOG_HOST: posthog.url,
      DISPATCH_POLL_INTERVAL: 'PT0.05S',
      DISPATCH_CIRCUIT_OPEN_DURATION: 'PT1S',
    });
    const [after] = await waitFor(
      'every POSTHOG row DISPATCHED and the breaker CLOSED',
      summary,
      ([target]) => target.dispatchedCount === 9 && target.circuit.state === 'CLOSED',
    );
    expect(after).toMatchObject({ pendingCount: 0, failedCount: 0, parkedCount: 0 });
    expect(posthog.deliveredEvents()).toHaveLength(6);
  });
});
