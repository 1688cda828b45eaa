import { DataSource } from 'typeorm';
import { dataSourceOptions, RetentionRepository, retentionDelete, RetentionTable } from '@app/entities';
import { costOf, createTestDatabase, TestDatabase } from '@app/testing';

// Six days of sent rows and traces, one every few seconds: enough that a scan of a table costs thousands of pages.
const ROWS = 100_000;
const DAY_MS = 86_400_000;
const BATCH = 1_000;
const TABLES: RetentionTable[] = ['sourceOutbox', 'dispatchOutbox', 'traces'];

/**
 * Retention runs every RETENTION_INTERVAL and ends each table with a batch that finds fewer rows than it may take:
 * that batch, like every other, must read a range of an index on the column the cut-off is on, not the table.
 */
describe('retention batches on tables holding days of sent rows and traces', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('retention_plans');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'retention-plans-test')).initialize();
    const sentAt = `now() - interval '6 days' + g * interval '5 seconds'`;
    await db.query(
      `INSERT INTO user_activity_source_outbox
         (event_id, event_name, event_version, occurred_at, payload, status, published_at)
       SELECT 'e-' || g, 'ui.page.viewed', 'v1', now(), '{}'::jsonb, 'PUBLISHED', ${sentAt}
       FROM generate_series(1, $1::int) AS g`,
      [ROWS],
    );
    await db.query(
      `INSERT INTO user_activity_dispatch_outbox (event_id, dispatch_target, payload, status, dispatched_at)
       SELECT 'e-' || g, 'POSTHOG', '{}'::jsonb, 'DISPATCHED', ${sentAt} FROM generate_series(1, $1::int) AS g`,
      [ROWS],
    );
    await db.query(
      `INSERT INTO message_queue_trace_log (message_id, topic, provider, stage, created_at)
       SELECT 'e-' || g, 'domain.user.activity', 'rabbitmq', 'PUBLISH', ${sentAt} FROM generate_series(1, $1::int) AS g`,
      [ROWS],
    );
    await db.query(
      `VACUUM ANALYZE user_activity_source_outbox, user_activity_dispatch_outbox, message_queue_trace_log`,
    );
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  /** The batch's plan and the pages it touches deleting, in a transaction rolled back. */
  async function batchCost(table: RetentionTable, retentionMs: number) {
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      return await costOf(runner.manager, { sql: retentionDelete(table), parameters: [retentionMs, BATCH] });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  it.each(TABLES)('%s: the final batch, finding nothing old enough, reads a few pages', async (table) => {
    expect(await new RetentionRepository(dataSource).deleteBatch(table, 7 * DAY_MS, BATCH)).toBe(0);
    const cost = await batchCost(table, 7 * DAY_MS);
    expect(cost.scans.filter((scan) => scan.startsWith('Seq Scan'))).toEqual([]);
    expect(cost.buffers).toBeLessThan(20);
  });

  it.each(TABLES)('%s: a full batch reads a few pages per row it deletes', async (table) => {
    const cost = await batchCost(table, 5 * DAY_MS);
    expect(cost.scans.filter((scan) => scan.startsWith('Seq Scan'))).toEqual([]);
    expect(cost.buffers).toBeLessThan(8 * BATCH);
  });

  it('deletes the oldest rows first, only those past the retention', async () => {
    const repository = new RetentionRepository(dataSource);
    expect(await repository.deleteBatch('sourceOutbox', 5 * DAY_MS, BATCH)).toBe(BATCH);
    const [{ oldest, deleted }] = await db.query<{ oldest: string; deleted: number }>(
      `SELECT min(id)::text AS oldest, ($1::int - count(*))::int AS deleted FROM user_activity_source_outbox`,
      [ROWS],
    );
    expect({ oldest, deleted }).toEqual({ oldest: String(BATCH + 1), deleted: BATCH });
  });
});
