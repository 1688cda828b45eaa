import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, CoreConfig } from '@app/config';
import { NotificationListener, SOURCE_OUTBOX_CHANNEL } from '@app/entities';

/**
 * LISTENs for ingest-api's NOTIFY on its own connection and wakes the relay; reconnects on failure. The relay
 * also polls, so a lost notification only costs one poll interval.
 */
@Injectable()
export class OutboxNotifications implements OnApplicationShutdown {
  private readonly listener: NotificationListener;
  private wake: (() => void) | null = null;
  /** A notification that came while the relay was busy; the next wait returns at once instead of losing it. */
  private missed = false;

  constructor(@Inject(APP_CONFIG) config: CoreConfig) {
    this.listener = new NotificationListener({
      url: config.DATABASE_URL,
      channel: SOURCE_OUTBOX_CHANNEL,
      applicationName: 'outbox-relay-listen',
      onNotification: () => this.notify(),
    });
  }

  async listen(): Promise<void> {
    await this.listener.start();
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
    await this.listener.stop();
  }
}
