import { ClaimedDispatchRow, DispatchFailure } from '@app/entities';
import { backoffDelayMs, DispatchOutboxStatus, transitionDispatchOutbox } from '@app/state-machines';
import { DispatchOutcome } from '../targets/dispatch-target';

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface PlannedFailure extends DispatchFailure {
  eventId: string;
  /** retry and unauthorized (the target refused our key): due again after retryDelayMs; the others are parked. */
  cause: 'retry' | 'unauthorized' | 'rejected' | 'unreadable';
  retryCount: number;
  /** The target's HTTP status, for an unauthorized send. */
  status?: number;
}

export interface OutcomePlan {
  dispatchedIds: string[];
  failures: PlannedFailure[];
}

/**
 * Turns the target's outcomes into row updates through the dispatch state machine (runbook §7-2): delivered →
 * DISPATCHED; retry → FAILED with the backoff (at least the target's Retry-After); unauthorized → FAILED with the
 * backoff, never parked, since the events are not at fault; rejected or unreadable → parked.
 */
export function planOutcomes(
  rows: ClaimedDispatchRow[],
  outcomes: DispatchOutcome[],
  unreadable: Map<string, string>,
  policy: RetryPolicy,
): OutcomePlan {
  const byId = new Map(outcomes.map((outcome) => [outcome.outboxId, outcome]));
  const plan: OutcomePlan = { dispatchedIds: [], failures: [] };
  for (const row of rows) {
    const invalid = unreadable.get(row.id);
    if (invalid !== undefined) {
      plan.failures.push(failure(row, `unreadable payload: ${invalid}`, null, 'unreadable'));
      continue;
    }
    const outcome: DispatchOutcome = byId.get(row.id) ?? {
      outboxId: row.id,
      result: 'retry',
      error: 'the target gave no outcome for this row',
      retryAfterMs: null,
    };
    switch (outcome.result) {
      case 'delivered':
        transitionDispatchOutbox(row.status, DispatchOutboxStatus.Dispatched);
        plan.dispatchedIds.push(row.id);
        break;
      case 'reject':
        plan.failures.push(failure(row, outcome.error, null, 'rejected'));
        break;
      case 'retry': {
        const backoff = backoffDelayMs(row.retryCount, policy.baseDelayMs, policy.maxDelayMs);
        plan.failures.push(failure(row, outcome.error, Math.max(backoff, outcome.retryAfterMs ?? 0), 'retry'));
        break;
      }
      case 'unauthorized': {
        const backoff = backoffDelayMs(row.retryCount, policy.baseDelayMs, policy.maxDelayMs);
        plan.failures.push({ ...failure(row, outcome.error, backoff, 'unauthorized'), status: outcome.status });
        break;
      }
    }
  }
  return plan;
}

function failure(
  row: ClaimedDispatchRow,
  error: string,
  retryDelayMs: number | null,
  cause: PlannedFailure['cause'],
): PlannedFailure {
  transitionDispatchOutbox(row.status, DispatchOutboxStatus.Failed);
  return { id: row.id, eventId: row.eventId, error, retryDelayMs, cause, retryCount: row.retryCount + 1 };
}
