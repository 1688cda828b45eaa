import { PipelineProcesses } from '@app/testing';
import {
  drainAndMeasure,
  expectNothingLostOrDoubled,
  metricTotal,
  SCALE,
  startLoad,
  startPipeline,
  stopPipeline,
  steadyPhase,
} from './reliability.harness';

const WORKERS = ['outbox-relay', 'event-store-consumer', 'dispatcher'] as const;

describe('DESIGN §1: two replicas of every worker app for a whole run', () => {
  let pipeline: PipelineProcesses;

  beforeAll(async () => {
    pipeline = await startPipeline({
      label: 'rel_replicas',
      replicas: { 'ingest-api': 2, 'outbox-relay': 2, 'event-store-consumer': 2, dispatcher: 2 },
    });
  }, 90_000);

  afterAll(async () => {
    await stopPipeline(pipeline);
  });

  it(
    'processes every event exactly once between the replicas',
    async () => {
      const driver = startLoad(pipeline);
      await steadyPhase(pipeline, driver, 3);
      void driver.burst(SCALE.burstEvents);
      await steadyPhase(pipeline, driver);
      const loadEndedAt = Date.now();

      const report = await drainAndMeasure('two replicas of every worker', pipeline, driver, loadEndedAt);
      const shares = await Promise.all(
        WORKERS.map(async (app) => {
          const perReplica = await Promise.all(
            pipeline.replicas(app).map((replica) => metricTotal([replica], WORK_METRIC[app], { result: 'success' })),
          );
          return `${app} ${perReplica.join('/')}`;
        }),
      );
      console.log(`[reliability] work per replica: ${shares.join(', ')}`);

      // Replicas never take the same row or message: nothing goes twice unless an attempt failed.
      expect(report.unexplainedStoreDuplicates).toBe(0);
      expect(report.unexplainedResends).toBe(0);
      expectNothingLostOrDoubled(report, driver);
    },
    SCALE.testTimeoutMs,
  );
});

const WORK_METRIC: Record<(typeof WORKERS)[number], string> = {
  'outbox-relay': 'analytics_user_activity_outbox_publish_total',
  'event-store-consumer': 'mq_consume_count_total',
  dispatcher: 'analytics_user_activity_dispatch_execute_total',
};
