import { PipelineProcesses, sleep, waitFor } from '@app/testing';
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

const OUTAGE_MS = 20_000 * SCALE.faultFactor;
const CIRCUIT = 'analytics_user_activity_dispatch_circuit_total';

describe('runbook §2: PostHog failing, then slow', () => {
  let pipeline: PipelineProcesses;

  beforeAll(async () => {
    pipeline = await startPipeline({ label: 'rel_posthog_outage' });
  }, 60_000);

  afterAll(async () => {
    await stopPipeline(pipeline);
  });

  it(
    `keeps every event while PostHog answers 500 for ${OUTAGE_MS / 1000} s, then delivers all of them once it answers slowly`,
    async () => {
      const driver = startLoad(pipeline);
      await steadyPhase(pipeline, driver);
      pipeline.posthog.respondWith({ status: 500 });
      const outageStartedAt = Date.now();
      const requestsBefore = pipeline.posthog.requests.length;
      const opened = await waitFor(
        'the PostHog breaker to open',
        () => metricTotal(pipeline.replicas('dispatcher'), CIRCUIT, { state: 'open', target: 'POSTHOG' }),
        (count) => count > 0,
        OUTAGE_MS,
      );
      await sleep(Math.max(0, outageStartedAt + OUTAGE_MS - Date.now()));
      const [kept] = await pipeline.db.query<{ stored: number; waiting: number }>(
        `SELECT (SELECT count(*) FROM user_activity_event)::int AS stored,
                (SELECT count(*) FROM user_activity_dispatch_outbox WHERE status IN ('PENDING', 'FAILED'))::int AS waiting`,
      );
      const requestsDuringOutage = pipeline.posthog.requests.length - requestsBefore;
      pipeline.posthog.respondWith({ status: 200, delayMs: 300 });
      const faultEndedAt = Date.now();
      await steadyPhase(pipeline, driver);

      const report = await drainAndMeasure('PostHog 500, then slow', pipeline, driver, faultEndedAt);
      console.log(`[reliability] PostHog got ${requestsDuringOutage} requests during the ${OUTAGE_MS / 1000} s outage`);

      expect(opened).toBeGreaterThan(0);
      // Stored meanwhile and waiting in the dispatch outbox, not dropped.
      expect(kept.waiting).toBeGreaterThan(0);
      expect(kept.stored).toBeGreaterThanOrEqual(kept.waiting);
      // The open breaker sends one probe per open period instead of a batch per poll.
      expect(requestsDuringOutage).toBeLessThan(OUTAGE_MS / 500);
      expect(
        await metricTotal(pipeline.replicas('dispatcher'), CIRCUIT, { state: 'closed', target: 'POSTHOG' }),
      ).toBeGreaterThan(0);
      expectNothingLostOrDoubled(report, driver);
    },
    SCALE.testTimeoutMs,
  );
});
