import { Controller, INestMicroservice, Logger, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { of, throwError } from 'rxjs';
import { connectionTo, StrictChannel } from '../test/strict-channel';
import { BatchFailureFilter } from './batch-failure.filter';
import type { BatchOutcome, Delivery } from './batching-consumer';
import { RabbitBatchContext } from './rabbit-batch.context';
import { RabbitBatchQueueOptions, RabbitBatchTransport } from './rabbit-batch.transport';

const QUEUE_OPTIONS: RabbitBatchQueueOptions = {
  name: 'test',
  prefetch: 6,
  batchSize: 3,
  batchesInFlight: 2,
  batchWaitMs: 60_000,
  retryBaseDelayMs: 1,
  retryMaxDelayMs: 1,
  deliveryLimit: 10,
};

function listen(transport: RabbitBatchTransport): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    transport.listen((error?: Error) => (error ? reject(error) : resolve()));
  });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const bodies = (deliveries: Delivery[]): string[] => deliveries.map((delivery) => delivery.message.content.toString());

describe('RabbitBatchTransport', () => {
  let channel: StrictChannel;
  let transport: RabbitBatchTransport;

  beforeEach(() => {
    channel = new StrictChannel();
    transport = new RabbitBatchTransport(connectionTo(channel), {
      queues: { q: QUEUE_OPTIONS },
      shutdownTimeoutMs: 1_000,
    });
  });

  afterEach(() => transport.close());

  it('refuses to start with a handler for a queue it has no options for', async () => {
    transport.addHandler('unknown.queue', () => Promise.resolve(undefined), true);

    await expect(listen(transport)).rejects.toThrow('no queue options for the pattern unknown.queue');
    expect(channel.consumed).toBeNull();
  });

  it('refuses a request-response handler: nobody waits for a batch answer', async () => {
    transport.addHandler('q', () => Promise.resolve(undefined), false);

    await expect(listen(transport)).rejects.toThrow('takes @EventPattern handlers only');
  });

  it('consumes the queue its pattern names, dead-letters what the handler returns, acks the rest, then settles', async () => {
    const seen: { bodies: string[]; queue: string }[] = [];
    const settled: string[][] = [];
    transport.addHandler(
      'q',
      (batch: Delivery[], context: RabbitBatchContext) => {
        seen.push({ bodies: bodies(context.getDeliveries()), queue: context.getQueue() });
        context.onSettled((outcome: BatchOutcome) => settled.push(bodies(outcome.deadLetter)));
        return Promise.resolve(of({ deadLetter: batch.filter((d) => d.message.content.toString() === 'b') }));
      },
      true,
    );

    await listen(transport);
    expect(channel.consumed).toEqual({ queue: 'q', prefetch: 6 });
    expect(transport.isAttached('q')).toBe(true);
    for (const body of ['a', 'b', 'c']) {
      channel.deliver(body);
    }
    await until(() => settled.length === 1);

    expect(seen).toEqual([{ bodies: ['a', 'b', 'c'], queue: 'q' }]);
    expect(channel.bodiesOf(channel.nacked)).toEqual(['b']);
    expect(channel.bodiesOf(channel.acked)).toEqual(['a', 'c']);
    expect(channel.closedFor).toBeNull();
    expect(settled).toEqual([['b']]);
  });

  it('keeps a batch whose handler failed unacked and hands it over again', async () => {
    let attempts = 0;
    transport.addHandler(
      'q',
      () => {
        attempts++;
        return Promise.resolve(attempts === 1 ? throwError(() => new Error('database unreachable')) : of(undefined));
      },
      true,
    );

    await listen(transport);
    for (const body of ['a', 'b', 'c']) {
      channel.deliver(body);
    }
    await until(() => channel.acked.length === 3);

    expect(attempts).toBe(2);
    expect(channel.nacked).toEqual([]);
    expect(channel.closedFor).toBeNull();
  });

  it('consumes nothing with MQ_PROVIDER=none', async () => {
    transport = new RabbitBatchTransport(connectionTo(channel, false), {
      queues: { q: QUEUE_OPTIONS },
      shutdownTimeoutMs: 1_000,
    });
    transport.addHandler('q', () => Promise.resolve(undefined), true);

    await listen(transport);

    expect(channel.consumed).toBeNull();
    expect(transport.isAttached('q')).toBe(false);
  });
});

describe('RabbitBatchTransport serving a Nest controller', () => {
  let attempts: number;

  @Controller()
  @UseFilters(BatchFailureFilter)
  class FlakyConsumer {
    @EventPattern('q')
    handle(@Payload() batch: Delivery[], @Ctx() context: RabbitBatchContext): Promise<BatchOutcome> {
      attempts++;
      if (attempts === 1) {
        return Promise.reject(new Error('database unreachable'));
      }
      return Promise.resolve({ deadLetter: context.getDeliveries().filter((d) => d === batch[0]) });
    }
  }

  let channel: StrictChannel;
  let microservice: INestMicroservice;
  let failures: unknown[];

  beforeEach(async () => {
    attempts = 0;
    channel = new StrictChannel();
    const transport = new RabbitBatchTransport(connectionTo(channel), {
      queues: { q: QUEUE_OPTIONS },
      shutdownTimeoutMs: 1_000,
    });
    const moduleRef = await Test.createTestingModule({ controllers: [FlakyConsumer] }).compile();
    microservice = moduleRef.createNestMicroservice({ strategy: transport, logger: false });
    failures = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((line: unknown) => void failures.push(line));
    await microservice.listen();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await microservice.close();
  });

  it("hands the handler's error to the transport as thrown, retries the batch, then settles it", async () => {
    for (const body of ['a', 'b', 'c']) {
      channel.deliver(body);
    }
    await until(() => channel.acked.length === 2);

    expect(attempts).toBe(2);
    expect(channel.bodiesOf(channel.nacked)).toEqual(['a']);
    expect(channel.closedFor).toBeNull();
    expect(failures).toContainEqual(
      expect.objectContaining({ msg: 'batch failed; it stays unacked and is retried', error: 'database unreachable' }),
    );
  });
});
