import { IllegalTransitionError } from './illegal-transition.error';
import { SourceOutboxStatus as S, transitionSourceOutbox } from './source-outbox.machine';

describe('source outbox state machine', () => {
  it.each([
    [S.Pending, S.Published],
    [S.Pending, S.Failed],
    [S.Failed, S.Published],
    [S.Failed, S.Failed],
  ])('allows %s -> %s', (from, to) => {
    expect(transitionSourceOutbox(from, to)).toBe(to);
  });

  it.each([
    [S.Pending, S.Pending],
    [S.Published, S.Pending],
    [S.Published, S.Failed],
    [S.Published, S.Published],
    [S.Failed, S.Pending],
  ])('rejects %s -> %s', (from, to) => {
    expect(() => transitionSourceOutbox(from, to)).toThrow(IllegalTransitionError);
    expect(() => transitionSourceOutbox(from, to)).toThrow(`source-outbox: illegal transition ${from} -> ${to}`);
  });
});
