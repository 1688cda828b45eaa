import { BeforeApplicationShutdown } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { BatchHandler, BatchingConsumer, BatchingConsumerOptions, BatchOutcome, Delivery } from './batching-consumer';
import { RabbitBatchContext } from './rabbit-batch.context';
import { RabbitConnection } from './rabbit.connection';

/** How one queue is consumed; the queue itself is the pattern of its `@EventPattern` handler. */
export type RabbitBatchQueueOptions = Omit<BatchingConsumerOptions, 'queue'>;

export interface RabbitBatchTransportOptions {
  /** Per queue: the queues this transport may consume. A handler for any other pattern fails start-up. */
  queues: Record<string, RabbitBatchQueueOptions>;
  /** How long `close()` keeps settling the batches in hand (retrying failed ones) before it gives them up. */
  shutdownTimeoutMs: number;
}

/**
 * A Nest transport that consumes RabbitMQ queues in micro-batches (see `BatchingConsumer`): one consumer per
 * `@EventPattern(queue)` handler, connected to an HTTP app as a hybrid microservice. The handler gets the batch and a
 * `RabbitBatchContext` and returns which deliveries to dead-letter (nothing returned: none); throwing is a transient
 * failure, the batch stays unacked and is handed over again after a backoff. Acks in delivery order, prefetch,
 * re-attaching after a reconnect and the drain on shutdown are the transport's. With MQ_PROVIDER=none it consumes
 * nothing.
 */
export class RabbitBatchTransport extends Server implements CustomTransportStrategy, BeforeApplicationShutdown {
  private readonly consumers = new Map<string, BatchingConsumer>();
  private drained: Promise<void> | null = null;

  constructor(
    private readonly connection: RabbitConnection,
    private readonly options: RabbitBatchTransportOptions,
  ) {
    super();
  }

  listen(callback: (error?: Error) => void): void {
    this.start().then(() => callback(), callback);
  }

  /**
   * Provided through DI, the transport drains here, while the HTTP server still answers (liveness, metrics) as in
   * every other app; Nest closes the HTTP server before it closes a microservice.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Stops taking deliveries and settles the batches in hand; the broker connection and database are still open. */
  close(): Promise<void> {
    this.drained ??= Promise.all(
      [...this.consumers.values()].map((consumer) => consumer.stop(this.options.shutdownTimeoutMs)),
    ).then(() => undefined);
    return this.drained;
  }

  /** True while the consumer of `queue` is registered on an open channel. */
  isAttached(queue: string): boolean {
    return this.consumers.get(queue)?.isAttached() ?? false;
  }

  on(): never {
    throw new Error('RabbitBatchTransport emits no events; see isAttached() and its log lines');
  }

  unwrap<T>(): T {
    return this.consumers as T;
  }

  private async start(): Promise<void> {
    // Every handler is checked before any consumer starts, also with MQ_PROVIDER=none.
    const consumers = [...this.messageHandlers].map(([queue, handler]) => this.consumerFor(queue, handler));
    if (!this.connection.enabled) {
      return;
    }
    // Registered before any starts, so that a close() during start-up stops every one of them.
    consumers.forEach((consumer) => this.consumers.set(consumer.queue, consumer));
    for (const consumer of consumers) {
      if (this.drained !== null) {
        return;
      }
      await consumer.start();
    }
  }

  private consumerFor(queue: string, handler: MessageHandler): BatchingConsumer {
    const options = this.options.queues[queue];
    if (!options) {
      throw new Error(
        `no queue options for the pattern ${queue}; RabbitBatchTransport consumes ${Object.keys(this.options.queues).join(', ')}`,
      );
    }
    if (!handler.isEventHandler) {
      throw new Error(`${queue} is a @MessagePattern; RabbitBatchTransport takes @EventPattern handlers only`);
    }
    if (handler.next) {
      throw new Error(`more than one @EventPattern handler for ${queue}; a batch is acked by exactly one handler`);
    }
    return new BatchingConsumer(this.connection, { ...options, queue }, this.batchHandler(queue, handler));
  }

  private batchHandler(queue: string, handler: MessageHandler): BatchHandler {
    const contexts = new WeakMap<BatchOutcome, RabbitBatchContext>();
    return {
      handle: async (batch: Delivery[]): Promise<BatchOutcome> => {
        const context = new RabbitBatchContext(batch, queue);
        const returned: unknown = await lastValueFrom(this.transformToObservable(await handler(batch, context)), {
          defaultValue: undefined,
        });
        const outcome: BatchOutcome = { deadLetter: (returned as BatchOutcome | undefined)?.deadLetter ?? [] };
        contexts.set(outcome, context);
        return outcome;
      },
      settled: (_batch, outcome) => contexts.get(outcome)?.settled(outcome),
    };
  }
}
