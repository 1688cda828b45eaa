import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '@app/config';
import { SourceOutboxRepository } from '@app/entities';
import { SourceOutboxBacklogMetrics } from '@app/observability';
import { RelayConfig } from '../outbox-relay.config';

/**
 * Refreshes the source outbox gauges from one backlog query every GAUGE_REFRESH_INTERVAL; a refresh still running
 * when the next is due is left to finish and that tick skipped. `published` is an estimate (see `estimateSent`).
 */
@Injectable()
export class SourceOutboxGauges implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SourceOutboxGauges.name);
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: RelayConfig,
    private readonly outbox: SourceOutboxRepository,
    private readonly metrics: SourceOutboxBacklogMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.config.GAUGE_REFRESH_INTERVAL);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
    }
    await this.refreshing;
  }

  private tick(): void {
    if (this.refreshing !== null) {
      return;
    }
    this.refreshing = this.refresh().finally(() => {
      this.refreshing = null;
    });
  }

  async refresh(): Promise<void> {
    try {
      const summary = await this.outbox.backlog();
      this.metrics.pending.set(summary.pendingCount);
      this.metrics.failed.set(summary.failedCount);
      this.metrics.published.set(summary.publishedCount);
      const oldest = summary.oldestPendingAt ? (Date.now() - Date.parse(summary.oldestPendingAt)) / 1000 : 0;
      this.metrics.oldestPendingAge.set(Math.max(0, oldest));
    } catch (error) {
      this.logger.warn({ msg: 'source outbox gauge refresh failed', error: (error as Error).message });
    }
  }
}
