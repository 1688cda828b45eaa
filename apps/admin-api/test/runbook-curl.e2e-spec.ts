import { runbookCurl, runRunbookCurl } from '@app/testing';
import { ADMIN_TOKEN, AdminHarness, seedSourceOutbox, startAdmin } from './admin-api.harness';

// Runbook §5-1, §5-2 and §5-3, read from the runbook itself so they run character for character.
const SUMMARY = runbookCurl('5-1');
const REPLAY = runbookCurl('5-2');
const TRACES = runbookCurl('5-3');

describe('the runbook §5 curl commands against a booted admin-api', () => {
  let harness: AdminHarness;

  const curl = (command: string, messageId?: string) =>
    runRunbookCurl<{ success: boolean; data: unknown }>(command, {
      url: harness.admin.url,
      token: ADMIN_TOKEN,
      messageId,
    });

  beforeAll(async () => {
    harness = await startAdmin('admin_runbook_curl');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('§5-1 summary, §5-2 replay and §5-3 traces answer with the documented fields and the right numbers', async () => {
    await seedSourceOutbox(harness.db, 3, { status: 'PENDING' });
    const failed = await seedSourceOutbox(harness.db, 2, { status: 'FAILED', retryCount: 4, nextRetryInMs: 300_000 });
    await seedSourceOutbox(harness.db, 1, { status: 'FAILED', retryCount: 2, nextRetryInMs: null });
    await seedSourceOutbox(harness.db, 5, { status: 'PUBLISHED' });

    const before = await curl(SUMMARY);
    expect(before).toEqual({
      success: true,
      data: {
        pendingCount: 3,
        failedCount: 3,
        publishedCount: 5,
        maxRetryCount: 4,
        parkedCount: 1,
        oldestPendingAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
      },
    });

    // The PENDING rows are younger than REPLAY_PENDING_MIN_AGE (PT1M): the relay's business, not the replay's.
    const replay = await curl(REPLAY);
    expect(replay).toEqual({
      success: true,
      data: { limit: 200, processedCount: 3, successCount: 3, failedCount: 0 },
    });

    const after = await curl(SUMMARY);
    expect(after.data).toMatchObject({ pendingCount: 3, failedCount: 0, publishedCount: 8, parkedCount: 0 });

    const traces = await curl(TRACES, failed[0].eventId);
    expect(traces.success).toBe(true);
    expect(traces.data).toEqual([
      {
        id: expect.any(Number),
        messageId: failed[0].eventId,
        topic: 'domain.user.activity',
        provider: 'rabbitmq',
        messageKey: failed[0].eventName,
        consumerGroup: null,
        stage: 'PUBLISH',
        processingMillis: expect.any(Number),
        errorMessage: null,
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
      },
    ]);
  });
});
