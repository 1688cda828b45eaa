import { assertTransition, TransitionTable } from './transition-table';

export enum CircuitState {
  Closed = 'CLOSED',
  Open = 'OPEN',
  HalfOpen = 'HALF_OPEN',
}

export const CIRCUIT_TRANSITIONS: TransitionTable<CircuitState> = {
  [CircuitState.Closed]: [CircuitState.Open],
  [CircuitState.Open]: [CircuitState.HalfOpen],
  [CircuitState.HalfOpen]: [CircuitState.Closed, CircuitState.Open],
};

export interface CircuitSnapshot {
  readonly state: CircuitState;
  readonly consecutiveFailures: number;
  readonly openedAt: number | null;
}

export interface CircuitPolicy {
  readonly failureThreshold: number;
  readonly openDurationMs: number;
}

export const INITIAL_CIRCUIT: CircuitSnapshot = { state: CircuitState.Closed, consecutiveFailures: 0, openedAt: null };

function moveTo(from: CircuitSnapshot, to: CircuitState, now: number): CircuitSnapshot {
  assertTransition('circuit-breaker', CIRCUIT_TRANSITIONS, from.state, to);
  return {
    state: to,
    consecutiveFailures: to === CircuitState.Closed ? 0 : from.consecutiveFailures,
    openedAt: to === CircuitState.Open ? now : from.openedAt,
  };
}

/** OPEN lasts the configured duration, then one probe is allowed in HALF_OPEN. */
export function circuitOnTick(circuit: CircuitSnapshot, policy: CircuitPolicy, now: number): CircuitSnapshot {
  if (
    circuit.state === CircuitState.Open &&
    circuit.openedAt !== null &&
    now - circuit.openedAt >= policy.openDurationMs
  ) {
    return moveTo(circuit, CircuitState.HalfOpen, now);
  }
  return circuit;
}

export function circuitOnSuccess(circuit: CircuitSnapshot, now: number): CircuitSnapshot {
  if (circuit.state === CircuitState.HalfOpen) {
    return moveTo(circuit, CircuitState.Closed, now);
  }
  return { ...circuit, consecutiveFailures: 0 };
}

export function circuitOnFailure(circuit: CircuitSnapshot, policy: CircuitPolicy, now: number): CircuitSnapshot {
  const failures = circuit.consecutiveFailures + 1;
  if (circuit.state === CircuitState.HalfOpen) {
    return moveTo({ ...circuit, consecutiveFailures: failures }, CircuitState.Open, now);
  }
  if (circuit.state === CircuitState.Closed && failures >= policy.failureThreshold) {
    return moveTo({ ...circuit, consecutiveFailures: failures }, CircuitState.Open, now);
  }
  return { ...circuit, consecutiveFailures: failures };
}

/** How many events the loop may send now: none while OPEN, a one-event probe while HALF_OPEN. */
export function circuitAllowance(circuit: CircuitSnapshot, batchSize: number): number {
  switch (circuit.state) {
    case CircuitState.Open:
      return 0;
    case CircuitState.HalfOpen:
      return 1;
    case CircuitState.Closed:
      return batchSize;
  }
}
