import { PipelineProcesses, sleep } from '@app/testing';
import {
  drainAndMeasure,
  expectNothingLostOrDoubled,
  SCALE,
  startLoad,
  startPipeline,
  stopPipeline,
  steadyPhase,
} from './reliability.harness';

const OUTAGE_MS = 5_000 * SCALE.faultFactor;

describe('runbook §2: PostgreSQL unreachable for the relay and the consumer', () => {
  let pipeline: PipelineProcesses;

  beforeAll(async () => {
    pipeline = await startPipeline({
      label: 'rel_db_outage',
      throughProxy: { database: ['outbox-relay', 'event-store-consumer'] },
    });
  }, 60_000);

  afterAll(async () => {
    await stopPipeline(pipeline);
  });

  it(
    `loses and doubles nothing when their database is cut off for ${OUTAGE_MS / 1000} s`,
    async () => {
      const driver = startLoad(pipeline);
      await steadyPhase(pipeline, driver);
      pipeline.databaseProxy.cut();
      const cutAt = Date.now();
      await sleep(1_000);
      const duringOutage = [await progress(pipeline)];
      await sleep(Math.max(0, cutAt + OUTAGE_MS - Date.now()));
      duringOutage.push(await progress(pipeline));
      pipeline.databaseProxy.restore();
      const faultEndedAt = Date.now();
      await steadyPhase(pipeline, driver);

      const report = await drainAndMeasure(
        'PostgreSQL unreachable for relay and consumer',
        pipeline,
        driver,
        faultEndedAt,
      );

      // While their database is away nothing is published or stored, yet ingest-api keeps accepting.
      expect(duringOutage[1].published).toBe(duringOutage[0].published);
      expect(duringOutage[1].stored).toBe(duringOutage[0].stored);
      expect(duringOutage[1].pending).toBeGreaterThan(duringOutage[0].pending);
      expectNothingLostOrDoubled(report, driver);
    },
    SCALE.testTimeoutMs,
  );
});

async function progress(pipeline: PipelineProcesses): Promise<{ pending: number; published: number; stored: number }> {
  const [row] = await pipeline.db.query<{ pending: number; published: number; stored: number }>(
    `SELECT count(*) FILTER (WHERE status = 'PENDING')::int AS pending,
            count(*) FILTER (WHERE status = 'PUBLISHED')::int AS published,
            (SELECT count(*) FROM user_activity_event)::int AS stored
     FROM user_activity_source_outbox`,
  );
  return row;
}
