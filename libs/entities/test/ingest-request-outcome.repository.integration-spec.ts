import { DataSource } from 'typeorm';
import { createTestDatabase, seedIngestOutcomes, TestDatabase } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import {
  INGEST_OUTCOME_RETENTION_DAYS,
  IngestRequestOutcomeRepository,
} from '../src/ingest-request-outcome.repository';

describe('IngestRequestOutcomeRepository on a migrated database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let outcomes: IngestRequestOutcomeRepository;

  beforeAll(async () => {
    db = await createTestDatabase('ingest_outcome_repository');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'ingest-outcome-repository-test')).initialize();
    outcomes = new IngestRequestOutcomeRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE ingest_request_outcome');
  });

  it('adds the flushes of several replicas into the current 10-second bucket of each outcome', async () => {
    await Promise.all([
      outcomes.add([
        { result: 'accepted', requests: 2, events: 5 },
        { result: 'rate_limited', requests: 1, events: 0 },
      ]),
      outcomes.add([{ result: 'accepted', requests: 3, events: 4 }]),
    ]);

    const rows = await db.query<{ result: string; requests: number; events: number; aligned: boolean }>(
      `SELECT result, sum(request_count)::int AS requests, sum(event_count)::int AS events,
              bool_and(extract(epoch FROM bucket_start)::bigint % 10 = 0) AS aligned
       FROM ingest_request_outcome GROUP BY result ORDER BY result`,
    );
    expect(rows).toEqual([
      { result: 'accepted', requests: 5, events: 9, aligned: true },
      { result: 'rate_limited', requests: 1, events: 0, aligned: true },
    ]);
  });

  it('drops the buckets past the retention and keeps the others', async () => {
    const day = 86_400_000;
    await seedIngestOutcomes(db, [
      {
        bucketStart: new Date(Date.now() - (INGEST_OUTCOME_RETENTION_DAYS + 1) * day),
        result: 'accepted',
        requestCount: 1,
        eventCount: 1,
      },
      { bucketStart: new Date(Date.now() - day / 24), result: 'accepted', requestCount: 2, eventCount: 2 },
    ]);

    await outcomes.deleteExpired();

    expect(await db.query('SELECT request_count::int FROM ingest_request_outcome')).toEqual([{ request_count: 2 }]);
  });
});
