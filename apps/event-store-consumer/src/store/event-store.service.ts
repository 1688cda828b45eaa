import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  DispatchEnqueueCount,
  EventStoreRepository,
  MqTrace,
  MqTraceRepository,
  SqlExecutor,
  TraceStage,
} from '@app/entities';
import { EVENT_STORE_QUEUE, MQ_PROVIDER_RABBITMQ, USER_ACTIVITY_EXCHANGE } from '@app/messaging';
import { DispatchEnqueueHook } from './dispatch-enqueue.hook';
import { ParsedBatch, RejectedDelivery, ValidDelivery } from './event-batch.parser';
import { EventRefusedError, isDataError } from './store.errors';

export interface StoreOutcome {
  stored: ValidDelivery[];
  duplicates: ValidDelivery[];
  rejected: RejectedDelivery[];
  dispatch: DispatchEnqueueCount[];
}

/** PostgreSQL text cannot hold NUL, and a poison message's trace must not fail the batch's transaction. */
function clean(text: string): string {
  return text.replaceAll('\u0000', '');
}

function trace(
  messageId: string,
  messageKey: string | null,
  stage: TraceStage,
  receivedAt: number,
  error?: string,
): MqTrace {
  return {
    messageId: clean(messageId),
    topic: USER_ACTIVITY_EXCHANGE,
    provider: MQ_PROVIDER_RABBITMQ,
    messageKey: messageKey === null ? null : clean(messageKey),
    consumerGroup: EVENT_STORE_QUEUE,
    stage,
    processingMillis: Date.now() - receivedAt,
    errorMessage: error === undefined ? null : clean(error),
  };
}

function merge(outcomes: StoreOutcome[]): StoreOutcome {
  const dispatch = new Map<string, DispatchEnqueueCount>();
  for (const count of outcomes.flatMap((outcome) => outcome.dispatch)) {
    const total = dispatch.get(count.target) ?? { target: count.target, inserted: 0, duplicate: 0 };
    dispatch.set(count.target, {
      target: count.target,
      inserted: total.inserted + count.inserted,
      duplicate: total.duplicate + count.duplicate,
    });
  }
  return {
    stored: outcomes.flatMap((outcome) => outcome.stored),
    duplicates: outcomes.flatMap((outcome) => outcome.duplicates),
    rejected: outcomes.flatMap((outcome) => outcome.rejected),
    dispatch: [...dispatch.values()],
  };
}

/**
 * DESIGN §7: per batch one transaction with the events (idempotent insert), the after-store hook for the newly
 * stored ones and the traces of every message, poison included. Throws when the transaction fails; nothing is
 * committed then.
 */
@Injectable()
export class EventStoreService {
  private readonly logger = new Logger(EventStoreService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventStoreRepository,
    private readonly hook: DispatchEnqueueHook,
    private readonly traces: MqTraceRepository,
  ) {}

  async store(batch: ParsedBatch): Promise<StoreOutcome> {
    try {
      return await this.transaction(batch);
    } catch (error) {
      if (!(error instanceof EventRefusedError)) {
        throw error;
      }
      this.logger.warn({
        msg: 'the database refused an event of the batch; storing the batch one event at a time to find it',
        size: batch.valid.length,
        error: error.message,
      });
      return this.isolate(batch);
    }
  }

  /** The slow path: each event in its own transaction; the ones refused for their data become poison. */
  private async isolate(batch: ParsedBatch): Promise<StoreOutcome> {
    const outcomes: StoreOutcome[] = [];
    const rejected = [...batch.rejected];
    for (const one of batch.valid) {
      try {
        outcomes.push(await this.transaction({ valid: [one], repeated: [], rejected: [] }));
      } catch (error) {
        if (!(error instanceof EventRefusedError)) {
          throw error;
        }
        rejected.push({
          delivery: one.delivery,
          messageId: one.event.eventId,
          eventName: one.event.eventName,
          reason: `refused by the database: ${error.message}`,
        });
      }
    }
    outcomes.push(await this.transaction({ valid: [], repeated: batch.repeated, rejected }));
    return merge(outcomes);
  }

  private async transaction(batch: ParsedBatch): Promise<StoreOutcome> {
    return this.dataSource.transaction(async (tx) => {
      // Traces, events, dispatch rows: the database clock stamps each as it is written, in the pipeline's order.
      await this.traces.write(tx, [
        ...[...batch.valid, ...batch.repeated].map(({ delivery, event }) =>
          trace(event.eventId, event.eventName, TraceStage.ConsumeSuccess, delivery.receivedAt),
        ),
        // A poison message fails its consume and is dead-lettered by the nack that follows this commit.
        ...batch.rejected.flatMap(({ delivery, messageId, eventName, reason }) => [
          trace(messageId, eventName, TraceStage.ConsumeFail, delivery.receivedAt, reason),
          trace(messageId, eventName, TraceStage.DeadLetter, delivery.receivedAt, reason),
        ]),
      ]);
      const inserted = new Set(await this.insert(tx, batch.valid));
      const stored = batch.valid.filter(({ event }) => inserted.has(event.eventId));
      const duplicates = [...batch.valid.filter(({ event }) => !inserted.has(event.eventId)), ...batch.repeated];
      const dispatch = await this.hook.afterStore(
        tx,
        stored.map(({ event }) => event),
      );
      return { stored, duplicates, rejected: batch.rejected, dispatch };
    });
  }

  private async insert(tx: SqlExecutor, valid: ValidDelivery[]): Promise<string[]> {
    try {
      return await this.events.insertEvents(
        tx,
        valid.map(({ event }) => event),
      );
    } catch (error) {
      throw isDataError(error) ? new EventRefusedError(error) : error;
    }
  }
}
