import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, RelayConfig } from '@app/config';
import { SourceOutboxRepository } from '@app/entities';
import { RetryPolicy, SourceOutboxPublisher } from '@app/messaging';
import { LogSignals, signalLog } from '@app/metrics';
import { OutboxNotifications } from './outbox-notifications';

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
    while (!this.stopping) {
      try {
        const claimed = await this.relayBatch();
        failures = 0;
        if (claimed < this.config.RELAY_BATCH_SIZE || this.config.MQ_PROVIDER === 'none') {
          await this.notifications.waitForNotification(this.config.RELAY_POLL_INTERVAL);
        }
      } catch (error) {
        failures += 1;
        this.logger.warn({ msg: 'relay batch failed; will retry', error: (error as Error).message, failures });
        await this.notifications.waitForNotification(Math.min(this.config.RELAY_POLL_INTERVAL * failures, 10_000));
      }
    }
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
