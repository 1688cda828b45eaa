import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { IngestOutcomeTally, IngestRequestOutcomeRepository } from '@app/entities';
import { IngestMetrics, IngestRequestResult, IngestRoute, IngestSource } from '@app/observability';

const FLUSH_INTERVAL_MS = 1_000;
const RETENTION_INTERVAL_MS = 60 * 60 * 1_000;
const SHUTDOWN_FLUSH_DEADLINE_MS = 1_000;

/**
 * Counts each ingest request by outcome in the metrics and in memory, and adds the memory to the shared table every
 * second (one statement per flush, none while idle): admin-api reads a window's 429 and not-allowed share from there.
 * A failed flush keeps its tallies for the next one.
 */
@Injectable()
export class IngestOutcomes implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(IngestOutcomes.name);
  private tallies = new Map<string, IngestOutcomeTally>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private lastRetentionAt = 0;

  constructor(
    private readonly metrics: IngestMetrics,
    private readonly outcomes: IngestRequestOutcomeRepository,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * A last flush before the pool closes (TypeORM closes it in its own shutdown hook), given up after a moment as in
   * IngestRejections: a stalled database must not hold the shutdown.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer !== null) {
      clearInterval(this.timer);
    }
    let deadline: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => {
      deadline = setTimeout(resolve, SHUTDOWN_FLUSH_DEADLINE_MS);
    });
    await Promise.race([this.flush(), giveUp]);
    clearTimeout(deadline);
  }

  request(result: IngestRequestResult, source: IngestSource, route: IngestRoute): void {
    this.metrics.requests.inc({ result, source, route });
    this.tally(result).requests += 1;
  }

  /** New events an accepted request added to the source outbox. */
  eventsAdded(count: number): void {
    this.tally('accepted').events += count;
  }

  private tally(result: string): IngestOutcomeTally {
    let tally = this.tallies.get(result);
    if (tally === undefined) {
      tally = { result, requests: 0, events: 0 };
      this.tallies.set(result, tally);
    }
    return tally;
  }

  private async flush(): Promise<void> {
    if (this.flushing !== null) {
      return this.flushing;
    }
    this.flushing = this.write().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.tallies.size > 0) {
      const taken = [...this.tallies.values()];
      this.tallies = new Map();
      try {
        await this.outcomes.add(taken);
      } catch (error) {
        for (const tally of taken) {
          this.tally(tally.result).requests += tally.requests;
          this.tally(tally.result).events += tally.events;
        }
        this.logger.warn({ msg: 'ingest outcome counts not written; kept for the next flush', error: String(error) });
      }
    }
    if (Date.now() - this.lastRetentionAt >= RETENTION_INTERVAL_MS) {
      this.lastRetentionAt = Date.now();
      await this.outcomes.deleteExpired().catch((error: unknown) => {
        this.logger.warn({ msg: 'expired ingest outcome counts not deleted', error: String(error) });
      });
    }
  }
}
