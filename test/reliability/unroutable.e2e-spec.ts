import { EVENT_STORE_QUEUE, USER_ACTIVITY_EXCHANGE } from '@app/messaging';
import { AppProcess, PipelineProcesses, waitFor } from '@app/testing';
import {
  drainAndMeasure,
  expectNothingLostOrDoubled,
  metricTotal,
  SCALE,
  startLoad,
  startPipeline,
  stopPipeline,
} from './reliability.harness';

interface SourceState {
  failBefore: number;
  failAfter: number;
  published: number;
  failed: number;
  pending: number;
  attempts: number;
  notReturned: number;
}

describe('runbook §2: the event-store queue unbound from the exchange mid-run', () => {
  let pipeline: PipelineProcesses;

  beforeAll(async () => {
    pipeline = await startPipeline({ label: 'rel_unroutable' });
  }, 60_000);

  afterAll(async () => {
    await stopPipeline(pipeline);
  });

  it(
    'keeps every returned message FAILED and counted failed, then publishes it once the binding is back',
    async () => {
      const driver = startLoad(pipeline);
      await waitFor(
        'events stored',
        () => storedCount(pipeline),
        (stored) => stored >= 50,
        30_000,
      );
      const { connection, channel } = await pipeline.vhost.connect();
      try {
        await channel.unbindQueue(EVENT_STORE_QUEUE, USER_ACTIVITY_EXCHANGE, '#');
        await waitFor(
          'rows failing as unroutable',
          () => sourceState(pipeline),
          (state) => state.failed >= 20,
          30_000,
        );
        await driver.stop();
        const relay = pipeline.replicas('outbox-relay');
        // Rows between two equal counter reads describe one moment: every failed attempt counted once, every row
        // not published FAILED with the broker's return as its error.
        const moment = await waitFor(
          'the relay idle between retries',
          () => sourceState(pipeline, relay),
          (state) => state.failBefore === state.failAfter && state.pending === 0 && state.failBefore === state.attempts,
          30_000,
          50,
        );
        expect(moment.failed).toBeGreaterThan(0);
        expect(moment.notReturned).toBe(0);
        // Whatever counts as published must reach the store; a returned message counted as published never does.
        await waitFor(
          'the published rows stored',
          () => storedCount(pipeline),
          (stored) => stored === moment.published,
        );

        await channel.bindQueue(EVENT_STORE_QUEUE, USER_ACTIVITY_EXCHANGE, '#');
      } finally {
        await connection.close();
      }
      const faultEndedAt = Date.now();
      const report = await drainAndMeasure('event-store queue unbound', pipeline, driver, faultEndedAt);

      expectNothingLostOrDoubled(report, driver);
      expect(
        await metricTotal(pipeline.replicas('outbox-relay'), 'mq_publish_count_total', { result: 'success' }),
      ).toBe(report.accepted);
    },
    SCALE.testTimeoutMs,
  );
});

async function storedCount(pipeline: PipelineProcesses): Promise<number> {
  return (await pipeline.db.query<{ n: number }>('SELECT count(*)::int AS n FROM user_activity_event'))[0].n;
}

async function sourceState(pipeline: PipelineProcesses, relay: AppProcess[] = []): Promise<SourceState> {
  const failBefore = await metricTotal(relay, 'mq_publish_count_total', { result: 'fail' });
  const [row] = await pipeline.db.query<Omit<SourceState, 'failBefore' | 'failAfter'>>(
    `SELECT count(*) FILTER (WHERE status = 'PUBLISHED')::int AS published,
            count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
            count(*) FILTER (WHERE status = 'PENDING')::int AS pending,
            coalesce(sum(retry_count), 0)::int AS attempts,
            count(*) FILTER (WHERE status = 'FAILED' AND last_error NOT LIKE 'unroutable: no queue bound for %')::int
              AS "notReturned"
     FROM user_activity_source_outbox`,
  );
  const failAfter = await metricTotal(relay, 'mq_publish_count_total', { result: 'fail' });
  return { failBefore, failAfter, ...row };
}
