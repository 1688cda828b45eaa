import { DataSource } from 'typeorm';
import { canonicalEvent, createTestDatabase, seedDispatchOutbox, seedSourceOutbox, TestDatabase } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { EventJourneyRepository } from '../src/event-journey.repository';
import { EventStoreRepository } from '../src/event-store.repository';

describe('EventJourneyRepository on a migrated database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let journey: EventJourneyRepository;

  beforeAll(async () => {
    db = await createTestDatabase('event_journey_repository');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'event-journey-repository-test')).initialize();
    journey = new EventJourneyRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('finds nothing of an event id no table holds', async () => {
    expect(await journey.outboxRow('unknown')).toBeNull();
    expect(await journey.storedRow('unknown')).toBeNull();
    expect(await journey.dispatchRows('unknown')).toEqual([]);
  });

  it('shows where one event is in each table: published, stored, and one dispatch row per target', async () => {
    const event = canonicalEvent({ memberId: 42 });
    const publishedAt = new Date(Date.now() - 60_000);
    await seedSourceOutbox(db, [
      { eventId: event.eventId, eventName: event.eventName, status: 'PUBLISHED', publishedAt, payload: event },
    ]);
    await new EventStoreRepository().insertEvents(dataSource.manager, [event]);
    await seedDispatchOutbox(db, [
      { eventId: event.eventId, status: 'DISPATCHED', dispatchedAt: new Date() },
      { eventId: event.eventId, target: 'WEBHOOK', status: 'FAILED', retryCount: 2, lastError: 'HTTP 503' },
    ]);

    expect(await journey.outboxRow(event.eventId)).toMatchObject({
      eventName: event.eventName,
      status: 'PUBLISHED',
      publishedAt: publishedAt.toISOString(),
      payload: JSON.parse(JSON.stringify(event)),
    });
    expect(await journey.storedRow(event.eventId)).toMatchObject({ eventName: event.eventName, memberId: 42 });
    expect(
      (await journey.dispatchRows(event.eventId)).map(({ target, status, retryCount }) => ({
        target,
        status,
        retryCount,
      })),
    ).toEqual([
      { target: 'POSTHOG', status: 'DISPATCHED', retryCount: 0 },
      { target: 'WEBHOOK', status: 'FAILED', retryCount: 2 },
    ]);
  });
});
