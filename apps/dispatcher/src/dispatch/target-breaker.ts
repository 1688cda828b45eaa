import { Logger } from '@nestjs/common';
import { DispatchCircuitRepository } from '@app/entities';
import { DispatchMetrics } from '@app/observability';
import {
  circuitAllowance,
  circuitOnFailure,
  circuitOnSuccess,
  circuitOnTick,
  CircuitPolicy,
  CircuitSnapshot,
  CircuitState,
  INITIAL_CIRCUIT,
} from '@app/state-machines';

const METRIC_STATE: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
};

const GAUGE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.Open]: 1,
  [CircuitState.HalfOpen]: 2,
};

/**
 * The breaker of one target in this replica, driven by the pure circuit machine. Every transition is counted,
 * shown on the state gauge and written to `user_activity_dispatch_circuit` for admin-api.
 */
export class TargetBreaker {
  private readonly logger = new Logger(TargetBreaker.name);
  private circuit: CircuitSnapshot = INITIAL_CIRCUIT;

  constructor(
    private readonly target: string,
    private readonly policy: CircuitPolicy,
    private readonly metrics: DispatchMetrics,
    private readonly circuits: DispatchCircuitRepository,
  ) {
    this.metrics.circuitState.set({ target }, GAUGE_VALUE[this.circuit.state]);
  }

  get state(): CircuitState {
    return this.circuit.state;
  }

  /** A restarted replica resumes the last recorded state, so it does not hammer a target that is known to be down. */
  async restore(): Promise<void> {
    const stored = await this.circuits.find(this.target);
    if (stored !== null) {
      this.circuit = {
        state: stored.state,
        consecutiveFailures: stored.consecutiveFailures,
        openedAt: stored.openedAt,
      };
      this.metrics.circuitState.set({ target: this.target }, GAUGE_VALUE[this.circuit.state]);
    }
  }

  /** How many events may be sent now: moves OPEN to HALF_OPEN once the open duration has passed. */
  async allowance(batchSize: number, now: number): Promise<number> {
    await this.apply(circuitOnTick(this.circuit, this.policy, now));
    return circuitAllowance(this.circuit, batchSize);
  }

  /** Milliseconds until an OPEN breaker lets a probe through. */
  openRemainingMs(now: number): number {
    if (this.circuit.state !== CircuitState.Open || this.circuit.openedAt === null) {
      return 0;
    }
    return Math.max(0, this.circuit.openedAt + this.policy.openDurationMs - now);
  }

  async onSendSucceeded(now: number): Promise<void> {
    await this.apply(circuitOnSuccess(this.circuit, now));
  }

  async onSendFailed(now: number): Promise<void> {
    await this.apply(circuitOnFailure(this.circuit, this.policy, now));
  }

  private async apply(next: CircuitSnapshot): Promise<void> {
    const previous = this.circuit;
    this.circuit = next;
    if (previous.state === next.state) {
      return;
    }
    const target = this.target;
    this.metrics.circuit.inc({ state: METRIC_STATE[next.state], target });
    this.metrics.circuitState.set({ target }, GAUGE_VALUE[next.state]);
    const fields = { target, from: previous.state, to: next.state, consecutiveFailures: next.consecutiveFailures };
    if (next.state === CircuitState.Open) {
      this.logger.warn({ msg: 'dispatch circuit opened', ...fields, openForMs: this.policy.openDurationMs });
    } else {
      this.logger.log({ msg: 'dispatch circuit changed', ...fields });
    }
    try {
      await this.circuits.save(target, next);
    } catch (error) {
      this.logger.warn({
        msg: 'dispatch circuit state could not be recorded',
        target,
        error: (error as Error).message,
      });
    }
  }
}
