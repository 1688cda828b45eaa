import { Logger } from '@nestjs/common';
import { Client } from 'pg';

export interface NotificationListenerOptions {
  url: string;
  /** The NOTIFY channel, a plain identifier. */
  channel: string;
  /** Shown in `pg_stat_activity.application_name`. */
  applicationName: string;
  onNotification: () => void;
}

/**
 * Idle time before the kernel starts probing the LISTEN socket. The connection only ever receives, so without
 * keepalive a peer that vanished (a failover, a dropped NAT entry) leaves it half-open and silent for good.
 */
export const LISTEN_KEEPALIVE_INITIAL_DELAY_MS = 10_000;
const RECONNECT_DELAY_MS = 1_000;

/**
 * LISTENs on one channel on a dedicated connection and re-makes the connection whenever it fails. Only the failing
 * connection is forgotten: an error that an already replaced connection reports late leaves the current one alone.
 */
export class NotificationListener {
  private readonly logger: Logger;
  private client: Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly options: NotificationListenerOptions) {
    this.logger = new Logger(`${NotificationListener.name}:${options.channel}`);
  }

  /** Connects and LISTENs; a failure is logged and retried in the background, never thrown. */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) {
      clearTimeout(this.retry);
    }
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.retry = null;
    if (this.stopped) {
      return;
    }
    const client = new Client({
      connectionString: this.options.url,
      application_name: this.options.applicationName,
      keepAlive: true,
      keepAliveInitialDelayMillis: LISTEN_KEEPALIVE_INITIAL_DELAY_MS,
    });
    let retired = false;
    const retire = (error: Error): void => {
      if (retired) {
        return;
      }
      retired = true;
      if (this.client === client) {
        this.client = null;
      }
      void client.end().catch(() => undefined);
      if (!this.stopped) {
        this.logger.warn({ msg: 'LISTEN connection lost; reconnecting (polling goes on)', error: error.message });
        this.retry = setTimeout(() => void this.connect(), RECONNECT_DELAY_MS);
        this.retry.unref();
      }
    };
    client.on('notification', () => this.options.onNotification());
    client.on('error', retire);
    client.on('end', () => retire(new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (error) {
      retire(error as Error);
      return;
    }
    if (retired) {
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }
}
