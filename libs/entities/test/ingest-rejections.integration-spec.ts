import { createTestDatabase, TestDatabase } from '@app/testing';
import { IngestRejectionKind, IngestRejectionReason } from '../src/ingest-policy';
import { IngestRejectionRepository, IngestRejectionTally } from '../src/ingest-rejection.repository';
import { SqlExecutor } from '../src/sql-executor';

const MINUTE_MS = 60_000;

function tally(key: string, count: number, at: Date, bucketStart = at): IngestRejectionTally {
  return {
    bucketStart: new Date(Math.floor(bucketStart.getTime() / MINUTE_MS) * MINUTE_MS),
    reason: IngestRejectionReason.RateLimited,
    kind: IngestRejectionKind.Caller,
    key,
    count,
    firstSeenAt: at,
    lastSeenAt: at,
  };
}

describe('ingest_rejection: flushes from several replicas, read by minute, pruned by age', () => {
  let db: TestDatabase;
  let executor: SqlExecutor;
  const repository = new IngestRejectionRepository();

  beforeAll(async () => {
    db = await createTestDatabase('ingest_rejections');
    executor = { query: async <T>(sql: string, parameters?: unknown[]) => (await db.query(sql, parameters)) as T };
  });

  afterAll(async () => {
    await db.drop();
  });

  it('adds up the flushes of one minute and key, widening first and last seen', async () => {
    const now = Date.now();
    const early = new Date(Math.floor(now / MINUTE_MS) * MINUTE_MS + 1_000);
    const late = new Date(early.getTime() + 30_000);
    await repository.add(executor, [tally('member:1', 3, early), tally('member:2', 1, early)]);
    await repository.add(executor, [tally('member:1', 4, late)]);
    const top = await repository.top(executor, IngestRejectionKind.Caller, null, new Date(now - 5 * MINUTE_MS), 10);
    expect(top.map(({ key, count }) => [key, count])).toEqual([
      ['member:1', 7],
      ['member:2', 1],
    ]);
    expect(top[0]).toMatchObject({ firstSeenAt: early, lastSeenAt: late });
    expect(await db.query('SELECT 1 FROM ingest_rejection')).toHaveLength(2);
  });

  it('deletes the minutes older than the retention and keeps the rest', async () => {
    const old = new Date(Date.now() - 3 * 3_600_000);
    await repository.add(executor, [tally('member:old', 5, old)]);
    await repository.prune(executor, 3_600_000);
    const keys = await db.query<{ rejected_key: string }>('SELECT rejected_key FROM ingest_rejection ORDER BY 1');
    expect(keys.map((row) => row.rejected_key)).toEqual(['member:1', 'member:2']);
  });
});
