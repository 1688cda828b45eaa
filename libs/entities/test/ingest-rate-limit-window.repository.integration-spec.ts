import { DataSource } from 'typeorm';
import { createTestDatabase, seedRateLimitWindows, TestDatabase } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { IngestRateLimitWindowRepository } from '../src/ingest-rate-limit-window.repository';

const WINDOW_MS = 60_000;

describe('IngestRateLimitWindowRepository on a migrated database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let windows: IngestRateLimitWindowRepository;

  beforeAll(async () => {
    db = await createTestDatabase('rate_limit_window_repository');
    dataSource = await new DataSource(dataSourceOptions(db.url, 4, 'rate-limit-window-repository-test')).initialize();
    windows = new IngestRateLimitWindowRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE ingest_rate_limit_window');
  });

  it('counts the requests of each key in each window, concurrent requests included (ON CONFLICT DO UPDATE)', async () => {
    const window = new Date(Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS);
    const next = new Date(window.getTime() + WINDOW_MS);

    const counts = await Promise.all(Array.from({ length: 5 }, () => windows.increment('anonymous:a', window)));

    expect(counts.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await windows.increment('anonymous:b', window)).toBe(1);
    expect(await windows.increment('anonymous:a', next)).toBe(1);
  });

  it('deletes the windows that started before the cut-off, and only those', async () => {
    const now = Date.now();
    await seedRateLimitWindows(db, [
      { rateKey: 'ip:10.0.0.1', windowStart: new Date(now - 3 * WINDOW_MS), requestCount: 7 },
      { rateKey: 'ip:10.0.0.1', windowStart: new Date(now - WINDOW_MS), requestCount: 2 },
    ]);

    await windows.deleteStartedBefore(new Date(now - 2 * WINDOW_MS));

    const rows = await db.query<{ request_count: number }>('SELECT request_count FROM ingest_rate_limit_window');
    expect(rows).toEqual([{ request_count: 2 }]);
  });
});
