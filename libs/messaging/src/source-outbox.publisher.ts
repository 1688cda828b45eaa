import { Injectable, Logger } from '@nestjs/common';
import {
  CanonicalEvent,
  ClaimedSourceRow,
  MqTrace,
  MqTraceRepository,
  parseCanonicalEvent,
  SourceFailure,
  SourceOutboxRepository,
  SourcePublished,
  SqlExecutor,
  TraceStage,
} from '@app/entities';
import { SourceOutboxMetrics } from '@app/observability';
import { backoffDelayMs, SourceOutboxStatus, transitionSourceOutbox } from '@app/state-machines';
import { ConfirmedPublisher } from './confirmed.publisher';
import { MQ_PROVIDER_RABBITMQ, USER_ACTIVITY_EXCHANGE } from './topology';

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** 0 = unlimited; otherwise a row is parked (FAILED, no next_retry_at) once it has failed this many times. */
  maxRetries: number;
}

export interface PublishTally {
  processedCount: number;
  successCount: number;
  failedCount: number;
}

function trace(
  event: Pick<CanonicalEvent, 'eventId' | 'eventName'>,
  row: ClaimedSourceRow,
  stage: TraceStage,
  millis: number,
  error: string | null,
): MqTrace {
  return {
    createdAt: row.claimedAt,
    messageId: event.eventId,
    topic: USER_ACTIVITY_EXCHANGE,
    provider: MQ_PROVIDER_RABBITMQ,
    messageKey: event.eventName,
    consumerGroup: null,
    stage,
    processingMillis: millis,
    errorMessage: error,
  };
}

/**
 * Publishes claimed source outbox rows and records the outcome in the caller's transaction: PUBLISHED, or FAILED
 * with backoff (parked after the retry limit), PUBLISH / PUBLISH_FAIL traces. Shared by the relay and admin replay.
 */
@Injectable()
export class SourceOutboxPublisher {
  private readonly logger = new Logger(SourceOutboxPublisher.name);

  constructor(
    private readonly publisher: ConfirmedPublisher,
    private readonly outbox: SourceOutboxRepository,
    private readonly traces: MqTraceRepository,
    private readonly metrics: SourceOutboxMetrics,
  ) {}

  async publishClaimed(tx: SqlExecutor, rows: ClaimedSourceRow[], policy: RetryPolicy): Promise<PublishTally> {
    const failures: SourceFailure[] = [];
    const traceRows: MqTrace[] = [];
    const valid: { row: ClaimedSourceRow; event: CanonicalEvent }[] = [];
    for (const row of rows) {
      try {
        valid.push({ row, event: parseCanonicalEvent(row.payload) });
      } catch (error) {
        // A payload no consumer could read: retrying cannot help, so it is parked for an operator.
        failures.push(this.failure(row, `invalid payload: ${(error as Error).message}`, null));
        traceRows.push(trace(row, row, TraceStage.PublishFail, 0, (error as Error).message));
      }
    }
    const outcomes = valid.length > 0 ? await this.publisher.publishBatch(valid.map(({ event }) => event)) : [];
    const published: SourcePublished[] = [];
    outcomes.forEach((outcome, index) => {
      const { row } = valid[index];
      if (outcome.ok) {
        transitionSourceOutbox(row.status, SourceOutboxStatus.Published);
        published.push({ id: row.id, claimedAt: row.claimedAt });
        traceRows.push(trace(outcome.event, row, TraceStage.Publish, outcome.millis, null));
      } else {
        // A message AMQP cannot encode fails the same way every time: parked for an operator, like a bad payload.
        failures.push(this.failure(row, outcome.error ?? 'publish failed', outcome.retryable ? policy : null));
        traceRows.push(trace(outcome.event, row, TraceStage.PublishFail, outcome.millis, outcome.error));
      }
    });
    await this.outbox.markPublished(tx, published);
    await this.outbox.markFailed(tx, failures);
    await this.traces.write(tx, traceRows);
    this.count(published.length, failures);
    return { processedCount: rows.length, successCount: published.length, failedCount: failures.length };
  }

  private failure(row: ClaimedSourceRow, error: string, policy: RetryPolicy | null): SourceFailure {
    transitionSourceOutbox(row.status, SourceOutboxStatus.Failed);
    const attempts = row.retryCount + 1;
    const parked = policy === null || (policy.maxRetries > 0 && attempts >= policy.maxRetries);
    return {
      id: row.id,
      error,
      retryDelayMs: parked ? null : backoffDelayMs(row.retryCount, policy.baseDelayMs, policy.maxDelayMs),
    };
  }

  private count(published: number, failures: SourceFailure[]): void {
    if (published > 0) {
      this.metrics.publish.inc({ result: 'success' }, published);
    }
    if (failures.length > 0) {
      this.metrics.publish.inc({ result: 'fail' }, failures.length);
      const scheduled = failures.filter((failure) => failure.retryDelayMs !== null).length;
      if (scheduled > 0) {
        this.metrics.retry.inc({ result: 'scheduled' }, scheduled);
      }
      this.logger.warn({
        msg: 'source outbox rows failed to publish',
        failed: failures.length,
        error: failures[0].error,
      });
    }
  }
}
