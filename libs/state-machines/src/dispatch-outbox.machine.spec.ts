import { DispatchOutboxStatus as S, transitionDispatchOutbox } from './dispatch-outbox.machine';
import { IllegalTransitionError } from './illegal-transition.error';

describe('dispatch outbox state machine', () => {
  it.each([
    [S.Pending, S.Dispatched],
    [S.Pending, S.Failed],
    [S.Failed, S.Dispatched],
    [S.Failed, S.Failed],
  ])('allows %s -> %s', (from, to) => {
    expect(transitionDispatchOutbox(from, to)).toBe(to);
  });

  it.each([
    [S.Pending, S.Pending],
    [S.Dispatched, S.Pending],
    [S.Dispatched, S.Failed],
    [S.Dispatched, S.Dispatched],
    [S.Failed, S.Pending],
  ])('rejects %s -> %s', (from, to) => {
    expect(() => transitionDispatchOutbox(from, to)).toThrow(IllegalTransitionError);
    expect(() => transitionDispatchOutbox(from, to)).toThrow(`dispatch-outbox: illegal transition ${from} -> ${to}`);
  });
});
