import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@app/config';
import { DispatchOutboxRepository } from '@app/entities';
import { DispatchMetrics, LogSignals, signalLog } from '@app/observability';
import { DispatcherConfig } from '../dispatcher.config';
import { DispatchTarget } from '../targets/dispatch-target';
import { readPayloads } from './dispatch-payload.reader';
import { OutcomePlan, planOutcomes, RetryPolicy } from './dispatch-outcome.plan';

export interface BatchResult {
  claimed: number;
  /** Whether the send failed in a way that counts against the breaker (5xx, 401, …); null when nothing was sent. */
  sendFailed: boolean | null;
  /** The longest Retry-After the target asked for, in ms. */
  retryAfterMs: number | null;
}

/** One batch of one target: claim, send and record in a single transaction. */
@Injectable()
export class DispatchBatchService {
  private readonly logger = new Logger(DispatchBatchService.name);
  private readonly policy: RetryPolicy;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: DispatcherConfig,
    private readonly outbox: DispatchOutboxRepository,
    private readonly metrics: DispatchMetrics,
  ) {
    this.policy = { baseDelayMs: config.DISPATCH_RETRY_BASE_DELAY, maxDelayMs: config.DISPATCH_RETRY_MAX_DELAY };
  }

  /** The row locks are held until the outcome is written, so no other replica sends these rows meanwhile. */
  async dispatchBatch(target: DispatchTarget, limit: number): Promise<BatchResult> {
    const turn = await this.dataSource.transaction(async (tx) => {
      const rows = await this.outbox.claimDue(tx, target.name, limit);
      if (rows.length === 0) {
        return null;
      }
      const { items, unreadable } = readPayloads(rows);
      const outcomes = items.length > 0 ? await target.send(items) : [];
      const plan = planOutcomes(rows, outcomes, unreadable, this.policy);
      await this.outbox.markDispatched(tx, plan.dispatchedIds);
      await this.outbox.markFailed(tx, plan.failures);
      return { claimed: rows.length, sent: items.length > 0, outcomes, plan };
    });
    if (turn === null) {
      return { claimed: 0, sendFailed: null, retryAfterMs: null };
    }
    this.report(target.name, turn.plan);
    const retryAfters = turn.outcomes.flatMap((outcome) =>
      outcome.result === 'retry' && outcome.retryAfterMs !== null ? [outcome.retryAfterMs] : [],
    );
    return {
      claimed: turn.claimed,
      sendFailed: turn.sent
        ? turn.outcomes.some((outcome) => outcome.result === 'retry' || outcome.result === 'unauthorized')
        : null,
      retryAfterMs: retryAfters.length > 0 ? Math.max(...retryAfters) : null,
    };
  }

  private report(target: string, plan: OutcomePlan): void {
    if (plan.dispatchedIds.length > 0) {
      this.metrics.execute.inc({ result: 'success', target }, plan.dispatchedIds.length);
    }
    if (plan.failures.length === 0) {
      return;
    }
    this.metrics.execute.inc({ result: 'fail', target }, plan.failures.length);
    const scheduled = plan.failures.filter((failure) => failure.retryDelayMs !== null).length;
    if (scheduled > 0) {
      this.metrics.retry.inc({ result: 'scheduled', target }, scheduled);
    }
    for (const failure of plan.failures) {
      const fields = { target, outboxId: failure.id, eventId: failure.eventId, error: failure.error };
      if (failure.cause === 'unreadable') {
        this.logger.error(signalLog(LogSignals.dispatchPayloadInvalid, { ...fields, parked: true }));
      } else if (failure.cause === 'unauthorized') {
        this.metrics.unauthorized.inc({ status: String(failure.status), target });
        // Not the events' fault: nothing is parked, but no event reaches the target until someone fixes the key.
        this.logger.error(
          signalLog(LogSignals.dispatchFailed, {
            ...fields,
            status: failure.status,
            retryCount: failure.retryCount,
            nextRetryInMs: failure.retryDelayMs,
          }),
        );
      } else if (failure.cause === 'rejected') {
        this.logger.error(
          signalLog(LogSignals.dispatchFailed, { ...fields, retryCount: failure.retryCount, parked: true }),
        );
      } else {
        this.logger.warn(
          signalLog(LogSignals.dispatchFailed, {
            ...fields,
            retryCount: failure.retryCount,
            nextRetryInMs: failure.retryDelayMs,
          }),
        );
      }
    }
  }
}
