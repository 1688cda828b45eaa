import { PipelineProcesses, sleep, waitFor } from '@app/testing';
import {
  drainAndMeasure,
  expectNothingLostOrDoubled,
  SCALE,
  startLoad,
  startPipeline,
  stopPipeline,
  steadyPhase,
} from './reliability.harness';

const OUTAGE_MS = 10_000 * SCALE.faultFactor;

describe('runbook §2: RabbitMQ unreachable during steady ingest', () => {
  let pipeline: PipelineProcesses;

  beforeAll(async () => {
    pipeline = await startPipeline({
      label: 'rel_broker_outage',
      throughProxy: { broker: ['outbox-relay', 'event-store-consumer', 'admin-api'] },
    });
  }, 60_000);

  afterAll(async () => {
    await stopPipeline(pipeline);
  });

  it(
    `loses and doubles nothing when the broker is cut off for ${OUTAGE_MS / 1000} s and comes back`,
    async () => {
      const driver = startLoad(pipeline);
      await steadyPhase(pipeline, driver);
      const acceptedBefore = driver.accepted;
      pipeline.brokerProxy.cut();
      const cutAt = Date.now();
      const failedBefore = await waitFor(
        'the relay to record failed publishes while the broker is away',
        async () =>
          (
            await pipeline.db.query<{ failed: number }>(
              `SELECT count(*)::int AS failed FROM user_activity_source_outbox WHERE status = 'FAILED'`,
            )
          )[0].failed,
        (failed) => failed > 0,
        OUTAGE_MS,
      );
      await sleep(Math.max(0, cutAt + OUTAGE_MS - Date.now()));
      const acceptedDuringOutage = driver.accepted - acceptedBefore;
      pipeline.brokerProxy.restore();
      const faultEndedAt = Date.now();
      await steadyPhase(pipeline, driver);

      const report = await drainAndMeasure('RabbitMQ unreachable', pipeline, driver, faultEndedAt);

      expect(failedBefore).toBeGreaterThan(0);
      expect(acceptedDuringOutage).toBeGreaterThan(0);
      expectNothingLostOrDoubled(report, driver);
    },
    SCALE.testTimeoutMs,
  );
});
