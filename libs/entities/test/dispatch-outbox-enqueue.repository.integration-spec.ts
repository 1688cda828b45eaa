import { DataSource } from 'typeorm';
import { canonicalEvent, createTestDatabase, seedDispatchOutbox, TestDatabase } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { DispatchOutboxEnqueueRepository } from '../src/dispatch-outbox-enqueue.repository';
import { DispatchTargetName } from '../src/dispatch-outbox.repository';

const POSTHOG = DispatchTargetName.Posthog;

describe('DispatchOutboxEnqueueRepository on a migrated database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const enqueue = new DispatchOutboxEnqueueRepository();

  beforeAll(async () => {
    db = await createTestDatabase('dispatch_enqueue_repository');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'dispatch-enqueue-repository-test')).initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('counts per target the rows it inserted and the events already enqueued (ON CONFLICT DO NOTHING)', async () => {
    const known = canonicalEvent();
    await seedDispatchOutbox(db, [{ eventId: known.eventId, status: 'DISPATCHED', dispatchedAt: new Date() }]);
    const events = [known, canonicalEvent(), canonicalEvent()];

    const counts = await dataSource.transaction((tx) => enqueue.enqueue(tx, events, [POSTHOG, 'WEBHOOK']));

    expect(counts).toEqual([
      { target: POSTHOG, inserted: 2, duplicate: 1 },
      { target: 'WEBHOOK', inserted: 3, duplicate: 0 },
    ]);
    const rows = await db.query<{ status: string }>(
      `SELECT status FROM user_activity_dispatch_outbox WHERE event_id = $1 AND dispatch_target = $2`,
      [known.eventId, POSTHOG],
    );
    expect(rows).toEqual([{ status: 'DISPATCHED' }]);
  });

  it('writes the event as the payload of a PENDING row', async () => {
    const event = canonicalEvent();

    await dataSource.transaction((tx) => enqueue.enqueue(tx, [event], [POSTHOG]));

    const [row] = await db.query<{ status: string; payload: unknown }>(
      `SELECT status, payload FROM user_activity_dispatch_outbox WHERE event_id = $1`,
      [event.eventId],
    );
    expect(row).toEqual({ status: 'PENDING', payload: JSON.parse(JSON.stringify(event)) });
  });
});
