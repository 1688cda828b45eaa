import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, CoreConfig } from '@app/config';
import { DISPATCH_OUTBOX_CHANNEL, NotificationListener } from '@app/entities';

/**
 * LISTENs on its own connection for the event store's NOTIFY (sent when a commit enqueued dispatch rows) and calls
 * the subscribers; reconnects on failure. The loops also poll, so a lost notification only costs a poll interval.
 */
@Injectable()
export class DispatchNotifications implements OnApplicationShutdown {
  private readonly subscribers: (() => void)[] = [];
  private readonly listener: NotificationListener;

  constructor(@Inject(APP_CONFIG) config: CoreConfig) {
    this.listener = new NotificationListener({
      url: config.DATABASE_URL,
      channel: DISPATCH_OUTBOX_CHANNEL,
      applicationName: 'dispatcher-listen',
      onNotification: () => this.subscribers.forEach((subscriber) => subscriber()),
    });
  }

  subscribe(subscriber: () => void): void {
    this.subscribers.push(subscriber);
  }

  async listen(): Promise<void> {
    await this.listener.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener.stop();
  }
}
