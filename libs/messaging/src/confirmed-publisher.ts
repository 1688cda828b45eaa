import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Message } from 'amqplib';
import { CanonicalEvent } from '@app/entities';
import { MqMetrics } from '@app/metrics';
import { eventMessage, unencodableReason } from './event-message';
import { RabbitConnection } from './rabbit-connection';
import { MQ_PROVIDER_RABBITMQ, USER_ACTIVITY_EXCHANGE } from './topology';

export class UnpublishableMessageError extends Error {
  constructor(reason: string) {
    super(`unpublishable: ${reason}`);
    this.name = UnpublishableMessageError.name;
  }
}

export interface PublishOutcome {
  event: CanonicalEvent;
  ok: boolean;
  /** False when the message can never be sent as it is (AMQP cannot encode it), so retrying cannot help. */
  retryable: boolean;
  error: string | null;
  millis: number;
}

/**
 * Publishes events on a confirm channel: all messages of a batch go out before any confirm is awaited.
 * A message the broker returns as unroutable (`mandatory`) counts as failed even though it is then acked.
 * A message AMQP cannot encode is refused before it reaches the channel (see `unencodableReason`).
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
    const attempts = events.map((event) => {
      const message = eventMessage(event);
      const unencodable = unencodableReason(message);
      if (unencodable !== null) {
        return Promise.reject(new UnpublishableMessageError(unencodable));
      }
      return channel.publish(message.exchange, message.routingKey, message.content, message.options);
    });
    const settled = await Promise.allSettled(attempts);
    const millis = Date.now() - startedAt;
    const outcomes = settled.map((result, index): PublishOutcome => {
      const event = events[index];
      if (result.status === 'rejected') {
        const reason: unknown = result.reason;
        const error = reason instanceof Error ? reason.message : String(reason);
        return { event, ok: false, retryable: !(reason instanceof UnpublishableMessageError), error, millis };
      }
      if (this.returned.delete(event.eventId)) {
        return {
          event,
          ok: false,
          retryable: true,
          error: `unroutable: no queue bound for ${event.eventName}`,
          millis,
        };
      }
      return { event, ok: true, retryable: true, error: null, millis };
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
