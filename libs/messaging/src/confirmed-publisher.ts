import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Message } from 'amqplib';
import { CanonicalEvent } from '@app/entities';
import { MqMetrics } from '@app/metrics';
import { eventMessageOptions } from './event-message';
import { RabbitConnection } from './rabbit-connection';
import { MQ_PROVIDER_RABBITMQ, USER_ACTIVITY_EXCHANGE } from './topology';

export interface PublishOutcome {
  event: CanonicalEvent;
  ok: boolean;
  error: string | null;
  millis: number;
}

/**
 * Publishes events on a confirm channel: all messages of a batch go out before any confirm is awaited.
 * A message the broker returns as unroutable (`mandatory`) counts as failed even though it is then acked.
 */
@Injectable()
export class ConfirmedPublisher implements OnApplicationBootstrap {
  private readonly logger = new Logger(ConfirmedPublisher.name);
  private channel: ChannelWrapper | null = null;
  private readonly returned = new Set<string>();

  constructor(
    private readonly connection: RabbitConnection,
    private readonly metrics: MqMetrics,
  ) {}

  /** Opened at start-up: a channel first asked for during an outage would wait for the broker instead of failing. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.connection.enabled) {
      await this.ensureChannel();
    }
  }

  private async ensureChannel(): Promise<ChannelWrapper> {
    this.channel ??= await this.connection.createChannel('publisher', async (channel: ConfirmChannel) => {
      channel.on('return', (message: Message) => {
        const messageId = message.properties.messageId as string | undefined;
        if (messageId) {
          this.returned.add(messageId);
        }
      });
    });
    return this.channel;
  }

  async publishBatch(events: CanonicalEvent[]): Promise<PublishOutcome[]> {
    const channel = await this.ensureChannel();
    const startedAt = Date.now();
    const settled = await Promise.allSettled(
      events.map((event) =>
        channel.publish(
          USER_ACTIVITY_EXCHANGE,
          event.eventName,
          Buffer.from(JSON.stringify(event)),
          eventMessageOptions(event),
        ),
      ),
    );
    const millis = Date.now() - startedAt;
    const outcomes = settled.map((result, index): PublishOutcome => {
      const event = events[index];
      if (result.status === 'rejected') {
        const reason: unknown = result.reason;
        return { event, ok: false, error: reason instanceof Error ? reason.message : String(reason), millis };
      }
      if (this.returned.delete(event.eventId)) {
        return { event, ok: false, error: `unroutable: no queue bound for ${event.eventName}`, millis };
      }
      return { event, ok: true, error: null, millis };
    });
    const failed = outcomes.filter((outcome) => !outcome.ok).length;
    this.count('success', outcomes.length - failed);
    this.count('fail', failed);
    if (failed > 0) {
      this.logger.warn({
        msg: 'RabbitMQ publish failed',
        failed,
        total: outcomes.length,
        error: outcomes.find((o) => !o.ok)?.error,
      });
    }
    return outcomes;
  }

  private count(result: 'success' | 'fail', amount: number): void {
    if (amount > 0) {
      this.metrics.publishCount.inc({ topic: USER_ACTIVITY_EXCHANGE, provider: MQ_PROVIDER_RABBITMQ, result }, amount);
    }
  }
}
