import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, GetMessage } from 'amqplib';
import { APP_CONFIG, BrokerConfig } from '@app/config';
import { DeadLetterView, deadLetterView, deliveryCount, freshCopyOptions } from './delivered-message';
import { BrokerUnavailableError, RabbitConnection } from './rabbit.connection';
import { EVENT_STORE_DLQ, EVENT_STORE_QUEUE } from './topology';

/**
 * A listed message goes back to the dead-letter queue with a requeue, which RabbitMQ 4.0–4.2 counts toward a quorum
 * queue's delivery limit (20 by default there) and then drops it, the dead-letter queue having no dead-letter
 * exchange of its own. A message requeued this often is put back as a fresh copy instead (confirmed, then acked).
 */
export const DEAD_LETTER_RENEW_AT = 10;

export interface DeadLetterPeek {
  /** Messages ready in the dead-letter queue when the listing started. */
  depth: number;
  /** The first of them, oldest first, left in the queue. */
  messages: DeadLetterView[];
}

export interface DeadLetterRedrive {
  /** Messages ready in the dead-letter queue when the re-drive started. */
  depth: number;
  /** Messages now back in the event-store queue (confirmed by the broker) and removed from the dead-letter queue. */
  moved: DeadLetterView[];
  /** The message whose move failed, left in the dead-letter queue; the re-drive stops at it. */
  failed: { message: DeadLetterView | null; error: string } | null;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The dead-letter queue of the event store (`domain.user.activity.event-store.dlq`): its depth, a listing that
 * leaves every message in place, and the re-drive that moves messages back to the event-store queue. Listing and
 * re-drive take one message at a time with `basic.get` on a channel of their own and run one at a time per process;
 * a message is taken off the dead-letter queue only after the broker confirmed its copy.
 */
@Injectable()
export class DeadLetterQueue {
  private readonly logger = new Logger(DeadLetterQueue.name);
  private wrapper: ChannelWrapper | null = null;
  private opening: Promise<ConfirmChannel> | null = null;
  private channel: ConfirmChannel | null = null;
  private returned = false;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: BrokerConfig,
    private readonly connection: RabbitConnection,
  ) {}

  /** Messages ready in the dead-letter queue; throws BrokerUnavailableError when RabbitMQ cannot be asked. */
  async depth(): Promise<number> {
    return this.readyCount(await this.open());
  }

  /**
   * The first `limit` messages, each taken without an ack and put back with a requeue once all are read (a quorum
   * queue serves returned messages first, so the order stays), or as a fresh copy when requeued often already.
   */
  async peek(limit: number): Promise<DeadLetterPeek> {
    return this.exclusive(async (channel) => {
      const { depth, held } = await this.take(channel, limit);
      try {
        await this.putBack(channel, held);
      } catch (error) {
        // Closing the channel returns whatever it still holds to the queue.
        await this.discardChannel();
        throw error;
      }
      return { depth, messages: held.map(deadLetterView) };
    });
  }

  /**
   * Moves up to `limit` messages back to the event-store queue through the default exchange, oldest first. It takes
   * them all before it moves any, so a message the consumer dead-letters again at once is not taken twice. Each copy
   * is published `mandatory` and confirmed before its dead letter is acked; the first failure stops the re-drive and
   * puts that message and the rest back. Copies keep their body, properties and `x-death` history.
   */
  async redrive(limit: number): Promise<DeadLetterRedrive> {
    return this.exclusive(async (channel) => {
      const { depth, held } = await this.take(channel, limit);
      const moved: DeadLetterView[] = [];
      try {
        for (const message of held) {
          await this.publishCopy(channel, EVENT_STORE_QUEUE, message);
          channel.ack(message);
          moved.push(deadLetterView(message));
        }
        return { depth, moved, failed: null };
      } catch (error) {
        const failed = held[moved.length];
        this.logger.warn({
          msg: 'dead-letter re-drive stopped; the messages not moved stay in the dead-letter queue',
          moved: moved.length,
          error: (error as Error).message,
        });
        // Closing the channel returns every message it still holds to the dead-letter queue.
        await this.discardChannel();
        return {
          depth,
          moved,
          failed: { message: failed === undefined ? null : deadLetterView(failed), error: (error as Error).message },
        };
      }
    });
  }

  private async readyCount(channel: ConfirmChannel): Promise<number> {
    const { messageCount } = await this.timed(channel.checkQueue(EVENT_STORE_DLQ), 'checking the dead-letter queue');
    return messageCount;
  }

  /**
   * Takes up to `limit` messages without an ack. The depth comes from the first `basic.get-ok` (the messages left
   * behind it): a quorum queue's `queue.declare-ok` count lags behind messages just returned to it.
   */
  private async take(channel: ConfirmChannel, limit: number): Promise<{ depth: number; held: GetMessage[] }> {
    const held: GetMessage[] = [];
    let depth = 0;
    try {
      while (held.length < limit) {
        const message = await this.timed(channel.get(EVENT_STORE_DLQ, { noAck: false }), 'reading a dead letter');
        if (message === false) {
          break;
        }
        if (held.length === 0) {
          depth = message.fields.messageCount + 1;
        }
        held.push(message);
      }
    } catch (error) {
      // Closing the channel returns whatever it holds to the queue.
      await this.discardChannel();
      throw error;
    }
    return { depth, held };
  }

  private async putBack(channel: ConfirmChannel, held: GetMessage[]): Promise<void> {
    const worn = new Set(held.filter((message) => deliveryCount(message) >= DEAD_LETTER_RENEW_AT));
    for (const message of held) {
      if (worn.has(message)) {
        await this.publishCopy(channel, EVENT_STORE_DLQ, message);
        channel.ack(message);
      } else {
        channel.nack(message, false, true);
      }
    }
  }

  /** Publishes a copy through the default exchange to `queue` and waits for the broker's confirm. */
  private async publishCopy(channel: ConfirmChannel, queue: string, message: GetMessage): Promise<void> {
    this.returned = false;
    const options = { ...freshCopyOptions(message.properties), mandatory: true };
    const confirmed = new Promise<void>((resolve, reject) => {
      channel.publish('', queue, message.content, options, (error: unknown) =>
        error ? reject(new Error('the broker refused the copy (basic.nack)')) : resolve(),
      );
    });
    await this.timed(confirmed, 'waiting for the broker to confirm the copy');
    // A basic.return comes before the confirm of the message it returns.
    if (this.returned) {
      throw new Error(`unroutable: queue ${queue} does not exist`);
    }
  }

  private timed<T>(work: Promise<T>, what: string): Promise<T> {
    return withTimeout(work, this.config.MQ_PUBLISH_TIMEOUT, what);
  }

  private exclusive<T>(work: (channel: ConfirmChannel) => Promise<T>): Promise<T> {
    const run = this.turn.then(async () => work(await this.open()));
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async open(): Promise<ConfirmChannel> {
    if (!this.connection.enabled || !this.connection.isConnected()) {
      throw new BrokerUnavailableError();
    }
    if (this.channel !== null) {
      return this.channel;
    }
    this.opening ??= this.openChannel().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async openChannel(): Promise<ConfirmChannel> {
    await this.discardChannel();
    const creating = this.connection.createChannel('dead-letter', async (channel) => {
      channel.on('return', () => {
        this.returned = true;
      });
      channel.on('close', () => {
        if (this.channel === channel) {
          this.channel = null;
        }
      });
      this.channel = channel;
    });
    // A broker that drops the connection just now would keep the channel waiting for the next one.
    this.wrapper = await this.timed(creating, 'opening the dead-letter channel').catch(() => {
      throw new BrokerUnavailableError();
    });
    if (this.channel === null) {
      await this.timed(this.wrapper.waitForConnect(), 'opening the dead-letter channel').catch(() => undefined);
    }
    if (this.channel === null) {
      await this.discardChannel();
      throw new BrokerUnavailableError();
    }
    return this.channel;
  }

  /** A channel that closed alone is not reopened by amqp-connection-manager: the next call opens a new one. */
  private async discardChannel(): Promise<void> {
    const wrapper = this.wrapper;
    this.wrapper = null;
    this.channel = null;
    try {
      await wrapper?.close();
    } catch {
      // already closed
    }
  }
}
