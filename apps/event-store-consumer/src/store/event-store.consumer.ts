import { Controller, Logger, OnApplicationBootstrap, OnModuleInit, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  BatchFailureFilter,
  BatchOutcome,
  Delivery,
  EVENT_STORE_QUEUE,
  MQ_PROVIDER_RABBITMQ,
  RabbitBatchContext,
  RabbitBatchTransport,
  RabbitConnection,
  USER_ACTIVITY_EXCHANGE,
} from '@app/messaging';
import { LogSignals, MqMetrics, ReadinessService, signalLog, StoreMetrics } from '@app/observability';
import { DispatchEnqueueHook } from './dispatch-enqueue.hook';
import { parseEventBatch } from './event-batch.parser';
import { EventStoreService, StoreOutcome } from './event-store.service';
import { StoreHookError } from './store.errors';

const LABELS = { topic: USER_ACTIVITY_EXCHANGE, provider: MQ_PROVIDER_RABBITMQ };

/**
 * Consumes `domain.user.activity.event-store` into `user_activity_event`, served by `RabbitBatchTransport`. Failure
 * policy: poison (not JSON, not a canonical event, refused by the database for its values) → dead-letter queue at
 * once; a failed transaction (database down, hook failed) → nothing acked, the same batch retried with backoff, never
 * dead-lettered.
 */
@Controller()
@UseFilters(BatchFailureFilter)
export class EventStoreConsumer implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(EventStoreConsumer.name);

  constructor(
    private readonly connection: RabbitConnection,
    private readonly transport: RabbitBatchTransport,
    private readonly readiness: ReadinessService,
    private readonly store: EventStoreService,
    private readonly hook: DispatchEnqueueHook,
    private readonly mqMetrics: MqMetrics,
    private readonly storeMetrics: StoreMetrics,
  ) {}

  onModuleInit(): void {
    this.readiness.register('broker', () => !this.connection.enabled || this.connection.isConnected());
    this.readiness.register('consumer', () => !this.connection.enabled || this.transport.isAttached(EVENT_STORE_QUEUE));
  }

  onApplicationBootstrap(): void {
    if (!this.connection.enabled) {
      this.logger.warn({ msg: 'MQ_PROVIDER=none: there is no queue to consume; nothing will be stored' });
      return;
    }
    this.logger.log({ msg: 'consuming', queue: EVENT_STORE_QUEUE, dispatchTargets: this.hook.targets });
  }

  @EventPattern(EVENT_STORE_QUEUE)
  async handle(@Payload() batch: Delivery[], @Ctx() context: RabbitBatchContext): Promise<BatchOutcome> {
    context.onSettled((outcome) => this.settled(batch, outcome));
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

  private settled(batch: Delivery[], outcome: BatchOutcome): void {
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
