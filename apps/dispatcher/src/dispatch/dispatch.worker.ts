import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '@app/config';
import { DispatchCircuitRepository, OutboxNotifications } from '@app/entities';
import { DispatchMetrics } from '@app/observability';
import { DispatcherConfig } from '../dispatcher.config';
import { DISPATCH_TARGETS, DispatchTarget } from '../targets/dispatch-target';
import { DispatchBatchService } from './dispatch-batch.service';
import { DispatchLoop } from './dispatch-loop';
import { TargetBreaker } from './target-breaker';

/**
 * Runs one loop per enabled target from start-up until shutdown, when each finishes the batch in hand; the event
 * store's NOTIFY wakes idle loops.
 */
@Injectable()
export class DispatchWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DispatchWorker.name);
  private readonly loops: DispatchLoop[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: DispatcherConfig,
    @Inject(DISPATCH_TARGETS) private readonly targets: DispatchTarget[],
    private readonly batches: DispatchBatchService,
    private readonly circuits: DispatchCircuitRepository,
    private readonly metrics: DispatchMetrics,
    private readonly notifications: OutboxNotifications,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.targets.length === 0) {
      this.logger.warn({ msg: 'no dispatch target is enabled; set ANALYTICS_POSTHOG_ENABLED and its API key' });
    }
    const policy = {
      failureThreshold: this.config.DISPATCH_CIRCUIT_FAILURE_THRESHOLD,
      openDurationMs: this.config.DISPATCH_CIRCUIT_OPEN_DURATION,
    };
    for (const target of this.targets) {
      const breaker = new TargetBreaker(target.name, policy, this.metrics, this.circuits);
      const loop = new DispatchLoop(target, breaker, this.batches, this.metrics, {
        batchSize: this.config.DISPATCH_BATCH_SIZE,
        pollIntervalMs: this.config.DISPATCH_POLL_INTERVAL,
      });
      this.loops.push(loop);
      loop.start();
    }
    this.notifications.subscribe(() => this.loops.forEach((loop) => loop.nudge()));
    await this.notifications.listen();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }
}
