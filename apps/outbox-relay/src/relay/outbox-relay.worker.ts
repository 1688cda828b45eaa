import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@app/config';
import { BATCHES_IN_FLIGHT, OutboxNotifications, SourceOutboxRepository } from '@app/entities';
import { RetryPolicy, SourceOutboxPublisher } from '@app/messaging';
import { LogSignals, signalLog } from '@app/observability';
import { RelayConfig } from '../outbox-relay.config';

/**
 * The relay loop (DESIGN §5): claim due rows with SKIP LOCKED, publish them with pipelined confirms, record each
 * outcome, all in one transaction. A full batch loops at once; otherwise it waits for NOTIFY or the poll interval.
 */
@Injectable()
export class OutboxRelayWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelayWorker.name);
  private readonly policy: RetryPolicy;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: RelayConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: SourceOutboxRepository,
    private readonly publisher: SourceOutboxPublisher,
    private readonly notifications: OutboxNotifications,
  ) {
    this.policy = {
      baseDelayMs: config.RELAY_RETRY_BASE_DELAY,
      maxDelayMs: config.RELAY_RETRY_MAX_DELAY,
      maxRetries: config.RELAY_MAX_RETRIES,
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.notifications.listen();
    this.running = this.loop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.notifications.interrupt();
    await this.running;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    let backlogged = false;
    while (!this.stopping) {
      try {
        // Behind a full batch there is a backlog: relay more batches at once (SKIP LOCKED keeps them apart), so that
        // the rate is not bounded by one batch's round trips to PostgreSQL and RabbitMQ.
        const claimed = await this.relayBatches(backlogged ? BATCHES_IN_FLIGHT : 1);
        failures = 0;
        backlogged =
          this.config.MQ_PROVIDER !== 'none' && claimed.every((count) => count >= this.config.RELAY_BATCH_SIZE);
        if (!backlogged) {
          await this.notifications.waitForNotification(this.config.RELAY_POLL_INTERVAL);
        }
      } catch (error) {
        backlogged = false;
        failures += 1;
        this.logger.warn({ msg: 'relay batch failed; will retry', error: (error as Error).message, failures });
        await this.notifications.waitForNotification(Math.min(this.config.RELAY_POLL_INTERVAL * failures, 10_000));
      }
    }
  }

  /** `count` batches at once; every one has settled when this returns or throws (the first error). */
  private async relayBatches(count: number): Promise<number[]> {
    const settled = await Promise.allSettled(Array.from({ length: count }, () => this.relayBatch()));
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) {
      throw failed.reason;
    }
    return settled.map((result) => (result as PromiseFulfilledResult<number>).value);
  }

  /** One batch in one transaction; returns how many rows it claimed. */
  async relayBatch(): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      const rows = await this.outbox.claimDue(tx, this.config.RELAY_BATCH_SIZE);
      if (rows.length === 0) {
        return 0;
      }
      if (this.config.MQ_PROVIDER === 'none') {
        this.logger.warn(signalLog(LogSignals.mqProviderNone, { count: rows.length }));
        return rows.length;
      }
      await this.publisher.publishClaimed(tx, rows, this.policy);
      return rows.length;
    });
  }
}
