import { AppExit, PIPELINE_APPS, PipelineProcesses } from '@app/testing';
import {
  drainAndMeasure,
  expectNothingLostOrDoubled,
  SCALE,
  SIGTERM_DEADLINE_MS,
  startLoad,
  startPipeline,
  waitForBatchInHand,
  waitForDispatchInFlight,
  stopPipeline,
  steadyPhase,
} from './reliability.harness';

describe('runbook §2 and DESIGN §12: SIGTERM of each app under load drains gracefully', () => {
  let pipeline: PipelineProcesses;

  beforeAll(async () => {
    pipeline = await startPipeline({ label: 'rel_sigterm' });
  }, 60_000);

  afterAll(async () => {
    await stopPipeline(pipeline);
  });

  it(
    'every app exits within its grace period, finishing the batch in hand: nothing lost, redone or left locked',
    async () => {
      const driver = startLoad(pipeline);
      await steadyPhase(pipeline, driver);
      const exits: Record<string, AppExit> = {};
      let faultEndedAt = Date.now();
      for (let round = 0; round < SCALE.rounds; round++) {
        for (const name of PIPELINE_APPS) {
          if (name === 'dispatcher') {
            // The answer takes a while: a graceful stop waits for it and records the batch.
            await waitForDispatchInFlight(pipeline, 500);
          } else if (name === 'outbox-relay' || name === 'event-store-consumer') {
            void driver.burst(SCALE.burstEvents);
            await waitForBatchInHand(pipeline, name);
          }
          // kill() rejects if the process outlives its grace period; one that gave up draining exits with code 1.
          exits[name] = await pipeline.app(name).kill('SIGTERM', SIGTERM_DEADLINE_MS);
          pipeline.posthog.recover();
          await pipeline.app(name).start();
          faultEndedAt = Date.now();
        }
      }
      await steadyPhase(pipeline, driver);

      const report = await drainAndMeasure('SIGTERM of each app', pipeline, driver, faultEndedAt);

      for (const name of PIPELINE_APPS) {
        expect({ name, ended: exits[name].signal ?? exits[name].code }).toEqual({ name, ended: 'SIGTERM' });
      }
      // A graceful stop finishes its batch: nothing published or sent to PostHog twice unless an attempt failed.
      expect(report.unexplainedStoreDuplicates).toBe(0);
      expect(report.unexplainedResends).toBe(0);
      expectNothingLostOrDoubled(report, driver);
    },
    SCALE.testTimeoutMs,
  );
});
