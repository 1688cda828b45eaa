import { DataSource } from 'typeorm';
import { costOf, createTestDatabase, recordedStatements, TestDatabase } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { PipelineSnapshotRepository } from '../src/pipeline-snapshot.repository';

// A week of history outside the window (traces, sent outbox rows, stored events, ingest buckets), a few rows in it:
// enough that reading any table whole costs thousands of pages.
const HISTORY = 100_000;
const IN_WINDOW = 30;
const TABLES = [
  'message_queue_trace_log',
  'user_activity_source_outbox',
  'user_activity_dispatch_outbox',
  'user_activity_event',
  'ingest_request_outcome',
];

describe('the diagnosis statements cost about the rows of their window, not the history beside it', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let repository: PipelineSnapshotRepository;
  let historyPages: number;

  beforeAll(async () => {
    db = await createTestDatabase('snapshot_plans');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'snapshot-plans-test')).initialize();
    repository = new PipelineSnapshotRepository(dataSource);
    const old = `now() - interval '7 days' + g * interval '5 seconds'`;
    const recent = `now() - interval '1 minute' + (g - $1) * interval '1 second'`;
    const at = `CASE WHEN g <= $1 THEN ${old} ELSE ${recent} END`;
    const total = HISTORY + IN_WINDOW;
    await db.query(
      `INSERT INTO message_queue_trace_log (message_id, topic, provider, stage, created_at)
       SELECT 'e-' || g, 'domain.user.activity', 'rabbitmq', 'CONSUME_SUCCESS', ${at} FROM generate_series(1, $2::int) g`,
      [HISTORY, total],
    );
    await db.query(
      `INSERT INTO user_activity_source_outbox (event_id, event_name, event_version, occurred_at, payload, status, published_at)
       SELECT 'e-' || g, 'ui.page.viewed', 'v1', ${at}, '{}', 'PUBLISHED', ${at} FROM generate_series(1, $2::int) g`,
      [HISTORY, total],
    );
    await db.query(
      `INSERT INTO user_activity_dispatch_outbox (event_id, dispatch_target, payload, status, dispatched_at)
       SELECT 'e-' || g, 'POSTHOG', '{}', 'DISPATCHED', ${at} FROM generate_series(1, $2::int) g`,
      [HISTORY, total],
    );
    await db.query(
      `INSERT INTO user_activity_event (event_id, event_name, event_version, occurred_at, received_at, source)
       SELECT 'e-' || g, 'ui.page.viewed', 'v1', ${at}, ${at}, 'CLIENT' FROM generate_series(1, $2::int) g`,
      [HISTORY, total],
    );
    await db.query(
      `INSERT INTO ingest_request_outcome (bucket_start, result, request_count, event_count)
       SELECT bucket, 'accepted', count(*), count(*)
       FROM (SELECT to_timestamp(floor(extract(epoch FROM ${at}) / 10) * 10) AS bucket FROM generate_series(1, $2::int) g) b
       GROUP BY bucket`,
      [HISTORY, total],
    );
    await db.query(`VACUUM ANALYZE ${TABLES.join(', ')}`);
    const pages = await db.query<{ pages: string }>(
      `SELECT pg_relation_size(t::regclass) / current_setting('block_size')::int AS pages FROM unnest($1::text[]) t`,
      [TABLES],
    );
    historyPages = Math.min(...pages.map((row) => Number(row.pages)));
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  async function expectWindowSized(work: () => Promise<unknown>): Promise<void> {
    const statements = await recordedStatements(dataSource, work);
    expect(statements).toHaveLength(1);
    const cost = await costOf(dataSource, statements[0]);
    const wholeTables = cost.scans.filter((scan) => /Seq Scan/.test(scan) && TABLES.some((t) => scan.endsWith(t)));
    expect(wholeTables).toEqual([]);
    expect(cost.jit).toBe(false);
    expect(cost.buffers).toBeLessThan(Math.min(historyPages / 4, 40 * IN_WINDOW + 100));
  }

  it('the diagnosis window reads the window’s traces, dispatched rows and ingest buckets, and the waiting rows', async () => {
    const counts = await repository.windowCounts({ sinceMs: 5 * 60_000 }, ['POSTHOG']);
    expect(counts.traces).toEqual({ CONSUME_SUCCESS: IN_WINDOW });
    expect(counts.dispatchedInWindow).toBe(IN_WINDOW);
    await expectWindowSized(() => repository.windowCounts({ sinceMs: 5 * 60_000 }, ['POSTHOG']));
  });

  it('the recovery check reads its window and as long again before it', async () => {
    const parts = await repository.traceCountsByPart(5 * 60_000);
    expect(parts.recent).toEqual({ CONSUME_SUCCESS: IN_WINDOW });
    await expectWindowSized(() => repository.traceCountsByPart(5 * 60_000));
  });

  it('the incident details read the window’s stored events and failure traces', async () => {
    const [{ from, to }] = await db.query<{ from: Date; to: Date }>(
      `SELECT now() - interval '5 minutes' AS "from", now() AS "to"`,
    );
    const details = await repository.incidentDetails(from, to);
    expect(details.storedTotal).toBe(IN_WINDOW);
    await expectWindowSized(() => repository.incidentDetails(from, to));
  });
});
