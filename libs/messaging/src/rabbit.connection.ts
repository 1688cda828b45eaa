import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import amqp, { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import { APP_CONFIG, APP_NAME, BrokerConfig, maskUrl } from '@app/config';
import { MqProviderMetrics } from '@app/observability';
import { assertTopology } from './topology';

/**
 * Whether an app needs RabbitMQ to start: `required` (the relay, the consumer) fails start-up when the broker is
 * unreachable; `optional` (admin-api, whose read endpoints need only PostgreSQL) starts anyway and connects when the
 * broker comes up, meanwhile refusing what needs it.
 */
export type BrokerAtStart = 'required' | 'optional';

export const BROKER_AT_START = Symbol('BROKER_AT_START');

/** How long an app that does not need the broker to start waits for it before starting without it. */
const OPTIONAL_CONNECT_WAIT_MS = 2_000;

/** RabbitMQ is not connected right now (unreachable, or not yet reconnected). */
export class BrokerUnavailableError extends Error {
  constructor() {
    super('RabbitMQ is not connected');
    this.name = BrokerUnavailableError.name;
  }
}

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
    private readonly providerMetrics: MqProviderMetrics,
    @Optional() @Inject(BROKER_AT_START) private readonly atStart: BrokerAtStart = 'required',
  ) {}

  get enabled(): boolean {
    return this.config.MQ_PROVIDER !== 'none';
  }

  async onModuleInit(): Promise<void> {
    this.providerMetrics.info.set({ provider: this.config.MQ_PROVIDER }, 1);
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
    if (this.atStart === 'optional') {
      // A reachable broker is connected before the app serves; an unreachable one is retried in the background.
      try {
        await manager.connect({ timeout: OPTIONAL_CONNECT_WAIT_MS });
      } catch (error) {
        this.logger.warn({
          msg: 'RabbitMQ unreachable; starting without it and reconnecting in the background',
          url: maskUrl(this.config.RABBITMQ_URL),
          error: (error as Error).message,
        });
      }
      return;
    }
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

  /**
   * A confirm channel whose setup asserts the topology and then runs `setup` (consumers), on every reconnect. With
   * the broker optional at start and not connected, it returns before the channel is open.
   */
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
    if (this.atStart === 'required' || this.isConnected()) {
      await channel.waitForConnect();
    }
    return channel;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.channels.map((channel) => channel.close()));
    await this.manager?.close();
  }
}
