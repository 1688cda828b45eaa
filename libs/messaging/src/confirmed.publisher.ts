import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Message } from 'amqplib';
import { CanonicalEvent } from '@app/entities';
import { MqMetrics } from '@app/observability';
import { eventMessage, unencodableReason } from './event-message';
import { RabbitConnection } from './rabbit.connection';
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

/** The broker returned a `mandatory` message: no queue is bound for its routing key. */
export class UnroutableMessageError extends Error {
  constructor(eventName: string) {
    super(`unroutable: no queue bound for ${eventName}`);
    this.name = UnroutableMessageError.name;
  }
}

/**
 * Nest's client for the user-activity exchange: `emit(event.eventName, event)` publishes one canonical event
 * (persistent, `mandatory`, the properties of DESIGN §6) on a confirm channel and completes once the broker confirmed
 * it, or errors: nacked, timed out, returned as unroutable (`UnroutableMessageError`, although the broker then acks
 * it), or refused before it reaches the channel because AMQP cannot encode it (`UnpublishableMessageError`, see
 * `unencodableReason`). `emit` publishes at once, so the publishes of a batch all go out before any confirm is
 * awaited; `publishBatch` does that with the same publish step and turns each message's outcome into a `PublishOutcome`.
 */
@Injectable()
export class ConfirmedPublisher extends ClientProxy implements OnApplicationBootstrap {
  private readonly logger = new Logger(ConfirmedPublisher.name);
  private channel: Promise<ChannelWrapper> | null = null;
  private opened: ChannelWrapper | null = null;
  private readonly returned = new Set<string>();

  constructor(
    private readonly connection: RabbitConnection,
    private readonly metrics: MqMetrics,
  ) {
    super();
  }

  /** Opened at start-up: a channel first asked for during an outage would wait for the broker instead of failing. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.connection.enabled) {
      await this.connect();
    }
  }

  /** The publisher channel, opened once (Nest calls this before every emit). */
  connect(): Promise<ChannelWrapper> {
    this.channel ??= this.openChannel().then(
      (channel) => (this.opened = channel),
      (error: unknown) => {
        this.channel = null;
        throw error;
      },
    );
    return this.channel;
  }

  async close(): Promise<void> {
    const channel = this.opened;
    this.channel = null;
    this.opened = null;
    await channel?.close();
  }

  unwrap<T>(): T {
    if (!this.opened) {
      throw new Error('the publisher channel is not open; call connect() first');
    }
    return this.opened as T;
  }

  /**
   * Publishes every event at once and reports each one's outcome; counts and logs the failures of the batch. Straight
   * to the channel rather than through `emit`: an Observable per message cost the relay about a third more CPU per
   * event (`npm run bench`).
   */
  async publishBatch(events: CanonicalEvent[]): Promise<PublishOutcome[]> {
    const channel = await this.connect();
    const startedAt = Date.now();
    const settled = await Promise.allSettled(events.map((event) => this.publishEvent(channel, event)));
    const millis = Date.now() - startedAt;
    const outcomes = settled.map((result, index): PublishOutcome => {
      const event = events[index];
      if (result.status === 'rejected') {
        const reason: unknown = result.reason;
        const error = reason instanceof Error ? reason.message : String(reason);
        return { event, ok: false, retryable: !(reason instanceof UnpublishableMessageError), error, millis };
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

  /** One event: `packet.data` is the canonical event, `packet.pattern` its name (the routing key). */
  protected async dispatchEvent<T = undefined>(packet: ReadPacket<CanonicalEvent>): Promise<T> {
    const event = packet.data;
    if (packet.pattern !== event.eventName) {
      throw new Error(
        `emit('${String(packet.pattern)}', event): the pattern must be the event's name, its routing key`,
      );
    }
    await this.publishEvent(await this.connect(), event);
    return undefined as T;
  }

  /** Resolves once the broker confirmed the event; see the class comment for how it fails. */
  private async publishEvent(channel: ChannelWrapper, event: CanonicalEvent): Promise<void> {
    const message = eventMessage(event);
    const unencodable = unencodableReason(message);
    if (unencodable !== null) {
      throw new UnpublishableMessageError(unencodable);
    }
    await channel.publish(message.exchange, message.routingKey, message.content, message.options);
    // RabbitMQ sends a mandatory message's basic.return before its confirm, so the return is known by now.
    if (this.returned.delete(event.eventId)) {
      throw new UnroutableMessageError(event.eventName);
    }
  }

  /** Request-response has no place on an exchange of events. */
  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({ err: new Error('ConfirmedPublisher only emits events; send() is not supported') });
    return () => undefined;
  }

  private openChannel(): Promise<ChannelWrapper> {
    return this.connection.createChannel('publisher', async (channel: ConfirmChannel) => {
      channel.on('return', (message: Message) => {
        const messageId = message.properties.messageId as string | undefined;
        if (messageId) {
          this.returned.add(messageId);
        }
      });
    });
  }

  private count(result: 'success' | 'fail', amount: number): void {
    if (amount > 0) {
      this.metrics.publishCount.inc({ topic: USER_ACTIVITY_EXCHANGE, provider: MQ_PROVIDER_RABBITMQ, result }, amount);
    }
  }
}
