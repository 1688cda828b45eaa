import { DataSource } from 'typeorm';
import { createTestDatabase, seedDispatchOutbox, seedMqTraces, seedSourceOutbox, TestDatabase } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { RetentionRepository } from '../src/retention.repository';

const DAY_MS = 86_400_000;
const RETENTION_MS = 7 * DAY_MS;
/** The advisory lock key that RetentionRepository takes for a batch. */
const RETENTION_LOCK = 7_241_101;

describe('RetentionRepository on a migrated database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let retention: RetentionRepository;
  const old = () => new Date(Date.now() - RETENTION_MS - DAY_MS);
  const recent = () => new Date(Date.now() - DAY_MS);

  beforeAll(async () => {
    db = await createTestDatabase('retention_repository');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'retention-repository-test')).initialize();
    retention = new RetentionRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  async function eventIds(table: string): Promise<string[]> {
    const column = table === 'message_queue_trace_log' ? 'message_id' : 'event_id';
    const rows = await db.query<{ name: string }>(`SELECT ${column} AS name FROM ${table}`);
    return rows.map((row) => row.name).sort();
  }

  it('deletes PUBLISHED source rows past the retention; keeps recent ones and every FAILED or PENDING row', async () => {
    await seedSourceOutbox(db, [
      { eventId: 'old-published', status: 'PUBLISHED', publishedAt: old(), occurredAt: old() },
      { eventId: 'recent-published', status: 'PUBLISHED', publishedAt: recent() },
      { eventId: 'old-parked', status: 'FAILED', retryCount: 5, occurredAt: old() },
      { eventId: 'old-pending', occurredAt: old() },
    ]);

    expect(await retention.deleteBatch('sourceOutbox', RETENTION_MS, 100)).toBe(1);
    expect(await eventIds('user_activity_source_outbox')).toEqual(['old-parked', 'old-pending', 'recent-published']);
  });

  it('deletes DISPATCHED rows past the retention, at most a batch at a time', async () => {
    await seedDispatchOutbox(db, [
      { eventId: 'old-1', status: 'DISPATCHED', dispatchedAt: old() },
      { eventId: 'old-2', status: 'DISPATCHED', dispatchedAt: old() },
      { eventId: 'old-3', status: 'DISPATCHED', dispatchedAt: old() },
      { eventId: 'old-failed', status: 'FAILED', retryCount: 5 },
    ]);

    expect(await retention.deleteBatch('dispatchOutbox', RETENTION_MS, 2)).toBe(2);
    expect(await retention.deleteBatch('dispatchOutbox', RETENTION_MS, 2)).toBe(1);
    expect(await eventIds('user_activity_dispatch_outbox')).toEqual(['old-failed']);
  });

  it('deletes traces older than the retention', async () => {
    await seedMqTraces(db, [
      { messageId: 'old', stage: 'PUBLISH', createdAt: old() },
      { messageId: 'recent', stage: 'PUBLISH', createdAt: recent() },
    ]);

    expect(await retention.deleteBatch('traces', RETENTION_MS, 100)).toBe(1);
    expect(await eventIds('message_queue_trace_log')).toEqual(['recent']);
  });

  it('deletes nothing while another replica holds the retention lock', async () => {
    await seedMqTraces(db, [{ messageId: 'old-locked', stage: 'PUBLISH', createdAt: old() }]);
    const other = dataSource.createQueryRunner();
    await other.startTransaction();
    try {
      await other.query('SELECT pg_advisory_xact_lock($1)', [RETENTION_LOCK]);
      expect(await retention.deleteBatch('traces', RETENTION_MS, 100)).toBeNull();
    } finally {
      await other.rollbackTransaction();
      await other.release();
    }
    expect(await eventIds('message_queue_trace_log')).toContain('old-locked');
  });
});
