import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@app/config';
import { IngestRejectionReason, IngestRejectionRepository } from '@app/entities';
import { IngestConfig } from '../ingest-api.config';
import { RejectionTally } from './rejection-tally';

/** Distinct keys one replica holds between two flushes (runbook §9 wants the top ones, not every one). */
export const REJECTION_MAX_KEYS = 1_000;
const PRUNE_INTERVAL_MS = 60_000;
const SHUTDOWN_FLUSH_DEADLINE_MS = 1_000;

/**
 * Who and what ingest-api refused (runbook §9-1 and §9-2 step 1): counted in bounded memory on the request path,
 * flushed every INGEST_REJECTION_FLUSH_INTERVAL in one upsert, rows older than INGEST_REJECTION_RETENTION pruned.
 * A failed flush keeps its counts for the next one.
 */
@Injectable()
export class IngestRejections implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(IngestRejections.name);
  private readonly tally = new RejectionTally(REJECTION_MAX_KEYS);
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private lastPruneMs = 0;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rejections: IngestRejectionRepository,
  ) {}

  record(reason: IngestRejectionReason, callerKey: string, eventNames: readonly string[] = []): void {
    this.tally.record(reason, callerKey, eventNames);
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  /** A last flush, given up after a moment: a stalled database must not hold the shutdown. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer);
    }
    let deadline: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => {
      deadline = setTimeout(resolve, SHUTDOWN_FLUSH_DEADLINE_MS);
    });
    await Promise.race([(this.flushing ?? Promise.resolve()).then(() => this.flush()), giveUp]);
    clearTimeout(deadline);
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.flushing = this.flush().finally(() => {
        this.flushing = null;
        if (!this.stopped) {
          this.schedule();
        }
      });
    }, this.config.INGEST_REJECTION_FLUSH_INTERVAL);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    const taken = this.tally.take();
    try {
      await this.rejections.add(this.dataSource, taken);
    } catch (error) {
      this.tally.restore(taken);
      this.logger.warn({
        msg: 'ingest rejections not flushed; kept for the next flush',
        keys: this.tally.size,
        error: (error as Error).message,
      });
      return;
    }
    if (Date.now() - this.lastPruneMs >= PRUNE_INTERVAL_MS) {
      this.lastPruneMs = Date.now();
      await this.rejections
        .prune(this.dataSource, this.config.INGEST_REJECTION_RETENTION)
        .catch((error: Error) => this.logger.warn({ msg: 'ingest rejections not pruned', error: error.message }));
    }
  }
}
