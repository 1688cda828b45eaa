import { EventEmitter } from 'node:events';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { RabbitConnection } from '../src/rabbit.connection';

/**
 * A consumer channel as strict as RabbitMQ's about delivery tags: a multiple-ack settles every unsettled tag up to
 * its own, and settling a tag that is not outstanding closes the channel (PRECONDITION_FAILED, unknown delivery tag).
 */
export class StrictChannel extends EventEmitter {
  readonly outstanding = new Set<number>();
  readonly acked: number[] = [];
  readonly nacked: number[] = [];
  /** The queue consumed and the prefetch in force when the consumer registered. */
  consumed: { queue: string; prefetch: number } | null = null;
  closedFor: string | null = null;
  private nextTag = 1;
  private prefetchCount = 0;
  private onMessage: ((message: ConsumeMessage | null) => void) | null = null;
  private readonly bodies = new Map<number, string>();

  prefetch(count: number): Promise<void> {
    this.prefetchCount = count;
    return Promise.resolve();
  }

  consume(queue: string, onMessage: (message: ConsumeMessage | null) => void): Promise<{ consumerTag: string }> {
    this.consumed = { queue, prefetch: this.prefetchCount };
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
    this.bodies.set(deliveryTag, body);
    this.onMessage?.({
      content: Buffer.from(body),
      fields: { deliveryTag, redelivered: false, exchange: '', routingKey: 'q', consumerTag: 'consumer-1' },
      properties: { headers: {} },
    } as unknown as ConsumeMessage);
  }

  /** The bodies of the given delivery tags. */
  bodiesOf(tags: number[]): string[] {
    return tags.map((tag) => this.bodies.get(tag) ?? `(tag ${tag})`);
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

/** A RabbitConnection whose every channel is `channel`; `enabled: false` is MQ_PROVIDER=none. */
export function connectionTo(channel: StrictChannel, enabled = true): RabbitConnection {
  const wrapper = { close: () => Promise.resolve(channel.close('closed by the consumer')) };
  return {
    enabled,
    isConnected: () => enabled,
    createChannel: async (_name: string, setup: (channel: ConfirmChannel) => Promise<void>) => {
      await setup(channel as unknown as ConfirmChannel);
      return wrapper as unknown as ChannelWrapper;
    },
  } as unknown as RabbitConnection;
}
