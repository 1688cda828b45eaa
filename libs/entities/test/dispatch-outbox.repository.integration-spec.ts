import { DataSource } from 'typeorm';
import { createTestDatabase, seedDispatchOutbox, TestDatabase } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { DispatchOutboxRepository, DispatchTargetName } from '../src/dispatch-outbox.repository';

const MINUTE_MS = 60_000;
const POSTHOG = DispatchTargetName.Posthog;

interface StoredRow {
  status: string;
  retry_count: number;
  next_retry_at: Date | null;
  last_error: string | null;
  dispatched_at: Date | null;
}

describe('DispatchOutboxRepository on a migrated database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let outbox: DispatchOutboxRepository;

  beforeAll(async () => {
    db = await createTestDatabase('dispatch_outbox_repository');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'dispatch-outbox-repository-test')).initialize();
    outbox = new DispatchOutboxRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE user_activity_dispatch_outbox');
  });

  async function stored(eventId: string): Promise<StoredRow> {
    const [row] = await db.query<StoredRow>(
      `SELECT status, retry_count, next_retry_at, last_error, dispatched_at
       FROM user_activity_dispatch_outbox WHERE event_id = $1`,
      [eventId],
    );
    return row;
  }

  function claimDue(target: string = POSTHOG, limit = 100) {
    return dataSource.transaction((tx) => outbox.claimDue(tx, target, limit));
  }

  it("claims a target's PENDING rows and FAILED rows whose retry time has come, nothing else", async () => {
    await seedDispatchOutbox(db, [
      { eventId: 'pending' },
      { eventId: 'failed-due', status: 'FAILED', retryCount: 1, nextRetryAt: new Date(Date.now() - MINUTE_MS) },
      { eventId: 'failed-later', status: 'FAILED', retryCount: 1, nextRetryAt: new Date(Date.now() + MINUTE_MS) },
      { eventId: 'parked', status: 'FAILED', retryCount: 5, nextRetryAt: null },
      { eventId: 'dispatched', status: 'DISPATCHED', dispatchedAt: new Date() },
      { eventId: 'other-target', target: 'WEBHOOK' },
    ]);

    const claimed = await claimDue();

    expect(claimed.map((row) => row.eventId).sort()).toEqual(['failed-due', 'pending']);
    expect((await claimDue('WEBHOOK')).map((row) => row.eventId)).toEqual(['other-target']);
  });

  it('stamps the backoff into next_retry_at and counts the retry when a send fails', async () => {
    const [id] = await seedDispatchOutbox(db, [{ eventId: 'backoff' }]);

    const before = Date.now();
    await dataSource.transaction((tx) => outbox.markFailed(tx, [{ id, error: 'HTTP 503', retryDelayMs: 30_000 }]));

    const row = await stored('backoff');
    expect(row).toMatchObject({ status: 'FAILED', retry_count: 1, last_error: 'HTTP 503' });
    expect(row.next_retry_at!.getTime()).toBeGreaterThanOrEqual(before + 30_000 - 1_000);
    expect(row.next_retry_at!.getTime()).toBeLessThan(Date.now() + 30_000 + 1_000);
    expect(await claimDue()).toEqual([]);
  });

  it('parks a row that ran out of retries: FAILED without a retry time, never claimed again', async () => {
    const [id] = await seedDispatchOutbox(db, [{ eventId: 'parked', status: 'FAILED', retryCount: 4 }]);

    await dataSource.transaction((tx) => outbox.markFailed(tx, [{ id, error: 'HTTP 400', retryDelayMs: null }]));

    expect(await stored('parked')).toMatchObject({ status: 'FAILED', retry_count: 5, next_retry_at: null });
    expect(await claimDue()).toEqual([]);
  });

  it('marks sent rows DISPATCHED and clears their error and retry time', async () => {
    const [id] = await seedDispatchOutbox(db, [
      { eventId: 'sent', status: 'FAILED', lastError: 'HTTP 503', nextRetryAt: new Date(Date.now() - MINUTE_MS) },
    ]);

    await dataSource.transaction((tx) => outbox.markDispatched(tx, [id]));

    const row = await stored('sent');
    expect(row).toMatchObject({ status: 'DISPATCHED', last_error: null, next_retry_at: null });
    expect(row.dispatched_at).not.toBeNull();
  });

  it("re-queues an operator's replay: FAILED rows, parked ones included, become due with their retry count", async () => {
    await seedDispatchOutbox(db, [
      { eventId: 'parked', status: 'FAILED', retryCount: 5, nextRetryAt: null, lastError: 'HTTP 400' },
      { eventId: 'backing-off', status: 'FAILED', retryCount: 1, nextRetryAt: new Date(Date.now() + MINUTE_MS) },
      { eventId: 'pending' },
    ]);

    const failed = await dataSource.transaction(async (tx) => {
      const rows = await outbox.claimFailed(tx, POSTHOG, 10);
      await outbox.requeue(
        tx,
        rows.map((row) => row.id),
      );
      return rows;
    });

    expect(failed.map((row) => row.parked)).toEqual([true, false]);
    expect(await stored('parked')).toMatchObject({ status: 'FAILED', retry_count: 5, last_error: 'HTTP 400' });
    expect((await claimDue()).map((row) => row.eventId).sort()).toEqual(['backing-off', 'parked', 'pending']);
  });

  it("gives the operator each target's waiting, parked and oldest rows", async () => {
    await seedDispatchOutbox(db, [
      { eventId: 'p-1' },
      { eventId: 'f-1', status: 'FAILED', retryCount: 3, nextRetryAt: null },
      { eventId: 'w-1', target: 'WEBHOOK' },
    ]);

    const counts = await outbox.countsByTarget([POSTHOG]);

    expect(counts).toEqual([
      expect.objectContaining({ target: POSTHOG, pendingCount: 1, failedCount: 1, parkedCount: 1, maxRetryCount: 3 }),
      expect.objectContaining({ target: 'WEBHOOK', pendingCount: 1, failedCount: 0, dispatchedCount: 0 }),
    ]);
    expect(counts[0].oldestPendingAt).not.toBeNull();
  });

  it('counts the waiting rows of each target, not the sent ones', async () => {
    await seedDispatchOutbox(db, [
      { eventId: 'p-1' },
      { eventId: 'p-2' },
      { eventId: 'f-1', status: 'FAILED', nextRetryAt: null },
      { eventId: 'd-1', status: 'DISPATCHED', dispatchedAt: new Date() },
    ]);

    expect(await outbox.backlog([POSTHOG, 'WEBHOOK'])).toEqual([
      { target: POSTHOG, pendingCount: 2, failedCount: 1 },
      { target: 'WEBHOOK', pendingCount: 0, failedCount: 0 },
    ]);
  });
});
