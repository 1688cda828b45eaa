import { connectionTo, StrictChannel } from '../test/strict-channel';
import { BatchHandler, BatchingConsumer, BatchOutcome, Delivery } from './batching-consumer';

/** A handler whose every call waits until the test settles it, with the bodies of the batch it was given. */
class HeldHandler implements BatchHandler {
  readonly calls: { bodies: string[]; succeed(): void; fail(): void }[] = [];

  handle(batch: Delivery[]): Promise<BatchOutcome> {
    return new Promise<BatchOutcome>((resolve, reject) => {
      this.calls.push({
        bodies: batch.map((delivery) => delivery.message.content.toString()),
        succeed: () => resolve({ deadLetter: [] }),
        fail: () => reject(new Error('database unreachable')),
      });
    });
  }
}

/** Lets every pending promise callback and timer of zero delay run. */
async function settleCallbacks(): Promise<void> {
  for (let round = 0; round < 10; round++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('BatchingConsumer with two batches in flight', () => {
  let channel: StrictChannel;
  let handler: HeldHandler;
  let consumer: BatchingConsumer;

  beforeEach(async () => {
    channel = new StrictChannel();
    handler = new HeldHandler();
    consumer = new BatchingConsumer(
      connectionTo(channel),
      {
        name: 'test',
        queue: 'q',
        prefetch: 4,
        batchSize: 2,
        batchesInFlight: 2,
        batchWaitMs: 60_000,
        retryBaseDelayMs: 1,
        retryMaxDelayMs: 1,
        deliveryLimit: 10,
      },
      handler,
    );
    await consumer.start();
    for (const body of ['a', 'b', 'c', 'd']) {
      channel.deliver(body);
    }
    await until(() => handler.calls.length === 2);
  });

  it('acks nothing when the second batch commits first, then both in order once the first commits', async () => {
    const [first, second] = handler.calls;
    expect([first.bodies, second.bodies]).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);

    second.succeed();
    await settleCallbacks();
    expect(channel.acked).toEqual([]);

    first.succeed();
    await until(() => channel.acked.length === 4);
    expect(channel.acked).toEqual([1, 2, 3, 4]);
    expect(channel.closedFor).toBeNull();
    await consumer.stop(1_000);
  });

  it('acks a committed batch one by one when shutdown gives up on the failing batch before it', async () => {
    const [first, second] = handler.calls;
    second.succeed();
    const stopped = consumer.stop(0);
    first.fail();
    await stopped;

    // The given-up batch stays unacked, so the broker redelivers it; the committed one is not redelivered.
    expect(channel.acked).toEqual([3, 4]);
    expect(channel.outstanding).toEqual(new Set([1, 2]));
    expect(channel.closedFor).toBe('closed by the consumer');
  });
});
