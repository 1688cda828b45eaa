import { Logger } from '@nestjs/common';
import { BATCHES_IN_FLIGHT } from '@app/entities';
import { DispatchMetrics } from '@app/observability';
import { DispatchTarget } from '../targets/dispatch-target';
import { DispatchBatchService } from './dispatch-batch.service';
import { TargetBreaker } from './target-breaker';

interface Pause {
  ms: number;
  idle: boolean;
}

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
  /** True while the loop waits only because it found less than a full batch; a nudge may end that wait. */
  private idle = false;
  /** A nudge came during a turn: rows may have been committed after its claim, so it must not go idle. */
  private nudged = false;
  /** The last turn's batches were all full: more rows are probably waiting. */
  private backlogged = false;
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

  /** New rows were enqueued: an idle loop claims now instead of at the end of its poll interval. */
  nudge(): void {
    if (this.idle) {
      this.wake?.();
    } else {
      this.nudged = true;
    }
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
      let pause: Pause;
      this.nudged = false;
      try {
        pause = await this.turn();
      } catch (error) {
        this.logger.error({ msg: 'dispatch batch failed', target: this.target.name, error: (error as Error).message });
        pause = { ms: this.settings.pollIntervalMs, idle: false };
      }
      if (pause.idle && this.nudged) {
        continue;
      }
      if (pause.ms > 0) {
        this.idle = pause.idle;
        await this.pause(pause.ms);
        this.idle = false;
      }
    }
    this.logger.log({ msg: 'dispatch loop stopped', target: this.target.name });
  }

  /** One turn; returns how long to wait before the next, and whether new rows may cut that wait short. */
  private async turn(): Promise<Pause> {
    const now = Date.now();
    const allowance = await this.breaker.allowance(this.settings.batchSize, now);
    if (allowance === 0) {
      this.metrics.circuitSkipped.inc({ target: this.target.name });
      return {
        ms: Math.max(1, Math.min(this.settings.pollIntervalMs, this.breaker.openRemainingMs(now))),
        idle: false,
      };
    }
    if (now < this.notBefore) {
      return { ms: this.notBefore - now, idle: false };
    }
    // Behind a full batch there is a backlog: claim and send more batches at once (SKIP LOCKED keeps them apart),
    // so that the rate is not bounded by one batch's round trips. The breaker still sees every outcome.
    const batches = this.backlogged && allowance >= this.settings.batchSize ? BATCHES_IN_FLIGHT : 1;
    const results = await Promise.all(
      Array.from({ length: batches }, () => this.batches.dispatchBatch(this.target, allowance)),
    );
    let failed = false;
    for (const result of results) {
      if (result.sendFailed === true) {
        failed = true;
        await this.breaker.onSendFailed(Date.now());
      } else if (result.sendFailed === false) {
        await this.breaker.onSendSucceeded(Date.now());
      }
      if (result.retryAfterMs !== null) {
        this.notBefore = Math.max(this.notBefore, Date.now() + result.retryAfterMs);
      }
    }
    this.backlogged = !failed && results.every((result) => result.claimed >= allowance);
    if (failed) {
      return { ms: this.settings.pollIntervalMs, idle: false };
    }
    return { ms: this.backlogged ? 0 : this.settings.pollIntervalMs, idle: true };
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
