import { canonicalEvent, waitFor } from '@app/testing';
import { DispatcherHarness, metricValue, startDispatcher } from './dispatcher.harness';

describe('dispatcher with PostHog disabled', () => {
  let harness: DispatcherHarness;

  beforeAll(async () => {
    harness = await startDispatcher('dispatch_disabled', { ANALYTICS_POSTHOG_ENABLED: 'false' });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('runs no PostHog loop: rows stay PENDING and are shown on the backlog gauge', async () => {
    const event = canonicalEvent();
    await harness.seed([event]);
    const app = harness.dispatchers[0];

    await waitFor(
      'the pending gauge to show the row',
      () => metricValue(app, 'analytics_user_activity_dispatch_outbox_pending', { target: 'POSTHOG' }),
      (pending) => pending === 1,
    );
    expect(app.logs.lines.some((line) => /no dispatch target is enabled/.test(line.msg))).toBe(true);
    expect(harness.posthog.requests).toHaveLength(0);
    expect((await harness.rows([event.eventId]))[0].status).toBe('PENDING');
  });
});
