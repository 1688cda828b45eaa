import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '@app/config';
import { DispatchOutboxRepository, DispatchTargetName } from '@app/entities';
import { DispatchMetrics } from '@app/observability';
import { DispatcherConfig } from '../dispatcher.config';
import { DISPATCH_TARGETS, DispatchTarget } from '../targets/dispatch-target';

/** Keeps the pending/failed gauges per target current with one backlog query per refresh, never two at once. */
@Injectable()
export class DispatchBacklogGauges implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DispatchBacklogGauges.name);
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: DispatcherConfig,
    @Inject(DISPATCH_TARGETS) private readonly targets: DispatchTarget[],
    private readonly outbox: DispatchOutboxRepository,
    private readonly metrics: DispatchMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.config.GAUGE_REFRESH_INTERVAL);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer !== null) {
      clearInterval(this.timer);
    }
    await this.refreshing;
  }

  async refresh(): Promise<void> {
    // Every known target, enabled or not: the rows of a disabled one wait and must still show.
    const names = new Set<string>([...Object.values(DispatchTargetName), ...this.targets.map((target) => target.name)]);
    for (const { target, pendingCount, failedCount } of await this.outbox.backlog([...names])) {
      this.metrics.pending.set({ target }, pendingCount);
      this.metrics.failed.set({ target }, failedCount);
    }
  }

  private tick(): void {
    if (this.refreshing !== null) {
      return;
    }
    this.refreshing = this.refresh()
      .catch((error: Error) => this.logger.warn({ msg: 'dispatch backlog gauges not refreshed', error: error.message }))
      .finally(() => {
        this.refreshing = null;
      });
  }
}
