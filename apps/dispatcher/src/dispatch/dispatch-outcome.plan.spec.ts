import { ClaimedDispatchRow } from '@app/entities';
import { DispatchOutboxStatus, IllegalTransitionError } from '@app/state-machines';
import { planOutcomes } from './dispatch-outcome.plan';

const policy = { baseDelayMs: 10_000, maxDelayMs: 600_000 };

function row(id: string, retryCount = 0, status = DispatchOutboxStatus.Pending): ClaimedDispatchRow {
  return { id, eventId: `event-${id}`, payload: {}, status, retryCount };
}

describe('planOutcomes', () => {
  it('marks delivered rows DISPATCHED and schedules retries with the backoff', () => {
    const plan = planOutcomes(
      [row('1'), row('2', 3, DispatchOutboxStatus.Failed)],
      [
        { outboxId: '1', result: 'delivered' },
        { outboxId: '2', result: 'retry', error: 'HTTP 503', retryAfterMs: null },
      ],
      new Map(),
      policy,
    );
    expect(plan.dispatchedIds).toEqual(['1']);
    expect(plan.failures).toEqual([
      { id: '2', eventId: 'event-2', error: 'HTTP 503', retryDelayMs: 80_000, cause: 'retry', retryCount: 4 },
    ]);
  });

  it('waits at least the Retry-After, and the backoff when that is longer', () => {
    const plan = planOutcomes(
      [row('1'), row('2', 4)],
      [
        { outboxId: '1', result: 'retry', error: 'HTTP 429', retryAfterMs: 30_000 },
        { outboxId: '2', result: 'retry', error: 'HTTP 429', retryAfterMs: 30_000 },
      ],
      new Map(),
      policy,
    );
    expect(plan.failures.map((f) => f.retryDelayMs)).toEqual([30_000, 160_000]);
  });

  it('schedules rows the target refused for our credentials with the backoff, never parking them', () => {
    const plan = planOutcomes(
      [row('1'), row('2', 2, DispatchOutboxStatus.Failed)],
      [
        { outboxId: '1', result: 'unauthorized', error: 'HTTP 401', status: 401 },
        { outboxId: '2', result: 'unauthorized', error: 'HTTP 403', status: 403 },
      ],
      new Map(),
      policy,
    );
    expect(plan.failures.map((f) => [f.id, f.cause, f.status, f.retryDelayMs, f.retryCount])).toEqual([
      ['1', 'unauthorized', 401, 10_000, 1],
      ['2', 'unauthorized', 403, 40_000, 3],
    ]);
  });

  it('parks rejected and unreadable rows', () => {
    const plan = planOutcomes(
      [row('1'), row('2')],
      [{ outboxId: '1', result: 'reject', error: 'HTTP 400' }],
      new Map([['2', 'eventName must be a non-blank string']]),
      policy,
    );
    expect(plan.failures.map((f) => [f.id, f.cause, f.retryDelayMs])).toEqual([
      ['1', 'rejected', null],
      ['2', 'unreadable', null],
    ]);
    expect(plan.failures[1].error).toBe('unreadable payload: eventName must be a non-blank string');
  });

  it('retries a row the target forgot to answer for', () => {
    const plan = planOutcomes([row('1')], [], new Map(), policy);
    expect(plan.failures[0]).toMatchObject({ cause: 'retry', retryDelayMs: 10_000 });
  });

  it('refuses to touch a row that is already DISPATCHED', () => {
    expect(() =>
      planOutcomes(
        [row('1', 0, DispatchOutboxStatus.Dispatched)],
        [{ outboxId: '1', result: 'delivered' }],
        new Map(),
        policy,
      ),
    ).toThrow(IllegalTransitionError);
  });
});
