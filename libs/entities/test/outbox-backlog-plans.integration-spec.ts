import { DataSource } from 'typeorm';
import {
  costOf,
  createTestDatabase,
  recordedStatements,
  RecordedStatement,
  PlanCost,
  TestDatabase,
} from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { DispatchOutboxRepository } from '../src/dispatch-outbox.repository';
import { SourceOutboxRepository } from '../src/source-outbox.repository';
import { SqlExecutor } from '../src/sql-executor';

// After an outage: days of sent rows, many FAILED rows waiting out their backoff, and a few rows due. Enough rows that
// the planner weighs the tables as it does at a million (a scan of the whole table costs thousands of pages).
const SENT = 100_000;
const WAITING = 30_000;
const DUE_FAILED = 10;
const PENDING = 20;

function recording(tx: SqlExecutor): { tx: SqlExecutor; last: () => RecordedStatement } {
  let last: RecordedStatement = { sql: '', parameters: [] };
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

/** Pages a whole-table read of `table` would cost, to compare a statement's buffers against. */
async function pagesOf(db: TestDatabase, table: string): Promise<number> {
  const [{ pages }] = await db.query<{ pages: number }>(
    `SELECT pg_relation_size($1::regclass) / current_setting('block_size')::int AS pages`,
    [table],
  );
  return Number(pages);
}

/** No scan of a whole table and no JIT compilation; claims also take no bitmap scan (see CLAIM_WITHOUT_BITMAP_SCAN). */
function expectIndexRanges(cost: PlanCost, forbidden = /Seq Scan/): void {
  expect(cost.scans.filter((scan) => forbidden.test(scan))).toEqual([]);
  expect(cost.jit).toBe(false);
}

describe('outbox statements after an outage: thousands of rows sent, thousands waiting out their backoff', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let sourcePages: number;
  let dispatchPages: number;

  beforeAll(async () => {
    db = await createTestDatabase('backlog_plans');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'backlog-plans-test')).initialize();
    for (const table of ['user_activity_source_outbox', 'user_activity_dispatch_outbox']) {
      await db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    }
    // Sent rows first (oldest ids), then the waiting FAILED rows (the first DUE_FAILED of them due), then PENDING.
    const status = `CASE WHEN g <= $1 THEN $4 WHEN g <= $1 + $2 THEN 'FAILED' ELSE 'PENDING' END`;
    const retry = `CASE WHEN g <= $1 THEN NULL WHEN g <= $1 + $3 THEN now() - interval '1 minute'
                        WHEN g <= $1 + $2 THEN now() + interval '10 minutes' END`;
    const sentAt = `CASE WHEN g <= $1 THEN now() - interval '6 days' + g * interval '3 seconds' END`;
    const total = SENT + WAITING + PENDING;
    await db.query(
      `INSERT INTO user_activity_source_outbox
         (event_id, event_name, event_version, occurred_at, payload, status, retry_count, next_retry_at, published_at)
       SELECT 'e-' || g, 'ui.page.viewed', 'v1', now(), '{}'::jsonb, ${status}, 0, ${retry}, ${sentAt}
       FROM generate_series(1, $5::int) AS g`,
      [SENT, WAITING, DUE_FAILED, 'PUBLISHED', total],
    );
    await db.query(
      `INSERT INTO user_activity_dispatch_outbox
         (event_id, dispatch_target, payload, status, retry_count, next_retry_at, dispatched_at)
       SELECT 'e-' || g, 'POSTHOG', '{}'::jsonb, ${status}, 0, ${retry}, ${sentAt}
       FROM generate_series(1, $5::int) AS g`,
      [SENT, WAITING, DUE_FAILED, 'DISPATCHED', total],
    );
    await db.query(`VACUUM ANALYZE user_activity_source_outbox, user_activity_dispatch_outbox`);
    sourcePages = await pagesOf(db, 'user_activity_source_outbox');
    dispatchPages = await pagesOf(db, 'user_activity_dispatch_outbox');
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  /** The event ids a claim must take: the due FAILED rows and the PENDING rows, in id order. */
  const dueEventIds = [
    ...Array.from({ length: DUE_FAILED }, (_, index) => `e-${SENT + index + 1}`),
    ...Array.from({ length: PENDING }, (_, index) => `e-${SENT + WAITING + index + 1}`),
  ];

  it('the relay claims the due rows, reading about as many pages as rows it takes', async () => {
    await dataSource.transaction(async (manager) => {
      const { tx, last } = recording(manager);
      const rows = await new SourceOutboxRepository(dataSource).claimDue(tx, 500);
      expect(rows.map((row) => row.eventId)).toEqual(dueEventIds);
      const cost = await costOf(manager, last());
      expectIndexRanges(cost, /Seq Scan|Bitmap/);
      expect(cost.buffers).toBeLessThan(4 * dueEventIds.length + 20);
    });
  });

  it('the dispatcher claims the due rows, reading about as many pages as rows it takes', async () => {
    await dataSource.transaction(async (manager) => {
      const { tx, last } = recording(manager);
      const rows = await new DispatchOutboxRepository(dataSource).claimDue(tx, 'POSTHOG', 100);
      expect(rows.map((row) => row.eventId)).toEqual(dueEventIds);
      const cost = await costOf(manager, last());
      expectIndexRanges(cost, /Seq Scan|Bitmap/);
      expect(cost.buffers).toBeLessThan(4 * dueEventIds.length + 20);
    });
  });

  it('a claim smaller than the due FAILED rows takes the longest overdue and leaves PENDING rows unread', async () => {
    await dataSource.transaction(async (manager) => {
      const rows = await new SourceOutboxRepository(dataSource).claimDue(manager, 4);
      expect(rows.map((row) => row.eventId)).toEqual(dueEventIds.slice(0, 4));
    });
  });

  it("the relay's gauges count the waiting rows exactly and estimate the sent ones, without reading them", async () => {
    const outbox = new SourceOutboxRepository(dataSource);
    let backlog: Awaited<ReturnType<SourceOutboxRepository['backlog']>> | undefined;
    const [statement] = await recordedStatements(dataSource, async () => {
      backlog = await outbox.backlog();
    });
    expect(backlog).toEqual({
      pendingCount: PENDING,
      failedCount: WAITING,
      publishedCount: expect.any(Number),
      oldestPendingAt: expect.any(String),
    });
    // ANALYZE counted the live rows of every page of this table.
    expect(Math.abs(backlog!.publishedCount - SENT)).toBeLessThan(SENT / 100);
    const cost = await costOf(dataSource, statement);
    expectIndexRanges(cost);
    expect(cost.buffers).toBeLessThan(sourcePages / 10);
  });

  it("the operator's source summary reads the waiting rows, never the sent ones", async () => {
    const outbox = new SourceOutboxRepository(dataSource);
    const [statement] = await recordedStatements(dataSource, () => outbox.summary());
    const cost = await costOf(dataSource, statement);
    expectIndexRanges(cost);
    expect(cost.buffers).toBeLessThan(sourcePages / 10);
  });

  it("the dispatcher's gauges and the operator's dispatch summary read the waiting rows, never the sent ones", async () => {
    const outbox = new DispatchOutboxRepository(dataSource);
    const admin = new DispatchOutboxRepository(dataSource);
    let counts: Awaited<ReturnType<DispatchOutboxRepository['countsByTarget']>> = [];
    const statements = await recordedStatements(dataSource, async () => {
      expect(await outbox.backlog(['POSTHOG'])).toEqual([
        { target: 'POSTHOG', pendingCount: PENDING, failedCount: WAITING },
      ]);
      counts = await admin.countsByTarget(['POSTHOG']);
    });
    expect(counts).toEqual([
      expect.objectContaining({ target: 'POSTHOG', pendingCount: PENDING, failedCount: WAITING, maxRetryCount: 0 }),
    ]);
    expect(Math.abs(counts[0].dispatchedCount - SENT)).toBeLessThan(SENT / 100);
    expect(statements.length).toBeGreaterThan(1);
    for (const statement of statements) {
      const cost = await costOf(dataSource, statement);
      expectIndexRanges(cost);
      expect(cost.buffers).toBeLessThan(dispatchPages / 10);
    }
  });
});
