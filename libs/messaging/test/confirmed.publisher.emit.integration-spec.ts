import { brokerSchema, loadConfig } from '@app/config';
import { MqMetrics, MqProviderMetrics } from '@app/observability';
import { canonicalEvent, compileMetricGroups, createTestVhost, TestVhost } from '@app/testing';
import type { Channel, ChannelModel } from 'amqplib';
import { lastValueFrom } from 'rxjs';
import { ConfirmedPublisher, UnroutableMessageError } from '../src/confirmed.publisher';
import { RabbitConnection } from '../src/rabbit.connection';
import { EVENT_STORE_QUEUE, USER_ACTIVITY_EXCHANGE } from '../src/topology';

const ROUTED_NAME = 'ui.routed';
const OBSERVER_QUEUE = 'test.observer';

describe('ConfirmedPublisher.emit, one event through Nest’s client API', () => {
  let vhost: TestVhost;
  let inspector: { connection: ChannelModel; channel: Channel };
  let connection: RabbitConnection;
  let publisher: ConfirmedPublisher;

  beforeAll(async () => {
    vhost = await createTestVhost('confirmed_emit');
    inspector = await vhost.connect();
    const { channel } = inspector;
    await channel.assertExchange(USER_ACTIVITY_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(OBSERVER_QUEUE, { durable: true });
    await channel.bindQueue(OBSERVER_QUEUE, USER_ACTIVITY_EXCHANGE, ROUTED_NAME);
    const config = loadConfig(brokerSchema, { RABBITMQ_URL: vhost.url, MQ_PUBLISH_TIMEOUT: 'PT2S' });
    const metrics = await compileMetricGroups('messaging-test', [MqMetrics, MqProviderMetrics]);
    connection = new RabbitConnection(config, 'messaging-test', metrics.get(MqProviderMetrics));
    await connection.onModuleInit();
    publisher = new ConfirmedPublisher(connection, metrics.get(MqMetrics));
    await publisher.onApplicationBootstrap();
    // The topology asserted at connect binds the event-store queue to every routing key.
    await channel.unbindQueue(EVENT_STORE_QUEUE, USER_ACTIVITY_EXCHANGE, '#');
  });

  afterAll(async () => {
    await connection.onApplicationShutdown();
    await inspector.connection.close();
    await vhost.drop();
  });

  it('completes once the broker confirmed a routed event, which arrives persistent', async () => {
    const event = canonicalEvent({ eventName: ROUTED_NAME });

    await lastValueFrom(publisher.emit(event.eventName, event), { defaultValue: undefined });

    const message = await inspector.channel.get(OBSERVER_QUEUE, { noAck: true });
    expect(message && { id: message.properties.messageId as string, mode: message.properties.deliveryMode }).toEqual({
      id: event.eventId,
      mode: 2,
    });
  });

  it('errors when the broker returns the event as unroutable, although it acks it', async () => {
    const event = canonicalEvent({ eventName: 'ui.nobody.listens' });

    await expect(lastValueFrom(publisher.emit(event.eventName, event))).rejects.toThrow(
      new UnroutableMessageError('ui.nobody.listens'),
    );
  });

  it('refuses a pattern other than the event name, which is the routing key, and publishes nothing', async () => {
    const event = canonicalEvent({ eventName: ROUTED_NAME });

    await expect(lastValueFrom(publisher.emit('ui.other.name', event))).rejects.toThrow('the pattern must be');
    expect(await inspector.channel.get(OBSERVER_QUEUE, { noAck: true })).toBe(false);
  });
});
