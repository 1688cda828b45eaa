import { DataSource } from 'typeorm';
import { canonicalEvent, createTestDatabase, TestDatabase } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { EventStoreRepository } from '../src/event-store.repository';

describe('EventStoreRepository on a migrated database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const store = new EventStoreRepository();

  beforeAll(async () => {
    db = await createTestDatabase('event_store_repository');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'event-store-repository-test')).initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('stores each event id once, answering only the ids it inserted (ON CONFLICT DO NOTHING)', async () => {
    const first = canonicalEvent();
    expect(await dataSource.transaction((tx) => store.insertEvents(tx, [first]))).toEqual([first.eventId]);

    const second = canonicalEvent();
    const redelivered = await dataSource.transaction((tx) => store.insertEvents(tx, [first, second]));

    expect(redelivered).toEqual([second.eventId]);
    const [{ count }] = await db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM user_activity_event WHERE event_id = ANY($1)',
      [[first.eventId, second.eventId]],
    );
    expect(count).toBe(2);
  });

  it('keeps the columns of the event as it was first stored', async () => {
    const event = canonicalEvent({ properties: { path: '/first' } });
    await dataSource.transaction((tx) => store.insertEvents(tx, [event]));

    await dataSource.transaction((tx) => store.insertEvents(tx, [{ ...event, properties: { path: '/second' } }]));

    const [row] = await db.query<{ event_name: string; properties: unknown }>(
      'SELECT event_name, properties FROM user_activity_event WHERE event_id = $1',
      [event.eventId],
    );
    expect(row).toEqual({ event_name: event.eventName, properties: { path: '/first' } });
  });

  it('inserts nothing for an empty batch', async () => {
    expect(await store.insertEvents(dataSource.manager, [])).toEqual([]);
  });
});
