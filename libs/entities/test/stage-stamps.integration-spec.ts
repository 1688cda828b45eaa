import { DataSource, QueryRunner } from 'typeorm';
import { canonicalEvent, createTestDatabase, TestDatabase } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { DispatchOutboxEnqueueRepository } from '../src/dispatch-outbox-enqueue.repository';
import { DispatchOutboxRepository } from '../src/dispatch-outbox.repository';
import { EventStoreRepository } from '../src/event-store.repository';
import { SourceOutboxRepository } from '../src/source-outbox.repository';

const RETRY_DELAY_MS = 10_000;

/**
 * Each test opens a long transaction as the relay, the consumer or the dispatcher does, lets another connection
 * commit a row (or read the clock) while it is open, then writes its stamps: none may come out earlier than what
 * happened before it was written. Stamps of now() would: now() is when the long transaction began.
 */
describe('stage stamps written inside a long transaction', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let tx: QueryRunner;
  let sourceOutbox: SourceOutboxRepository;
  let dispatchOutbox: DispatchOutboxRepository;

  beforeAll(async () => {
    db = await createTestDatabase('stage_stamps');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'stage-stamps-test')).initialize();
    sourceOutbox = new SourceOutboxRepository(dataSource);
    dispatchOutbox = new DispatchOutboxRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  beforeEach(async () => {
    tx = dataSource.createQueryRunner();
    await tx.startTransaction();
    await tx.query('SELECT 1');
  });

  afterEach(async () => {
    if (tx.isTransactionActive) {
      await tx.rollbackTransaction();
    }
    await tx.release();
  });

  /** Commits a source outbox row from another connection, as ingest-api does, and returns its id. */
  async function commitSourceRow(): Promise<string> {
    const event = canonicalEvent();
    const [id] = await sourceOutbox.insertEvents(
      [event],
      [JSON.stringify(event)],
      new Date(Date.now() + 60_000),
      new AbortController().signal,
    );
    const [row] = await db.query<{ id: string }>('SELECT id FROM user_activity_source_outbox WHERE event_id = $1', [
      id,
    ]);
    return row.id;
  }

  async function sourceRow(id: string) {
    const [row] = await db.query<{ ok: boolean; retryOk: boolean; updatedOk: boolean }>(
      `SELECT published_at >= created_at AS ok, updated_at >= created_at AS "updatedOk",
              next_retry_at >= created_at + $2 * interval '1 millisecond' AS "retryOk"
       FROM user_activity_source_outbox WHERE id = $1`,
      [id, RETRY_DELAY_MS],
    );
    return row;
  }

  it('stamps published_at no earlier than the creation of a row ingest committed inside the claim window', async () => {
    const id = await commitSourceRow();
    const claimed = await sourceOutbox.claimDue(tx.manager, 10);
    expect(claimed.map((row) => row.id)).toEqual([id]);
    await sourceOutbox.markPublished(tx.manager, claimed);
    await tx.commitTransaction();

    expect(await sourceRow(id)).toMatchObject({ ok: true, updatedOk: true });
  });

  it('schedules a failed row from the time it failed, not from the start of the transaction', async () => {
    const id = await commitSourceRow();
    const claimed = await sourceOutbox.claimDue(tx.manager, 10);
    await sourceOutbox.markFailed(tx.manager, [
      { id: claimed[0].id, error: 'broker down', retryDelayMs: RETRY_DELAY_MS },
    ]);
    await tx.commitTransaction();

    expect(await sourceRow(id)).toMatchObject({ retryOk: true, updatedOk: true });
  });

  it('stamps dispatched_at when the target answered, after the claim transaction began', async () => {
    const event = canonicalEvent();
    await new DispatchOutboxEnqueueRepository().enqueue(dataSource.manager, [event], ['POSTHOG']);
    const claimed = await dispatchOutbox.claimDue(tx.manager, 'POSTHOG', 10);
    expect(claimed).toHaveLength(1);
    const [{ answeredAt }] = await db.query<{ answeredAt: string }>(`SELECT clock_timestamp()::text AS "answeredAt"`);
    await dispatchOutbox.markDispatched(
      tx.manager,
      claimed.map((row) => row.id),
    );
    await tx.commitTransaction();

    const [row] = await db.query<{ ok: boolean }>(
      `SELECT dispatched_at >= $2::timestamptz AND updated_at >= $2::timestamptz AS ok
       FROM user_activity_dispatch_outbox WHERE event_id = $1`,
      [event.eventId, answeredAt],
    );
    expect(row.ok).toBe(true);
  });

  it('defaults the store, dispatch and trace times to the insert, after rows committed meanwhile', async () => {
    const id = await commitSourceRow();
    const event = canonicalEvent();
    await tx.query(
      `INSERT INTO message_queue_trace_log (message_id, topic, provider, stage) VALUES ($1, 'topic', 'rabbitmq', 'CONSUME_SUCCESS')`,
      [event.eventId],
    );
    await new EventStoreRepository().insertEvents(tx.manager, [event]);
    await new DispatchOutboxEnqueueRepository().enqueue(tx.manager, [event], ['POSTHOG']);
    await tx.commitTransaction();

    const [row] = await db.query<Record<string, boolean>>(
      `SELECT (SELECT created_at FROM message_queue_trace_log WHERE message_id = $2) >= o.created_at AS trace,
              (SELECT created_at FROM user_activity_event WHERE event_id = $2) >= o.created_at AS stored,
              (SELECT created_at FROM user_activity_dispatch_outbox WHERE event_id = $2) >= o.created_at AS dispatch
       FROM user_activity_source_outbox o WHERE o.id = $1`,
      [id, event.eventId],
    );
    expect(row).toEqual({ trace: true, stored: true, dispatch: true });
  });
});
