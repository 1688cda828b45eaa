import { FactoryProvider, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, CoreConfig } from '@app/config';
import { NotificationListener } from './notification-listener';

/** NOTIFY channel on which an ingest that inserted rows wakes the relays (delivered on commit). */
export const SOURCE_OUTBOX_CHANNEL = 'user_activity_source_outbox';

/** NOTIFY channel on which an enqueue that inserted rows wakes the dispatchers (delivered on commit). */
export const DISPATCH_OUTBOX_CHANNEL = 'user_activity_dispatch_outbox';

export type OutboxChannel = typeof SOURCE_OUTBOX_CHANNEL | typeof DISPATCH_OUTBOX_CHANNEL;

export interface OutboxNotificationsOptions {
  url: string;
  channel: OutboxChannel;
  /** Shown in `pg_stat_activity.application_name`. */
  applicationName: string;
}

/**
 * LISTENs for an outbox's NOTIFY on its own connection (re-made on failure) and wakes the loops that drain it: every
 * pending wait and every subscriber. The loops also poll, so a lost notification only costs one poll interval.
 */
export class OutboxNotifications implements OnApplicationShutdown {
  private readonly listener: NotificationListener;
  private readonly subscribers: (() => void)[] = [];
  private readonly waiters = new Set<() => void>();
  /** A notification that came while nobody waited (the loop was busy): the next wait returns at once, not losing it. */
  private missed = false;

  constructor(options: OutboxNotificationsOptions) {
    this.listener = new NotificationListener({ ...options, onNotification: () => this.notify() });
  }

  /** The instance of an app that drains the outbox behind `channel`, on the app's database. */
  static provider(channel: OutboxChannel, applicationName: string): FactoryProvider<OutboxNotifications> {
    return {
      provide: OutboxNotifications,
      inject: [APP_CONFIG],
      useFactory: (config: CoreConfig) =>
        new OutboxNotifications({ url: config.DATABASE_URL, channel, applicationName }),
    };
  }

  /** Connects and LISTENs; a failure is logged and retried in the background, never thrown. */
  async listen(): Promise<void> {
    await this.listener.start();
  }

  /** Calls `subscriber` on every notification from now on. */
  subscribe(subscriber: () => void): void {
    this.subscribers.push(subscriber);
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
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      // The poll interval alone must not keep a process alive that is otherwise done.
      timer.unref();
      this.waiters.add(done);
    });
  }

  /** Ends the pending waits now, or the next one (used at shutdown). */
  interrupt(): void {
    this.notify();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener.stop();
  }

  private notify(): void {
    this.subscribers.forEach((subscriber) => subscriber());
    if (this.waiters.size === 0) {
      this.missed = true;
      return;
    }
    [...this.waiters].forEach((wake) => wake());
  }
}
