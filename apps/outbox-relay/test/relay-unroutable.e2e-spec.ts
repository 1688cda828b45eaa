import request from 'supertest';
import { EVENT_STORE_QUEUE, USER_ACTIVITY_EXCHANGE } from '@app/messaging';
import { clientEventInputs, scrapeMetric, waitFor } from '@app/testing';
import { OBSERVER_QUEUE, RelayHarness, startRelayHarness, statusCounts } from './relay.harness';

interface OutboxRow {
  event_id: string;
  status: string;
  retry_count: number;
  last_error: string | null;
}

const PUBLISH_COUNT = 'mq_publish_count_total';

describe('outbox-relay when no queue is bound to the exchange', () => {
  let harness: RelayHarness;

  beforeAll(async () => {
    harness = await startRelayHarness('relay_unroutable');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('keeps the returned messages FAILED with the return as last_error, counts them failed, publishes them once bound', async () => {
    // The binding removed while the relay runs: the relay declared the topology at connect and does not again.
    await harness.channel.unbindQueue(OBSERVER_QUEUE, USER_ACTIVITY_EXCHANGE, '#');
    await harness.channel.unbindQueue(EVENT_STORE_QUEUE, USER_ACTIVITY_EXCHANGE, '#');
    const events = clientEventInputs(10);
    await request(harness.ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'anon-unroutable', events })
      .expect(202);

    const relay = [harness.relays[0].url];
    // Rows, then the counter twice: equal reads mean no attempt finished in between, so they describe one moment.
    const failedMoment = await waitFor(
      'every row FAILED after returned publishes, each attempt counted once',
      async () => {
        const before = await scrapeMetric(relay, PUBLISH_COUNT, { result: 'fail' });
        const rows = await harness.db.query<OutboxRow>(
          `SELECT event_id, status, retry_count, last_error FROM user_activity_source_outbox`,
        );
        const after = await scrapeMetric(relay, PUBLISH_COUNT, { result: 'fail' });
        return { before, after, rows };
      },
      ({ before, after, rows }) =>
        before === after &&
        rows.length === 10 &&
        rows.every((row) => row.status === 'FAILED' && row.retry_count >= 2) &&
        before === rows.reduce((sum, row) => sum + row.retry_count, 0),
      30_000,
    );
    for (const row of failedMoment.rows) {
      expect(row.last_error).toMatch(/^unroutable: no queue bound for ui\./);
    }
    expect(await scrapeMetric(relay, PUBLISH_COUNT, { result: 'success' })).toBe(0);
    expect(await harness.drainObserver()).toEqual([]);
    const [{ publishTraces }] = await harness.db.query<{ publishTraces: number }>(
      `SELECT count(*)::int AS "publishTraces" FROM message_queue_trace_log WHERE stage = 'PUBLISH'`,
    );
    expect(publishTraces).toBe(0);

    await harness.channel.bindQueue(OBSERVER_QUEUE, USER_ACTIVITY_EXCHANGE, '#');
    await waitFor(
      'all PUBLISHED once bound again',
      () => statusCounts(harness.db),
      (counts) => counts.PUBLISHED === 10,
      30_000,
    );
    const rows = await harness.db.query<OutboxRow>(`SELECT status, last_error FROM user_activity_source_outbox`);
    expect(rows.every((row) => row.last_error === null)).toBe(true);
    const messages = await waitFor(
      'the messages',
      () => harness.drainObserver(),
      (batch) => batch.length > 0,
    );
    expect(messages.map((message) => message.properties.messageId as string).sort()).toEqual(
      events.map((event) => event.eventId).sort(),
    );
    expect(await scrapeMetric(relay, PUBLISH_COUNT, { result: 'success' })).toBe(10);
  });
});
