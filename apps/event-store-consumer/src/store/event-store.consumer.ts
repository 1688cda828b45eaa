import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG } from '@app/config';
import {
  BatchHandler,
  BatchingConsumer,
  BatchOutcome,
  Delivery,
  EVENT_STORE_DELIVERY_LIMIT,
  EVENT_STORE_QUEUE,
  MQ_PROVIDER_RABBITMQ,
  RabbitConnection,
  USER_ACTIVITY_EXCHANGE,
} from '@app/messaging';
import { LogSignals, MqMetrics, ReadinessService, signalLog, StoreMetrics } from '@app/metrics';
import { EventStoreConfig } from '../event-store-consumer.config';
import { DispatchEnqueueHook } from './dispatch-enqueue.hook';
import { parseEventBatch } from './event-batch.parser';
import { EventStoreService, StoreOutcome } from './event-store.service';
import { StoreHookError } from './store.errors';

/** First delay after a failed batch; it doubles up to EVENT_STORE_RETRY_MAX_DELAY. */
export const EVENT_STORE_RETRY_BASE_DELAY_MS = 100;

const LABELS = { topic: USER_ACTIVITY_EXCHANGE, provider: MQ_PROVIDER_RABBITMQ };

/**
 * Consumes `domain.user.activity.event-store` into `user_activity_event`. Failure policy: poison (not JSON, not a
 * canonical event, refused by the database for its values) → dead-letter queue at once; a failed transaction
 * (database down, hook failed) → nothing acked, the same batch retried with backoff, never dead-lettered.
 */
@Injectable()
export class EventStoreConsumer
  implements BatchHandler, OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(EventStoreConsumer.name);
  private consumer: BatchingConsumer | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: EventStoreConfig,
    private readonly connection: RabbitConnection,
    private readonly readiness: ReadinessService,
    private readonly store: EventStoreService,
    private readonly hook: DispatchEnqueueHook,
    private readonly mqMetrics: MqMetrics,
    private readonly storeMetrics: StoreMetrics,
  ) {}

  onModuleInit(): void {
    this.readiness.register('broker', () => !this.connection.enabled || this.connection.isConnected());
    this.readiness.register('consumer', () => !this.connection.enabled || (this.consumer?.isAttached() ?? false));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.connection.enabled) {
      this.logger.warn({ msg: 'MQ_PROVIDER=none: there is no queue to consume; nothing will be stored' });
      return;
    }
    this.consumer = new BatchingConsumer(
      this.connection,
      {
        name: 'event-store-consumer',
        queue: EVENT_STORE_QUEUE,
        prefetch: this.config.EVENT_STORE_PREFETCH,
        batchSize: this.config.EVENT_STORE_BATCH_SIZE,
        batchesInFlight: this.config.EVENT_STORE_BATCHES_IN_FLIGHT,
        batchWaitMs: this.config.EVENT_STORE_BATCH_WAIT,
        retryBaseDelayMs: EVENT_STORE_RETRY_BASE_DELAY_MS,
        retryMaxDelayMs: this.config.EVENT_STORE_RETRY_MAX_DELAY,
        deliveryLimit: EVENT_STORE_DELIVERY_LIMIT,
      },
      this,
    );
    await this.consumer.start();
    this.logger.log({ msg: 'consuming', queue: EVENT_STORE_QUEUE, dispatchTargets: this.hook.targets });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop(this.config.SHUTDOWN_TIMEOUT);
  }

  async handle(batch: Delivery[]): Promise<BatchOutcome> {
    const parsed = parseEventBatch(batch);
    let outcome: StoreOutcome;
    try {
      outcome = await this.store.store(parsed);
    } catch (error) {
      this.reportFailure(parsed.valid.length, batch.length, error);
      throw error;
    }
    this.reportStored(outcome);
    return { deadLetter: outcome.rejected.map(({ delivery }) => delivery) };
  }

  settled(batch: Delivery[], outcome: BatchOutcome): void {
    const acked = batch.length - outcome.deadLetter.length;
    if (acked > 0) {
      this.mqMetrics.consumeCount.inc({ ...LABELS, result: 'success' }, acked);
    }
    if (outcome.deadLetter.length > 0) {
      this.mqMetrics.consumeCount.inc({ ...LABELS, result: 'fail' }, outcome.deadLetter.length);
    }
    const now = Date.now();
    const deadLetter = new Set(outcome.deadLetter);
    for (const delivery of batch) {
      if (!deadLetter.has(delivery)) {
        this.mqMetrics.consumeLatency.observe(LABELS, (now - delivery.receivedAt) / 1000);
      }
    }
  }

  private reportStored(outcome: StoreOutcome): void {
    for (const { event } of outcome.duplicates) {
      this.logger.log(signalLog(LogSignals.storeDuplicate, { eventId: event.eventId, eventName: event.eventName }));
    }
    for (const { messageId, eventName, reason } of outcome.rejected) {
      this.logger.warn(
        signalLog(LogSignals.mqConsumeFailed, {
          messageId,
          eventName,
          queue: EVENT_STORE_QUEUE,
          reason,
          action: 'dead-lettered',
        }),
      );
    }
    this.storeMetrics.events.inc({ result: 'stored' }, outcome.stored.length);
    this.storeMetrics.events.inc({ result: 'duplicate' }, outcome.duplicates.length);
    for (const { target, inserted, duplicate } of outcome.dispatch) {
      this.storeMetrics.dispatchEnqueue.inc({ result: 'inserted', target }, inserted);
      this.storeMetrics.dispatchEnqueue.inc({ result: 'duplicate', target }, duplicate);
    }
    const now = Date.now();
    for (const { event } of outcome.stored) {
      this.mqMetrics.endToEndLatency.observe(LABELS, Math.max(0, now - Date.parse(event.occurredAt)) / 1000);
    }
  }

  private reportFailure(events: number, messages: number, error: unknown): void {
    this.mqMetrics.consumeCount.inc({ ...LABELS, result: 'fail' }, messages);
    if (error instanceof StoreHookError) {
      for (const target of this.hook.targets) {
        this.storeMetrics.dispatchEnqueue.inc({ result: 'fail', target }, events);
      }
      this.logger.error(
        signalLog(LogSignals.storeHookFailed, {
          targets: this.hook.targets,
          events,
          error: error.message,
          action: 'rolled back; the batch stays unacked and is retried',
        }),
      );
      return;
    }
    this.logger.error(
      signalLog(LogSignals.mqConsumeFailed, {
        queue: EVENT_STORE_QUEUE,
        messages,
        error: (error as Error).message,
        action: 'rolled back; the batch stays unacked and is retried',
      }),
    );
  }
}
