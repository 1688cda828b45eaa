import { Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage, MessageProperties, Options } from 'amqplib';
import { backoffDelayMs } from '@app/state-machines';
import { RabbitConnection } from './rabbit-connection';

/** One delivered message, with when it arrived (for latency) and the channel it must be settled on. */
export interface Delivery {
  message: ConsumeMessage;
  receivedAt: number;
  readonly channel: ChannelLease;
}

/** What a handler decided for a batch it processed: these go to the dead-letter queue, the rest are acked. */
export interface BatchOutcome {
  deadLetter: Delivery[];
}

export interface BatchHandler {
  /**
   * Processes one batch. Returns the deliveries to dead-letter; throwing means a transient failure:
   * nothing is settled and the same batch is handed over again after a backoff.
   */
  handle(batch: Delivery[]): Promise<BatchOutcome>;
  /** Called after the batch's nacks and acks went out on its channel. */
  settled?(batch: Delivery[], outcome: BatchOutcome): void;
}

export interface BatchingConsumerOptions {
  /** Channel name, for logs. */
  name: string;
  queue: string;
  prefetch: number;
  batchSize: number;
  batchWaitMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** How long a consumer may stay detached while the connection is up before its channel is recreated. */
  reattachAfterMs?: number;
  /**
   * The queue's `x-delivery-limit`. The broker counts every return of a delivery to the queue, also when it closes
   * the channel itself (a delivery unacked past its `consumer_timeout`, a lost connection, a restart), and
   * dead-letters past the limit however good the message. A delivery held through a failed batch that has been
   * returned half that many times is re-published as a fresh copy and its original acked, so no outage, however
   * long, walks it into the dead-letter queue.
   */
  deliveryLimit: number;
}

/** How many times the broker has returned this delivery to the queue (quorum queues count it in a header). */
export function deliveryCount(message: ConsumeMessage): number {
  return Number(message.properties.headers?.['x-delivery-count'] ?? 0);
}

/** The publish options of a copy of a delivered message: same body and properties, a delivery count of zero. */
function freshCopyOptions(properties: MessageProperties): Options.Publish {
  const headers: Record<string, unknown> = { ...properties.headers };
  delete headers['x-delivery-count'];
  const options: Options.Publish = {
    headers,
    deliveryMode: properties.deliveryMode as number | undefined,
    contentType: properties.contentType as string | undefined,
    contentEncoding: properties.contentEncoding as string | undefined,
    correlationId: properties.correlationId as string | undefined,
    replyTo: properties.replyTo as string | undefined,
    expiration: properties.expiration as string | undefined,
    messageId: properties.messageId as string | undefined,
    timestamp: properties.timestamp as number | undefined,
    type: properties.type as string | undefined,
    appId: properties.appId as string | undefined,
    priority: properties.priority as number | undefined,
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/** Resolves once the broker confirmed every publish on the channel; rejects if it closes first. */
function confirmedOrClosed(channel: ConfirmChannel): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onClose = (): void => reject(new Error('channel closed before the broker confirmed'));
    channel.once('close', onClose);
    channel
      .waitForConfirms()
      .then(resolve, reject)
      .finally(() => channel.off('close', onClose));
  });
}

/** The raw channel that delivered a message; delivery tags are only valid on it, and only while it is open. */
export class ChannelLease {
  open = true;
  consuming = false;
  consumerTag: string | null = null;

  constructor(readonly channel: ConfirmChannel) {}
}

/**
 * Consumes a queue with manual acks in micro-batches: up to `batchSize` deliveries or `batchWaitMs` after the first,
 * one batch at a time. A batch whose handler throws stays unacked and is retried in-process with backoff, so a
 * transient outage does not count against the queue's delivery limit; deliveries the broker returned anyway (it
 * closed the channel) are renewed before they near the limit. When its channel dies the batch is dropped: the
 * broker redelivers it. Dead-letters are nacked one by one before a single multiple-ack of the rest.
 */
export class BatchingConsumer {
  private readonly logger: Logger;
  private wrapper: ChannelWrapper | null = null;
  private lease: ChannelLease | null = null;
  private buffer: Delivery[] = [];
  private firstBufferedAt = 0;
  private wake: (() => void) | null = null;
  private stopping = false;
  private giveUpAt = Number.POSITIVE_INFINITY;
  private loop: Promise<void> | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private detachedSince = Date.now();
  private recreating = false;
  /** Set when shutdown gives up on a failed batch: later batches must not multiple-ack its tags. */
  private abandoned = false;

  constructor(
    private readonly connection: RabbitConnection,
    private readonly options: BatchingConsumerOptions,
    private readonly handler: BatchHandler,
  ) {
    this.logger = new Logger(`${BatchingConsumer.name}:${options.name}`);
  }

  /** Attaches the consumer (re-attached by itself after every reconnect) and starts the batch loop. */
  async start(): Promise<void> {
    this.loop = this.run();
    await this.attach();
    this.watchdog = setInterval(() => void this.checkAttached(), 1_000);
    this.watchdog.unref();
  }

  /** True while a consumer is registered on an open channel. */
  isAttached(): boolean {
    return this.lease !== null && this.lease.open && this.lease.consuming;
  }

  /**
   * Stops taking deliveries, settles what is in hand (retrying failed batches until `timeoutMs` has passed),
   * then closes the channel; anything still unacked by then is redelivered by the broker.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (this.stopping) {
      return;
    }
    this.stopping = true;
    this.giveUpAt = Date.now() + timeoutMs;
    if (this.watchdog) {
      clearInterval(this.watchdog);
    }
    const lease = this.lease;
    if (lease?.open && lease.consuming) {
      lease.consuming = false;
      await this.cancelConsumers(lease);
    }
    this.signal();
    await this.loop;
    await this.wrapper?.close();
  }

  private async attach(): Promise<void> {
    this.wrapper = await this.connection.createChannel(this.options.name, (channel) => this.setup(channel));
  }

  /** Runs on every (re)connect of the channel. */
  private async setup(channel: ConfirmChannel): Promise<void> {
    if (this.stopping) {
      return;
    }
    const lease = new ChannelLease(channel);
    this.lease = lease;
    channel.on('error', (error: Error) => this.logger.warn({ msg: 'consumer channel error', error: error.message }));
    channel.on('close', () => this.onChannelClosed(lease));
    await channel.prefetch(this.options.prefetch);
    const { consumerTag } = await channel.consume(this.options.queue, (message) => this.onDelivery(lease, message), {
      noAck: false,
    });
    lease.consumerTag = consumerTag;
    lease.consuming = true;
    this.logger.log({ msg: 'consumer attached', queue: this.options.queue, prefetch: this.options.prefetch });
  }

  private onDelivery(lease: ChannelLease, message: ConsumeMessage | null): void {
    if (this.abandoned) {
      return;
    }
    if (message === null) {
      // The broker cancelled the consumer (queue deleted or moved); the watchdog recreates the channel.
      lease.consuming = false;
      this.detachedSince = Date.now();
      this.logger.warn({ msg: 'consumer cancelled by the broker', queue: this.options.queue });
      return;
    }
    if (this.buffer.length === 0) {
      this.firstBufferedAt = Date.now();
    }
    this.buffer.push({ message, receivedAt: Date.now(), channel: lease });
    if (this.buffer.length === 1 || this.buffer.length >= this.options.batchSize) {
      this.signal();
    }
  }

  private onChannelClosed(lease: ChannelLease): void {
    const wasAttached = lease.consuming;
    lease.open = false;
    lease.consuming = false;
    this.detachedSince = Date.now();
    const before = this.buffer.length;
    this.buffer = this.buffer.filter((delivery) => delivery.channel.open);
    if (wasAttached && !this.stopping) {
      this.logger.warn({
        msg: 'consumer detached: channel closed; unacked deliveries go back to the queue',
        dropped: before - this.buffer.length,
      });
    }
    this.signal();
  }

  /** amqp-connection-manager reopens channels only after a reconnect; a channel that died alone is recreated here. */
  private async checkAttached(): Promise<void> {
    if (this.stopping || this.recreating || this.isAttached()) {
      return;
    }
    if (!this.connection.isConnected()) {
      // The wrapper re-runs the setup after the reconnect; give it time from then on.
      this.detachedSince = Date.now();
      return;
    }
    if (Date.now() - this.detachedSince < (this.options.reattachAfterMs ?? 3_000)) {
      return;
    }
    this.recreating = true;
    try {
      this.logger.warn({ msg: 'consumer still detached while connected; recreating its channel' });
      const stale = this.wrapper;
      this.wrapper = null;
      await stale?.close();
      await this.attach();
    } catch (error) {
      this.logger.warn({ msg: 'could not recreate the consumer channel', error: (error as Error).message });
    } finally {
      this.detachedSince = Date.now();
      this.recreating = false;
    }
  }

  private async cancelConsumers(lease: ChannelLease): Promise<void> {
    try {
      if (lease.consumerTag) {
        await lease.channel.cancel(lease.consumerTag);
      }
    } catch (error) {
      this.logger.warn({ msg: 'could not cancel the consumer', error: (error as Error).message });
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private waitForSignal(timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = timeoutMs === undefined ? null : setTimeout(resolve, timeoutMs);
      this.wake = () => {
        if (timer) {
          clearTimeout(timer);
        }
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    for (;;) {
      const batch = await this.nextBatch();
      if (batch === null) {
        return;
      }
      await this.settle(batch);
    }
  }

  /** The oldest deliveries, once a batch is full or the first has waited `batchWaitMs`; null when stopped and empty. */
  private async nextBatch(): Promise<Delivery[] | null> {
    for (;;) {
      if (this.abandoned) {
        return null;
      }
      if (this.buffer.length >= this.options.batchSize || (this.stopping && this.buffer.length > 0)) {
        break;
      }
      if (this.buffer.length === 0) {
        if (this.stopping) {
          return null;
        }
        await this.waitForSignal();
        continue;
      }
      const waited = Date.now() - this.firstBufferedAt;
      if (waited >= this.options.batchWaitMs) {
        break;
      }
      await this.waitForSignal(this.options.batchWaitMs - waited);
    }
    // A batch never spans two channels, so its delivery tags can be settled together.
    const lease = this.buffer[0].channel;
    let size = 0;
    while (size < this.buffer.length && size < this.options.batchSize && this.buffer[size].channel === lease) {
      size++;
    }
    const batch = this.buffer.splice(0, size);
    this.firstBufferedAt = Date.now();
    return batch;
  }

  private async settle(taken: Delivery[]): Promise<void> {
    const lease = taken[0].channel;
    let batch = taken;
    for (let attempt = 0; ; attempt++) {
      if (!lease.open) {
        return;
      }
      let outcome: BatchOutcome;
      try {
        outcome = await this.handler.handle(batch);
      } catch (error) {
        batch = await this.renewWorn(lease, batch);
        if (batch.length === 0) {
          return;
        }
        const delayMs = backoffDelayMs(attempt, this.options.retryBaseDelayMs, this.options.retryMaxDelayMs);
        if (Date.now() + delayMs > this.giveUpAt) {
          this.abandoned = true;
          this.buffer = [];
          this.logger.warn({
            msg: 'shutting down with a failed batch in hand; the broker redelivers it',
            size: batch.length,
            error: (error as Error).message,
          });
          return;
        }
        this.logger.warn({
          msg: 'batch failed; it stays unacked and is retried',
          size: batch.length,
          attempt: attempt + 1,
          delayMs,
          error: (error as Error).message,
        });
        await this.sleepUnlessClosed(lease, delayMs);
        continue;
      }
      if (this.acknowledge(lease, batch, outcome)) {
        this.handler.settled?.(batch, outcome);
      }
      return;
    }
  }

  /**
   * Re-publishes the deliveries in hand (this batch and the buffer behind it) that the broker has already returned
   * half the delivery limit times, then acks their originals: each copy starts again from a delivery count of zero.
   * Returns the batch without them. A copy whose original is returned anyway (the channel closed before the ack) is
   * a duplicate, which the idempotent store absorbs.
   */
  private async renewWorn(lease: ChannelLease, batch: Delivery[]): Promise<Delivery[]> {
    const renewAt = Math.ceil(this.options.deliveryLimit / 2);
    const worn = [...batch, ...this.buffer].filter(
      (delivery) => delivery.channel === lease && deliveryCount(delivery.message) >= renewAt,
    );
    if (worn.length === 0 || !lease.open) {
      return batch;
    }
    try {
      for (const { message } of worn) {
        lease.channel.publish('', this.options.queue, message.content, freshCopyOptions(message.properties));
      }
      await confirmedOrClosed(lease.channel);
      for (const { message } of worn) {
        lease.channel.ack(message);
      }
    } catch (error) {
      this.logger.warn({
        msg: 'could not re-publish worn deliveries; retrying at the next failure',
        error: (error as Error).message,
      });
      return batch;
    }
    const renewed = new Set(worn);
    this.buffer = this.buffer.filter((delivery) => !renewed.has(delivery));
    this.logger.warn({
      msg: 'deliveries returned often during a failure re-published as fresh copies, away from the delivery limit',
      count: worn.length,
      deliveryLimit: this.options.deliveryLimit,
    });
    return batch.filter((delivery) => !renewed.has(delivery));
  }

  private async sleepUnlessClosed(lease: ChannelLease, delayMs: number): Promise<void> {
    const until = Date.now() + delayMs;
    while (lease.open && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, until - Date.now())));
    }
  }

  private acknowledge(lease: ChannelLease, batch: Delivery[], outcome: BatchOutcome): boolean {
    if (!lease.open) {
      this.logger.warn({ msg: 'channel closed before the ack; the broker redelivers the batch', size: batch.length });
      return false;
    }
    const deadLetter = new Set(outcome.deadLetter);
    try {
      for (const delivery of outcome.deadLetter) {
        lease.channel.nack(delivery.message, false, false);
      }
      // Every earlier tag on this channel is settled already (batches are taken in delivery order), and the
      // dead-letters were just nacked, so one multiple-ack up to the last good delivery settles the rest.
      const lastGood = batch.findLast((delivery) => !deadLetter.has(delivery));
      if (lastGood) {
        lease.channel.ack(lastGood.message, true);
      }
      return true;
    } catch (error) {
      this.logger.warn({ msg: 'ack failed; the broker redelivers the batch', error: (error as Error).message });
      return false;
    }
  }
}
