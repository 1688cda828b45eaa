import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { APP_CONFIG, CoreConfig } from '@app/config';
import { DISPATCH_OUTBOX_CHANNEL } from '@app/entities';

/**
 * LISTENs on its own connection for the event store's NOTIFY (sent when a commit enqueued dispatch rows) and calls
 * the subscribers; reconnects on failure. The loops also poll, so a lost notification only costs a poll interval.
 */
@Injectable()
export class DispatchNotifications implements OnApplicationShutdown {
  private readonly logger = new Logger(DispatchNotifications.name);
  private readonly subscribers: (() => void)[] = [];
  private client: Client | null = null;
  private stopped = false;

  constructor(@Inject(APP_CONFIG) private readonly config: CoreConfig) {}

  subscribe(subscriber: () => void): void {
    this.subscribers.push(subscriber);
  }

  async listen(): Promise<void> {
    if (this.stopped) {
      return;
    }
    const client = new Client({ connectionString: this.config.DATABASE_URL, application_name: 'dispatcher-listen' });
    client.on('notification', () => this.subscribers.forEach((subscriber) => subscriber()));
    client.on('error', (error: Error) => {
      this.logger.warn({ msg: 'LISTEN connection lost; dispatcher keeps polling', error: error.message });
      void client.end().catch(() => undefined);
      this.client = null;
      this.retryLater();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${DISPATCH_OUTBOX_CHANNEL}`);
      this.client = client;
    } catch (error) {
      this.logger.warn({ msg: 'LISTEN failed; retrying', error: (error as Error).message });
      await client.end().catch(() => undefined);
      this.retryLater();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }

  private retryLater(): void {
    setTimeout(() => void this.listen().catch(() => undefined), 1_000).unref();
  }
}
