import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { EventStoreRepository } from '@app/entities';
import { canonicalEvent, testEnvironment, waitFor } from '@app/testing';
import { EVENT_STORE_QUEUE, EventStoreHarness, expectStagesAgree, startEventStoreHarness } from './event-store.harness';

const run = promisify(execFile);

/** Two batches of five in flight, each filled at once from ten prefetched deliveries. */
const TWO_BATCHES_OF_FIVE = {
  EVENT_STORE_BATCH_SIZE: '5',
  EVENT_STORE_PREFETCH: '10',
  EVENT_STORE_BATCHES_IN_FLIGHT: '2',
  EVENT_STORE_BATCH_WAIT: 'PT5S',
};

describe('event-store-consumer with two batches in flight', () => {
  let harness: EventStoreHarness;
  let holder: Client;

  beforeAll(async () => {
    harness = await startEventStoreHarness('store_overlap');
    holder = new Client({ connectionString: harness.db.url });
    await holder.connect();
  });

  afterAll(async () => {
    await holder.end();
    await harness.close();
  });

  /**
   * The broker's own counts of the queue: deliveries waiting, and handed to a consumer and not yet acked. They come
   * from the broker's statistics, which lag by a few seconds.
   */
  async function brokerCounts(): Promise<{ ready: number; unacked: number }> {
    const { stdout } = await run(
      testEnvironment.RABBITMQCTL,
      [
        'list_queues',
        '-q',
        '--no-table-headers',
        '-p',
        harness.vhost.name,
        'name',
        'messages_ready',
        'messages_unacknowledged',
      ],
      { timeout: 30_000 },
    );
    const [, ready, unacked] =
      stdout
        .split('\n')
        .map((line) => line.split('\t'))
        .find(([name]) => name === EVENT_STORE_QUEUE) ?? [];
    return { ready: Number(ready), unacked: Number(unacked) };
  }

  it('acks a batch that committed first only after the batch delivered before it committed', async () => {
    const first = Array.from({ length: 5 }, () => canonicalEvent());
    const second = Array.from({ length: 5 }, () => canonicalEvent());
    // An uncommitted row with an event id of the first batch: that batch's insert waits for this transaction.
    await holder.query('BEGIN');
    await new EventStoreRepository().insertEvents(
      { query: async <T>(sql: string, parameters?: unknown[]) => (await holder.query(sql, parameters)).rows as T },
      [first[0]],
    );
    await harness.publish([...first, ...second]);
    await harness.startConsumer(TWO_BATCHES_OF_FIVE);

    await waitFor(
      'the second batch committed',
      () => harness.storedCount(second.map((event) => event.eventId)),
      (count) => count === second.length,
    );
    // One more message, which the broker hands over only once an ack frees a place of the prefetch: a multiple-ack
    // of the second batch would settle the first batch's deliveries too, before their commit. Statistics that count
    // it are younger than the second batch's commit.
    const probe = canonicalEvent();
    await harness.publish([probe]);
    const counts = await waitFor(
      'the broker counting the probe message',
      brokerCounts,
      ({ ready, unacked }) => ready + unacked === 11,
    );
    expect(counts).toEqual({ ready: 1, unacked: 10 });
    expect(await harness.storedCount(first.map((event) => event.eventId))).toBe(0);

    await holder.query('ROLLBACK');

    await expectStagesAgree(
      harness,
      [...first, ...second, probe].map((event) => event.eventId),
    );
    await waitFor('every delivery acked', brokerCounts, ({ ready, unacked }) => ready === 0 && unacked === 0);
  });
});
