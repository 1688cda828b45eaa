import { brokerSchema, loadConfig } from '@app/config';
import { MqMetrics, MqProviderMetrics } from '@app/observability';
import { compileMetricGroups, createTestVhost, TestVhost } from '@app/testing';
import type { Channel, ChannelModel } from 'amqplib';
import { ConfirmedPublisher } from '../src/confirmed.publisher';
import { RabbitConnection } from '../src/rabbit.connection';
import { USER_ACTIVITY_EXCHANGE } from '../src/topology';

/** A queue the tests read what was published from, bound to the routing keys each spec chooses. */
export const OBSERVER_QUEUE = 'test.observer';

export interface PublisherFixture {
  vhost: TestVhost;
  /** A plain channel of the test's own, to bind queues and read messages. */
  inspector: { connection: ChannelModel; channel: Channel };
  connection: RabbitConnection;
  publisher: ConfirmedPublisher;
  close(): Promise<void>;
}

/**
 * A ConfirmedPublisher on its own vhost, as an app starts it. `prepare` declares the spec's queues and bindings on the
 * exchange before the publisher connects.
 */
export async function startPublisher(
  label: string,
  prepare: (channel: Channel) => Promise<unknown>,
): Promise<PublisherFixture> {
  const vhost = await createTestVhost(label);
  const inspector = await vhost.connect();
  const { channel } = inspector;
  await channel.assertExchange(USER_ACTIVITY_EXCHANGE, 'topic', { durable: true });
  await channel.assertQueue(OBSERVER_QUEUE, { durable: true });
  await prepare(channel);
  const config = loadConfig(brokerSchema, { RABBITMQ_URL: vhost.url, MQ_PUBLISH_TIMEOUT: 'PT2S' });
  const metrics = await compileMetricGroups('messaging-test', [MqMetrics, MqProviderMetrics]);
  const connection = new RabbitConnection(config, 'messaging-test', metrics.get(MqProviderMetrics));
  await connection.onModuleInit();
  const publisher = new ConfirmedPublisher(connection, metrics.get(MqMetrics));
  await publisher.onApplicationBootstrap();
  return {
    vhost,
    inspector,
    connection,
    publisher,
    async close() {
      await connection.onApplicationShutdown();
      await inspector.connection.close();
      await vhost.drop();
    },
  };
}
