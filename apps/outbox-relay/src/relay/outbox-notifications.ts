import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { APP_CONFIG, CoreConfig } from '@app/config';
import { SOURCE_OUTBOX_CHANNEL } from '@app/entities';

/**
 * LISTENs for ingest-api's NOTIFY on its own connection and wakes the relay; reconnects on failure. The relay
 * also polls, so a lost notification only costs one poll interval.
 */
@Injectable()
export class OutboxNotifications implements OnApplicationShutdown {
  private readonly logger = new Logger(OutboxNotifications.name);
  private client: Client | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: CoreConfig) {}

  async listen(): Promise<void> {
    if (this.stopped) {
      return;
    }
    const client = new Client({ connectionString: this.config.DATABASE_URL, application_name: 'outbox-relay-listen' });
    client.on('notification', () => this.wake?.());
    client.on('error', (error: Error) => {
      this.logger.warn({ msg: 'LISTEN connection lost; relay keeps polling', error: error.message });
      void client.end().catch(() => undefined);
      this.client = null;
      setTimeout(() => void this.listen().catch(() => undefined), 1_000);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${SOURCE_OUTBOX_CHANNEL}`);
      this.client = client;
    } catch (error) {
      this.logger.warn({ msg: 'LISTEN failed; retrying', error: (error as Error).message });
      await client.end().catch(() => undefined);
      setTimeout(() => void this.listen().catch(() => undefined), 1_000);
    }
  }

  /** Resolves on the next notification or after `timeoutMs`, whichever comes first. */
  waitForNotification(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const wake = () => done();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = wake;
    });
  }

  /** Ends a pending wait now (used at shutdown). */
  interrupt(): void {
    this.wake?.();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }
}
