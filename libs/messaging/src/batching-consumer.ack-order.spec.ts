import { EventEmitter } from 'node:events';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { BatchHandler, BatchingConsumer, BatchOutcome, Delivery } from './batching-consumer';
import { RabbitConnection } from './rabbit.connection';

/**
 * A consumer channel as strict as RabbitMQ's about delivery tags: a multiple-ack settles every unsettled tag up to
 * its own, and settling a tag that is not outstanding closes the channel (PRECONDITION_FAILED, unknown delivery tag).
 */
class StrictChannel extends EventEmitter {
  readonly outstanding = new Set<number>();
  readonly acked: number[] = [];
  readonly nacked: number[] = [];
  closedFor: string | null = null;
  private nextTag = 1;
  private onMessage: ((message: ConsumeMessage | null) => void) | null = null;

  prefetch(): Promise<void> {
    return Promise.resolve();
  }

  consume(_queue: string, onMessage: (message: ConsumeMessage | null) => void): Promise<{ consumerTag: string }> {
    this.onMessage = onMessage;
    return Promise.resolve({ consumerTag: 'consumer-1' });
  }

  cancel(): Promise<void> {
    this.onMessage = null;
    return Promise.resolve();
  }

  deliver(body: string): void {
    const deliveryTag = this.nextTag++;
    this.outstanding.add(deliveryTag);
    this.onMessage?.({
      content: Buffer.from(body),
      fields: { deliveryTag, redelivered: false, exchange: '', routingKey: 'q', consumerTag: 'consumer-1' },
      properties: { headers: {} },
    } as unknown as ConsumeMessage);
  }

  ack(message: ConsumeMessage, allUpTo = false): void {
    this.settle(message.fields.deliveryTag, allUpTo, this.acked);
  }

  nack(message: ConsumeMessage, allUpTo = false): void {
    this.settle(message.fields.deliveryTag, allUpTo, this.nacked);
  }

  close(reason: string): void {
    if (this.closedFor === null) {
      this.closedFor = reason;
      this.emit('close');
    }
  }

  private settle(tag: number, allUpTo: boolean, into: number[]): void {
    if (this.closedFor !== null) {
      throw new Error('channel closed');
    }
    if (!this.outstanding.has(tag)) {
      this.close(`PRECONDITION_FAILED - unknown delivery tag ${tag}`);
      return;
    }
    const tags = allUpTo ? [...this.outstanding].filter((outstanding) => outstanding <= tag) : [tag];
    for (const settled of tags.sort((a, b) => a - b)) {
      this.outstanding.delete(settled);
      into.push(settled);
    }
  }
}

function connectionTo(channel: StrictChannel): RabbitConnection {
  const wrapper = { close: () => Promise.resolve(channel.close('closed by the consumer')) };
  return {
    isConnected: () => true,
    createChannel: async (_name: string, setup: (channel: ConfirmChannel) => Promise<void>) => {
      await setup(channel as unknown as ConfirmChannel);
      return wrapper as unknown as ChannelWrapper;
    },
  } as unknown as RabbitConnection;
}

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
