import { DataSource } from 'typeorm';
import { canonicalEvent, createTestDatabase, seedSourceOutbox, TestDatabase } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { SourceOutboxRepository } from '../src/source-outbox.repository';

const MINUTE_MS = 60_000;

interface StoredRow {
  event_id: string;
  status: string;
  retry_count: number;
  next_retry_at: Date | null;
  last_error: string | null;
  published_at: Date | null;
}

describe('SourceOutboxRepository on a migrated database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let outbox: SourceOutboxRepository;

  beforeAll(async () => {
    db = await createTestDatabase('source_outbox_repository');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'source-outbox-repository-test')).initialize();
    outbox = new SourceOutboxRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE user_activity_source_outbox');
  });

  async function stored(eventId: string): Promise<StoredRow> {
    const [row] = await db.query<StoredRow>(
      `SELECT event_id, status, retry_count, next_retry_at, last_error, published_at
       FROM user_activity_source_outbox WHERE event_id = $1`,
      [eventId],
    );
    return row;
  }

  function claimDue(limit = 100) {
    return dataSource.transaction((tx) => outbox.claimDue(tx, limit));
  }

  it('claims PENDING rows and FAILED rows whose retry time has come, not those still backing off or sent', async () => {
    await seedSourceOutbox(db, [
      { eventId: 'pending' },
      { eventId: 'failed-due', status: 'FAILED', retryCount: 1, nextRetryAt: new Date(Date.now() - MINUTE_MS) },
      { eventId: 'failed-later', status: 'FAILED', retryCount: 1, nextRetryAt: new Date(Date.now() + MINUTE_MS) },
      { eventId: 'parked', status: 'FAILED', retryCount: 5, nextRetryAt: null },
      { eventId: 'published', status: 'PUBLISHED', publishedAt: new Date() },
    ]);

    const claimed = await claimDue();

    expect(claimed.map((row) => row.eventId).sort()).toEqual(['failed-due', 'pending']);
  });

  it('claims the longest overdue FAILED rows before PENDING ones when the batch cannot take them all', async () => {
    await seedSourceOutbox(db, [
      { eventId: 'pending-1' },
      { eventId: 'pending-2' },
      { eventId: 'failed-recent', status: 'FAILED', nextRetryAt: new Date(Date.now() - MINUTE_MS) },
      { eventId: 'failed-oldest', status: 'FAILED', nextRetryAt: new Date(Date.now() - 10 * MINUTE_MS) },
    ]);

    const claimed = await claimDue(2);

    expect(claimed.map((row) => row.eventId).sort()).toEqual(['failed-oldest', 'failed-recent']);
  });

  it('never hands a row locked by one claim to a concurrent claim', async () => {
    await seedSourceOutbox(db, [{ eventId: 'a' }, { eventId: 'b' }, { eventId: 'c' }]);

    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      const first = await outbox.claimDue(runner.manager, 2);
      const second = await claimDue();
      expect(first.map((row) => row.eventId)).toEqual(['a', 'b']);
      expect(second.map((row) => row.eventId)).toEqual(['c']);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('stamps the backoff into next_retry_at and counts the retry when a publish fails', async () => {
    const [id] = await seedSourceOutbox(db, [{ eventId: 'backoff' }]);

    const before = Date.now();
    await dataSource.transaction((tx) =>
      outbox.markFailed(tx, [{ id, error: 'broker unreachable', retryDelayMs: 30_000 }]),
    );

    const row = await stored('backoff');
    expect(row).toMatchObject({ status: 'FAILED', retry_count: 1, last_error: 'broker unreachable' });
    expect(row.next_retry_at!.getTime()).toBeGreaterThanOrEqual(before + 30_000 - 1_000);
    expect(row.next_retry_at!.getTime()).toBeLessThan(Date.now() + 30_000 + 1_000);
    expect(await claimDue()).toEqual([]);
  });

  it('parks a row that ran out of retries: FAILED without a retry time, left for a replay', async () => {
    const [id] = await seedSourceOutbox(db, [{ eventId: 'parked', status: 'FAILED', retryCount: 4 }]);

    await dataSource.transaction((tx) => outbox.markFailed(tx, [{ id, error: 'still failing', retryDelayMs: null }]));

    expect(await stored('parked')).toMatchObject({ status: 'FAILED', retry_count: 5, next_retry_at: null });
    expect(await claimDue()).toEqual([]);
    const replayed = await dataSource.transaction((tx) => outbox.claimForReplay(tx, 10, MINUTE_MS));
    expect(replayed.map((row) => row.eventId)).toEqual(['parked']);
  });

  it('marks claimed rows PUBLISHED at their claim time and clears their error', async () => {
    const [id] = await seedSourceOutbox(db, [
      { eventId: 'sent', status: 'FAILED', lastError: 'timeout', nextRetryAt: new Date(Date.now() - MINUTE_MS) },
    ]);
    const [claimed] = await claimDue();

    await dataSource.transaction((tx) => outbox.markPublished(tx, [{ id, claimedAt: claimed.claimedAt }]));

    const row = await stored('sent');
    expect(row).toMatchObject({ status: 'PUBLISHED', last_error: null, next_retry_at: null });
    expect(row.published_at).toEqual(new Date(claimed.claimedAt));
  });

  it('inserts new events and skips event ids already in the outbox', async () => {
    const known = canonicalEvent();
    await seedSourceOutbox(db, [{ eventId: known.eventId }]);
    const fresh = canonicalEvent();
    const events = [known, fresh];

    const inserted = await outbox.insertEvents(
      events,
      events.map((event) => JSON.stringify(event)),
      new Date(Date.now() + MINUTE_MS),
      new AbortController().signal,
    );

    expect(inserted).toEqual([fresh.eventId]);
    const [{ count }] = await db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM user_activity_source_outbox',
    );
    expect(count).toBe(2);
  });
});
