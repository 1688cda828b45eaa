import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '@app/config';
import { RetentionRepository, RetentionTable } from '@app/entities';
import { RelayConfig } from '../outbox-relay.config';

const BATCH = 1_000;

/** Every RETENTION_INTERVAL, trims the outboxes and the trace log so they stay small under constant load. */
@Injectable()
export class RetentionWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionWorker.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: RelayConfig,
    private readonly retention: RetentionRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.RETENTION_INTERVAL);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) {
      clearInterval(this.timer);
    }
    await this.running;
  }

  /** A run still going when the interval comes round is left to finish; the tick is skipped, never queued. */
  private tick(): void {
    if (this.running !== null) {
      return;
    }
    this.running = this.runOnce().then(() => {
      this.running = null;
    });
  }

  async runOnce(): Promise<Record<RetentionTable, number>> {
    const deleted: Record<RetentionTable, number> = { sourceOutbox: 0, dispatchOutbox: 0, traces: 0 };
    const plan: [RetentionTable, number][] = [
      ['sourceOutbox', this.config.OUTBOX_RETENTION],
      ['dispatchOutbox', this.config.OUTBOX_RETENTION],
      ['traces', this.config.MQ_TRACE_RETENTION],
    ];
    try {
      for (const [table, retentionMs] of plan) {
        let batch: number | null = BATCH;
        while (batch === BATCH && !this.stopping) {
          batch = await this.retention.deleteBatch(table, retentionMs, BATCH);
          deleted[table] += batch ?? 0;
        }
      }
      if (deleted.sourceOutbox + deleted.dispatchOutbox + deleted.traces > 0) {
        this.logger.log({ msg: 'retention deleted old rows', ...deleted });
      }
    } catch (error) {
      this.logger.warn({ msg: 'retention run failed; next interval retries', error: (error as Error).message });
    }
    return deleted;
  }
}
