import { Logger } from '@nestjs/common';
import { DispatchMetrics } from '@app/metrics';
import { DispatchTarget } from '../targets/dispatch-target';
import { DispatchBatchService } from './dispatch-batch.service';
import { TargetBreaker } from './target-breaker';

export interface DispatchLoopSettings {
  batchSize: number;
  pollIntervalMs: number;
}

/** The plain async loop of one target: ask the breaker, claim and send a batch, sleep when idle. */
export class DispatchLoop {
  private readonly logger = new Logger(DispatchLoop.name);
  private stopping = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** Set by a 429's Retry-After: the target gets nothing before this instant. */
  private notBefore = 0;

  constructor(
    private readonly target: DispatchTarget,
    private readonly breaker: TargetBreaker,
    private readonly batches: DispatchBatchService,
    private readonly metrics: DispatchMetrics,
    private readonly settings: DispatchLoopSettings,
  ) {}

  start(): void {
    this.running = this.run();
  }

  /** Stops claiming; the batch in hand is sent and recorded before this resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.target.close();
  }

  private async run(): Promise<void> {
    try {
      await this.breaker.restore();
    } catch (error) {
      this.logger.warn({
        msg: 'dispatch circuit state could not be read',
        target: this.target.name,
        error: String(error),
      });
    }
    this.logger.log({ msg: 'dispatch loop started', target: this.target.name, circuit: this.breaker.state });
    while (!this.stopping) {
      let pauseMs: number;
      try {
        pauseMs = await this.turn();
      } catch (error) {
        this.logger.error({ msg: 'dispatch batch failed', target: this.target.name, error: (error as Error).message });
        pauseMs = this.settings.pollIntervalMs;
      }
      if (pauseMs > 0) {
        await this.pause(pauseMs);
      }
    }
    this.logger.log({ msg: 'dispatch loop stopped', target: this.target.name });
  }

  /** One turn; returns how long to wait before the next. */
  private async turn(): Promise<number> {
    const now = Date.now();
    const allowance = await this.breaker.allowance(this.settings.batchSize, now);
    if (allowance === 0) {
      this.metrics.circuit.inc({ state: 'open', target: this.target.name });
      return Math.max(1, Math.min(this.settings.pollIntervalMs, this.breaker.openRemainingMs(now)));
    }
    if (now < this.notBefore) {
      return this.notBefore - now;
    }
    const result = await this.batches.dispatchBatch(this.target, allowance);
    if (result.sendFailed === true) {
      await this.breaker.onSendFailed(Date.now());
    } else if (result.sendFailed === false) {
      await this.breaker.onSendSucceeded(Date.now());
    }
    if (result.retryAfterMs !== null) {
      this.notBefore = Date.now() + result.retryAfterMs;
    }
    const fullBatch = result.claimed >= allowance;
    return fullBatch && result.sendFailed !== true ? 0 : this.settings.pollIntervalMs;
  }

  private pause(ms: number): Promise<void> {
    if (this.stopping) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}
