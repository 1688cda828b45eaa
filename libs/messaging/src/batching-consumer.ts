import { Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { backoffDelayMs } from '@app/state-machines';
import { deliveryCount, freshCopyOptions } from './delivered-message';
import { RabbitConnection } from './rabbit.connection';

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
  /**
   * How many batches may be between taken and settled at once: the next batch is handled while the previous one
   * commits. Acks still go out in delivery order (see `settle`). Keep `prefetch` at `batchSize` times this, or the
   * next batch has nothing to fill from.
   */
  batchesInFlight: number;
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

/**
 * A batch's place in the ack order of its channel: `before` resolves once every earlier batch of the channel is done
 * with its acks, with false when one of them left a delivery unsettled (gave it up on shutdown), so a multiple-ack
 * would settle it too. `done` passes the same on to the next batch.
 */
interface AckTurn {
  before: Promise<boolean>;
  done(settledAll: boolean): void;
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
 * up to `batchesInFlight` batches handled at once. A batch settles (nacks, acks) only after its handler returned and
 * after every earlier batch of its channel settled, since a multiple-ack settles every earlier tag of the channel:
 * a later batch that commits first waits. A batch whose handler throws stays unacked and is retried in-process with
 * backoff, so a transient outage does not count against the queue's delivery limit; deliveries the broker returned
 * anyway (it closed the channel) are renewed before they near the limit. When its channel dies the batch is dropped:
 * the broker redelivers it. Dead-letters are nacked one by one before a single multiple-ack of the rest.
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
  /** The ack turn of the batch taken last, which the next batch of the same channel waits for. */
  private lastTurn: { lease: ChannelLease; done: Promise<boolean> } | null = null;
  /** Set while worn deliveries are being renewed: no batch is taken from the buffer meanwhile. */
  private renewing: Promise<unknown> | null = null;
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

  get queue(): string {
    return this.options.queue;
  }

  /** Attaches the consumer (re-attached by itself after every reconnect) and starts the batch loop. */
  async start(): Promise<void> {
    const { prefetch, batchSize, batchesInFlight } = this.options;
    if (batchesInFlight > 1 && prefetch < batchSize * batchesInFlight) {
      this.logger.warn({
        msg: 'prefetch below batch size times batches in flight: the next batch cannot fill while one commits',
        prefetch,
        batchSize,
        batchesInFlight,
      });
    }
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
    this.logger.log({
      msg: 'consumer attached',
      queue: this.options.queue,
      prefetch: this.options.prefetch,
      batchesInFlight: this.options.batchesInFlight,
    });
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
    const inFlight = new Set<Promise<void>>();
    for (;;) {
      while (inFlight.size >= this.options.batchesInFlight) {
        await Promise.race(inFlight);
      }
      const batch = await this.nextBatch();
      if (batch === null) {
        break;
      }
      const settling: Promise<void> = this.settle(batch, this.takeTurn(batch[0].channel)).finally(() =>
        inFlight.delete(settling),
      );
      inFlight.add(settling);
    }
    await Promise.all(inFlight);
  }

  /** Queues a batch of `lease` behind the batch taken before it, when that one came on the same channel. */
  private takeTurn(lease: ChannelLease): AckTurn {
    const previous = this.lastTurn;
    const before = previous?.lease === lease ? previous.done : Promise.resolve(true);
    let done!: (settledAll: boolean) => void;
    const finished = new Promise<boolean>((resolve) => (done = resolve));
    this.lastTurn = { lease, done: finished };
    // A turn ends only after the one before it, so that "every earlier batch is done" holds transitively.
    return { before, done: (settledAll) => void before.then((earlier) => done(earlier && settledAll)) };
  }

  /** The oldest deliveries, once a batch is full or the first has waited `batchWaitMs`; null when stopped and empty. */
  private async nextBatch(): Promise<Delivery[] | null> {
    for (;;) {
      if (this.abandoned) {
        return null;
      }
      if (this.renewing) {
        // The renewal acks some of the buffered deliveries; a batch must not take them meanwhile.
        await this.renewing;
        continue;
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

  /** Handles a batch until it succeeds, its channel closes or shutdown gives up on it, then settles it in turn. */
  private async settle(taken: Delivery[], turn: AckTurn): Promise<void> {
    const lease = taken[0].channel;
    let batch = taken;
    for (let attempt = 0; ; attempt++) {
      if (!lease.open) {
        turn.done(false);
        return;
      }
      let outcome: BatchOutcome;
      try {
        outcome = await this.handler.handle(batch);
      } catch (error) {
        batch = await this.renewWorn(lease, batch);
        if (batch.length === 0) {
          turn.done(true);
          return;
        }
        const delayMs = backoffDelayMs(attempt, this.options.retryBaseDelayMs, this.options.retryMaxDelayMs);
        if (Date.now() + delayMs > this.giveUpAt) {
          this.abandoned = true;
          this.buffer = [];
          this.signal();
          this.logger.warn({
            msg: 'shutting down with a failed batch in hand; the broker redelivers it',
            size: batch.length,
            error: (error as Error).message,
          });
          turn.done(false);
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
      // Committed; the acks wait for every earlier batch of the channel, which may still be committing.
      const earlierSettled = await turn.before;
      const acked = this.acknowledge(lease, batch, outcome, earlierSettled);
      turn.done(acked);
      if (acked) {
        this.handler.settled?.(batch, outcome);
      }
      return;
    }
  }

  /**
   * Re-publishes the deliveries in hand (this batch and the buffer behind it) that the broker has already returned
   * half the delivery limit times, then acks their originals: each copy starts again from a delivery count of zero.
   * Returns the batch without them. A copy whose original is returned anyway (the channel closed before the ack) is
   * a duplicate, which the idempotent store absorbs. One renewal at a time, and no batch is taken from the buffer
   * meanwhile: a delivery must not be acked twice (the broker closes the channel on an unknown delivery tag).
   */
  private async renewWorn(lease: ChannelLease, batch: Delivery[]): Promise<Delivery[]> {
    while (this.renewing) {
      await this.renewing;
    }
    const renewal = this.renewWornNow(lease, batch);
    this.renewing = renewal;
    try {
      return await renewal;
    } finally {
      this.renewing = null;
    }
  }

  private async renewWornNow(lease: ChannelLease, batch: Delivery[]): Promise<Delivery[]> {
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

  /**
   * Nacks the dead-letters, then acks the rest: with one multiple-ack when every earlier delivery of the channel is
   * settled already, one by one when an earlier one was given up (a multiple-ack would settle it too).
   */
  private acknowledge(lease: ChannelLease, batch: Delivery[], outcome: BatchOutcome, earlierSettled: boolean): boolean {
    if (!lease.open) {
      this.logger.warn({ msg: 'channel closed before the ack; the broker redelivers the batch', size: batch.length });
      return false;
    }
    const deadLetter = new Set(outcome.deadLetter);
    try {
      for (const delivery of outcome.deadLetter) {
        lease.channel.nack(delivery.message, false, false);
      }
      const good = batch.filter((delivery) => !deadLetter.has(delivery));
      if (earlierSettled) {
        if (good.length > 0) {
          lease.channel.ack(good[good.length - 1].message, true);
        }
      } else {
        for (const delivery of good) {
          lease.channel.ack(delivery.message);
        }
      }
      return true;
    } catch (error) {
      this.logger.warn({ msg: 'ack failed; the broker redelivers the batch', error: (error as Error).message });
      return false;
    }
  }
}
