import { CanonicalEvent } from '@app/entities';
import { EVENT_STORE_QUEUE, eventMessageOptions, USER_ACTIVITY_EXCHANGE } from '@app/messaging';
import { PipelineProcesses, waitFor } from '@app/testing';
import {
  drainAndMeasure,
  expectNothingLostOrDoubled,
  metricTotal,
  SCALE,
  signalLines,
  startLoad,
  startPipeline,
  stopPipeline,
} from './reliability.harness';

const COPIES = 20;

describe('runbook §2: PostgreSQL unreachable for the event-store-consumer alone', () => {
  let pipeline: PipelineProcesses;

  beforeAll(async () => {
    pipeline = await startPipeline({ label: 'rel_consumer_db', throughProxy: { database: ['event-store-consumer'] } });
  }, 60_000);

  afterAll(async () => {
    await stopPipeline(pipeline);
  });

  it(
    'acks nothing it has not committed, then stores every event once and skips the copies it is sent again',
    async () => {
      const driver = startLoad(pipeline);
      await waitFor(
        'events stored',
        () => storedCount(pipeline),
        (stored) => stored >= 100,
        30_000,
      );
      const copies = await storedPayloads(pipeline, COPIES);

      pipeline.databaseProxy.cut();
      await waitFor(
        'the consumer failing to store a batch',
        () => signalLines(pipeline, 'event-store-consumer', 'mq_consume_failed').length,
        (failures) => failures >= 2,
        30_000,
      );
      await driver.stop();
      // Copies of stored events, as the relay sends them again after a lost confirm.
      await publishCopies(pipeline, copies);
      await waitFor(
        'the relay idle with everything accepted published',
        () => openSourceRows(pipeline),
        (open) => open === 0,
        30_000,
      );
      // Nothing can commit now, so every published message not stored must still be on the queue, some of them held
      // unacked by the consumer. A batch acked before its commit would be missing from the broker's count.
      const [published, stored] = [await publishedCount(pipeline), await storedCount(pipeline)];
      await waitFor(
        'the broker holding every published message not stored, a batch of them unacked',
        async () => ({
          queued: (await pipeline.vhost.queueCounts(EVENT_STORE_QUEUE)).messages,
          unacked: (await pipeline.vhost.channelCounts()).unacked,
        }),
        ({ queued, unacked }) => queued >= published - stored + COPIES && unacked > 0,
        30_000,
        500,
      );
      expect(await storedCount(pipeline)).toBe(stored);

      pipeline.databaseProxy.restore();
      const faultEndedAt = Date.now();
      const report = await drainAndMeasure('PostgreSQL unreachable for the consumer', pipeline, driver, faultEndedAt);

      expectNothingLostOrDoubled(report, driver);
      const skipped = new Set(signalLines(pipeline, 'event-store-consumer', 'store_duplicate').map((l) => l.eventId));
      expect(copies.filter((copy) => !skipped.has(copy.eventId))).toEqual([]);
      // One process throughout, so its counters cover the whole run: every event it was sent counted once, stored or
      // skipped. A batch whose commit went through while the cut hid the answer comes back and is skipped then, so
      // the split between the two can move (by such a batch), never their sum. The consumer counts a batch just
      // after its commit, so the rows can be read a moment before the counters move.
      const consumers = pipeline.replicas('event-store-consumer');
      const counted = await waitFor(
        'the consumer to count every event it was sent',
        async () => ({
          stored: await metricTotal(consumers, 'analytics_user_activity_store_events_total', { result: 'stored' }),
          duplicate: await metricTotal(consumers, 'analytics_user_activity_store_events_total', {
            result: 'duplicate',
          }),
        }),
        ({ stored, duplicate }) => stored + duplicate >= report.accepted + COPIES,
      );
      expect(counted.stored + counted.duplicate).toBe(report.accepted + COPIES);
      expect(counted.duplicate).toBe(report.storeDuplicates);
    },
    SCALE.testTimeoutMs,
  );
});

async function count(pipeline: PipelineProcesses, sql: string): Promise<number> {
  return (await pipeline.db.query<{ n: number }>(`SELECT (${sql})::int AS n`))[0].n;
}

const storedCount = (pipeline: PipelineProcesses) => count(pipeline, 'SELECT count(*) FROM user_activity_event');
const publishedCount = (pipeline: PipelineProcesses) =>
  count(pipeline, `SELECT count(*) FROM user_activity_source_outbox WHERE status = 'PUBLISHED'`);
const openSourceRows = (pipeline: PipelineProcesses) =>
  count(pipeline, `SELECT count(*) FROM user_activity_source_outbox WHERE status <> 'PUBLISHED'`);

async function storedPayloads(pipeline: PipelineProcesses, limit: number): Promise<CanonicalEvent[]> {
  const rows = await pipeline.db.query<{ payload: CanonicalEvent }>(
    `SELECT o.payload FROM user_activity_source_outbox o JOIN user_activity_event e USING (event_id) LIMIT $1`,
    [limit],
  );
  return rows.map((row) => row.payload);
}

async function publishCopies(pipeline: PipelineProcesses, events: CanonicalEvent[]): Promise<void> {
  const { connection } = await pipeline.vhost.connect();
  try {
    const channel = await connection.createConfirmChannel();
    for (const event of events) {
      channel.publish(
        USER_ACTIVITY_EXCHANGE,
        event.eventName,
        Buffer.from(JSON.stringify(event)),
        eventMessageOptions(event),
      );
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}
