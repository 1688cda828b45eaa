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
  /** A notification that came while the relay was busy; the next wait returns at once instead of losing it. */
  private missed = false;

  constructor(@Inject(APP_CONFIG) private readonly config: CoreConfig) {}

  async listen(): Promise<void> {
    if (this.stopped) {
      return;
    }
    const client = new Client({ connectionString: this.config.DATABASE_URL, application_name: 'outbox-relay-listen' });
    client.on('notification', () => this.notify());
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

  /** Resolves on the next notification (or at once if one came since the last wait) or after `timeoutMs`. */
  waitForNotification(timeoutMs: number): Promise<void> {
    if (this.missed) {
      this.missed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) {
          this.wake = null;
        }
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.wake = done;
    });
  }

  private notify(): void {
    if (this.wake) {
      this.wake();
    } else {
      this.missed = true;
    }
  }

  /** Ends a pending wait now, or the next one (used at shutdown). */
  interrupt(): void {
    this.notify();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }
}
