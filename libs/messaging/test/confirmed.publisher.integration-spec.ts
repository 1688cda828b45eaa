import { brokerSchema, loadConfig } from '@app/config';
import { MqMetrics, MqProviderMetrics } from '@app/observability';
import { canonicalEvent, compileMetricGroups, createTestVhost, TestVhost } from '@app/testing';
import type { Channel, ChannelModel } from 'amqplib';
import { ConfirmedPublisher, PublishOutcome } from '../src/confirmed.publisher';
import { RabbitConnection } from '../src/rabbit.connection';
import { USER_ACTIVITY_EXCHANGE } from '../src/topology';

/** Routed to a queue that refuses every message, so the broker nacks it. */
const REFUSED_NAME = 'ui.refused.by.broker';
const OBSERVER_QUEUE = 'test.observer';

/**
 * amqplib queues a message's confirm callback before it encodes the message; when encoding threw, every later confirm
 * on the channel resolved the message before it: p took n's nack, n took b's ack, and b and c timed out.
 */
describe('ConfirmedPublisher with a message amqplib cannot encode', () => {
  let vhost: TestVhost;
  let inspector: { connection: ChannelModel; channel: Channel };
  let connection: RabbitConnection;
  let publisher: ConfirmedPublisher;

  beforeAll(async () => {
    vhost = await createTestVhost('confirmed_publisher');
    inspector = await vhost.connect();
    const { channel } = inspector;
    await channel.assertExchange(USER_ACTIVITY_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(OBSERVER_QUEUE, { durable: true });
    await channel.bindQueue(OBSERVER_QUEUE, USER_ACTIVITY_EXCHANGE, '#');
    await channel.assertQueue('test.refuses', {
      durable: true,
      arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
    });
    await channel.bindQueue('test.refuses', USER_ACTIVITY_EXCHANGE, REFUSED_NAME);
    const config = loadConfig(brokerSchema, { RABBITMQ_URL: vhost.url, MQ_PUBLISH_TIMEOUT: 'PT2S' });
    const metrics = await compileMetricGroups('messaging-test', [MqMetrics, MqProviderMetrics]);
    connection = new RabbitConnection(config, 'messaging-test', metrics.get(MqProviderMetrics));
    await connection.onModuleInit();
    publisher = new ConfirmedPublisher(connection, metrics.get(MqMetrics));
    await publisher.onApplicationBootstrap();
  });

  afterAll(async () => {
    await connection.onApplicationShutdown();
    await inspector.connection.close();
    await vhost.drop();
  });

  async function delivered(): Promise<string[]> {
    const ids: string[] = [];
    for (;;) {
      const message = await inspector.channel.get(OBSERVER_QUEUE, { noAck: true });
      if (!message) {
        return ids;
      }
      ids.push(message.properties.messageId as string);
    }
  }

  function verdicts(outcomes: PublishOutcome[]): Record<string, string> {
    return Object.fromEntries(
      outcomes.map((outcome) => [
        outcome.event.eventId,
        outcome.ok ? 'ok' : outcome.retryable ? 'failed' : 'unpublishable',
      ]),
    );
  }

  it('refuses it without touching the channel, and every later message keeps its own confirm', async () => {
    const a = canonicalEvent({ eventId: 'a' });
    const p = canonicalEvent({ eventId: '😀'.repeat(64) });
    const n = canonicalEvent({ eventId: 'n', eventName: REFUSED_NAME });
    const b = canonicalEvent({ eventId: 'b' });
    const q = canonicalEvent({ eventId: 'q', eventName: '가'.repeat(90) });
    const c = canonicalEvent({ eventId: 'c' });

    const first = await publisher.publishBatch([a, p, n, b]);
    const second = await publisher.publishBatch([q, c]);

    expect({ ...verdicts(first), ...verdicts(second) }).toEqual({
      a: 'ok',
      [p.eventId]: 'unpublishable',
      n: 'failed',
      b: 'ok',
      q: 'unpublishable',
      c: 'ok',
    });
    expect(first[1].error).toContain('messageId');
    expect(second[0].error).toContain('routing key');
    // The refusing queue makes the broker nack n, yet the observer's copy of it arrives; p and q never left.
    expect((await delivered()).sort()).toEqual(['a', 'b', 'c', 'n']);
  });
});
