import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { DispatchOutboxRepository } from '../src/dispatch-outbox.repository';
import { SourceOutboxRepository } from '../src/source-outbox.repository';
import { SqlExecutor } from '../src/sql-executor';

const SENT_ROWS = 20_000;
const DUE_ROWS = 10;

/** The transaction's executor, keeping the last statement and parameters it ran. */
function recording(tx: SqlExecutor): { tx: SqlExecutor; last: () => { sql: string; parameters: unknown[] } } {
  let last = { sql: '', parameters: [] as unknown[] };
  return {
    tx: {
      query: <T>(sql: string, parameters: unknown[] = []) => {
        last = { sql, parameters };
        return tx.query<T>(sql, parameters);
      },
    },
    last: () => last,
  };
}

async function planOf(tx: SqlExecutor, statement: { sql: string; parameters: unknown[] }): Promise<string> {
  const rows = await tx.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${statement.sql}`, statement.parameters);
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

/**
 * A busy outbox: thousands of rows already sent (their old index entries dead until VACUUM) and a few due. The
 * claims must take an index scan, which marks dead entries as it passes so that later claims skip them, not a bitmap
 * scan, which re-reads them on every claim and slows the relay and the dispatcher down as dead rows pile up.
 */
describe('outbox claims on tables full of rows already sent', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('claim_plan');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'claim-plan-test')).initialize();
    for (const table of ['user_activity_source_outbox', 'user_activity_dispatch_outbox']) {
      await db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    }
    await db.query(
      `INSERT INTO user_activity_source_outbox (event_id, event_name, event_version, occurred_at, payload)
       SELECT 'e-' || g, 'ui.page.viewed', 'v1', now(), '{}'::jsonb FROM generate_series(1, $1::int) AS g`,
      [SENT_ROWS + DUE_ROWS],
    );
    await db.query(
      `INSERT INTO user_activity_dispatch_outbox (event_id, dispatch_target, payload)
       SELECT 'e-' || g, 'POSTHOG', '{}'::jsonb FROM generate_series(1, $1::int) AS g`,
      [SENT_ROWS + DUE_ROWS],
    );
    await db.query(`UPDATE user_activity_source_outbox SET status = 'PUBLISHED' WHERE id <= $1`, [SENT_ROWS]);
    await db.query(`UPDATE user_activity_dispatch_outbox SET status = 'DISPATCHED' WHERE id <= $1`, [SENT_ROWS]);
    await db.query(`ANALYZE user_activity_source_outbox, user_activity_dispatch_outbox`);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('the relay claims the due source rows, oldest first, with an index scan', async () => {
    await dataSource.transaction(async (manager) => {
      const { tx, last } = recording(manager);
      const rows = await new SourceOutboxRepository(dataSource).claimDue(tx, 500);
      expect(rows.map((row) => row.eventId)).toEqual(
        Array.from({ length: DUE_ROWS }, (_, index) => `e-${SENT_ROWS + index + 1}`),
      );
      const plan = await planOf(manager, last());
      expect(plan).toMatch(/Index Scan using idx_user_activity_source_outbox_\w+ on user_activity_source_outbox/);
      expect(plan).not.toMatch(/Bitmap|Seq Scan/);
    });
  });

  it('the dispatcher claims the due dispatch rows, oldest first, with an index scan', async () => {
    await dataSource.transaction(async (manager) => {
      const { tx, last } = recording(manager);
      const rows = await new DispatchOutboxRepository(dataSource).claimDue(tx, 'POSTHOG', 100);
      expect(rows.map((row) => row.eventId)).toEqual(
        Array.from({ length: DUE_ROWS }, (_, index) => `e-${SENT_ROWS + index + 1}`),
      );
      const plan = await planOf(manager, last());
      expect(plan).toMatch(/Index Scan using idx_user_activity_dispatch_outbox_\w+ on user_activity_dispatch_outbox/);
      expect(plan).not.toMatch(/Bitmap|Seq Scan/);
    });
  });
});
