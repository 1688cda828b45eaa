import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import amqp, { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import { APP_CONFIG, APP_NAME, BrokerConfig, maskUrl } from '@app/config';
import { assertTopology } from './topology';

export class BrokerUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    super(
      `RabbitMQ is unreachable at ${maskUrl(url)} (${cause instanceof Error ? cause.message : String(cause)}); ` +
        'start it (rabbitmq-server -detached, or docker compose up rabbitmq) or set RABBITMQ_URL',
    );
    this.name = BrokerUnreachableError.name;
  }
}

type ChannelSetup = (channel: ConfirmChannel) => Promise<void>;

/**
 * One AMQP connection per app that reconnects by itself; channels re-run their setup (topology, consumers)
 * after every reconnect. With MQ_PROVIDER=none it never connects.
 */
@Injectable()
export class RabbitConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RabbitConnection.name);
  private manager: AmqpConnectionManager | null = null;
  private readonly channels: ChannelWrapper[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: BrokerConfig,
    @Inject(APP_NAME) private readonly appName: string,
  ) {}

  get enabled(): boolean {
    return this.config.MQ_PROVIDER !== 'none';
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled) {
      return;
    }
    const manager = amqp.connect([this.config.RABBITMQ_URL], {
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: 1,
      connectionOptions: { clientProperties: { connection_name: this.appName } },
    });
    manager.on('disconnect', ({ err }: { err?: Error }) =>
      this.logger.warn({ msg: 'RabbitMQ connection lost; reconnecting', error: err?.message }),
    );
    manager.on('connect', () => this.logger.log({ msg: 'RabbitMQ connected', url: maskUrl(this.config.RABBITMQ_URL) }));
    this.manager = manager;
    try {
      await manager.connect({ timeout: 5_000 });
    } catch (error) {
      await manager.close();
      this.manager = null;
      throw new BrokerUnreachableError(this.config.RABBITMQ_URL, error);
    }
  }

  isConnected(): boolean {
    return this.manager?.isConnected() ?? false;
  }

  /** A confirm channel whose setup asserts the topology and then runs `setup` (consumers), on every reconnect. */
  async createChannel(name: string, setup?: ChannelSetup): Promise<ChannelWrapper> {
    if (!this.manager) {
      throw new Error('RabbitMQ is disabled (MQ_PROVIDER=none) or not connected yet');
    }
    const channel = this.manager.createChannel({
      name,
      confirm: true,
      publishTimeout: this.config.MQ_PUBLISH_TIMEOUT,
      setup: async (confirmChannel: ConfirmChannel) => {
        await assertTopology(confirmChannel);
        await setup?.(confirmChannel);
      },
    });
    channel.on('error', (error: Error) =>
      this.logger.warn({ msg: 'RabbitMQ channel error', channel: name, error: error.message }),
    );
    this.channels.push(channel);
    await channel.waitForConnect();
    return channel;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.channels.map((channel) => channel.close()));
    await this.manager?.close();
  }
}
