import {
  circuitAllowance,
  circuitOnFailure,
  circuitOnSuccess,
  circuitOnTick,
  CircuitSnapshot,
  CircuitState,
  INITIAL_CIRCUIT,
} from './circuit-breaker.machine';
import { IllegalTransitionError } from './illegal-transition.error';
import { assertTransition } from './transition-table';
import { CIRCUIT_TRANSITIONS } from './circuit-breaker.machine';

const policy = { failureThreshold: 5, openDurationMs: 60_000 };

function failTimes(times: number, start: CircuitSnapshot = INITIAL_CIRCUIT): CircuitSnapshot {
  let circuit = start;
  for (let i = 0; i < times; i++) {
    circuit = circuitOnFailure(circuit, policy, 1_000);
  }
  return circuit;
}

describe('circuit breaker state machine', () => {
  it('stays closed below the failure threshold', () => {
    const circuit = failTimes(4);
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuitAllowance(circuit, 100)).toBe(100);
  });

  it('opens after the threshold of consecutive failures and allows nothing', () => {
    const circuit = failTimes(5);
    expect(circuit.state).toBe(CircuitState.Open);
    expect(circuit.openedAt).toBe(1_000);
    expect(circuit.consecutiveFailures).toBe(5);
    expect(circuitAllowance(circuit, 100)).toBe(0);
  });

  it('stays open, counting on, when a failure comes back while open (a request sent before it opened)', () => {
    expect(circuitOnFailure(failTimes(5), policy, 30_000)).toEqual({
      state: CircuitState.Open,
      consecutiveFailures: 6,
      openedAt: 1_000,
    });
  });

  it('leaves a closed or half-open circuit as it is on a tick, however long ago it last opened', () => {
    const halfOpen = circuitOnTick(failTimes(5), policy, 61_000);
    expect(circuitOnTick(halfOpen, policy, 500_000)).toBe(halfOpen);
    const closed = circuitOnSuccess(halfOpen, 61_500);
    expect(circuitOnTick(closed, policy, 500_000)).toBe(closed);
  });

  it('a success resets the consecutive count', () => {
    const circuit = failTimes(2, circuitOnSuccess(failTimes(4), 1_000));
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.consecutiveFailures).toBe(2);
  });

  it('stays open until the open duration has passed, then allows a one-event probe', () => {
    const open = failTimes(5);
    expect(circuitOnTick(open, policy, 60_999).state).toBe(CircuitState.Open);
    const halfOpen = circuitOnTick(open, policy, 61_000);
    expect(halfOpen.state).toBe(CircuitState.HalfOpen);
    expect(circuitAllowance(halfOpen, 100)).toBe(1);
  });

  it('closes when the half-open probe succeeds', () => {
    const closed = circuitOnSuccess(circuitOnTick(failTimes(5), policy, 61_000), 61_500);
    expect(closed).toEqual({ state: CircuitState.Closed, consecutiveFailures: 0, openedAt: 1_000 });
  });

  it('re-opens with a fresh open period when the half-open probe fails', () => {
    const reopened = circuitOnFailure(circuitOnTick(failTimes(5), policy, 61_000), policy, 61_500);
    expect(reopened.state).toBe(CircuitState.Open);
    expect(reopened.openedAt).toBe(61_500);
    expect(reopened.consecutiveFailures).toBe(6);
    expect(circuitOnTick(reopened, policy, 100_000).state).toBe(CircuitState.Open);
  });

  it.each([
    [CircuitState.Closed, CircuitState.HalfOpen],
    [CircuitState.Open, CircuitState.Closed],
    [CircuitState.Closed, CircuitState.Closed],
    [CircuitState.Open, CircuitState.Open],
  ])('rejects %s -> %s', (from, to) => {
    expect(() => assertTransition('circuit-breaker', CIRCUIT_TRANSITIONS, from, to)).toThrow(IllegalTransitionError);
  });
});
