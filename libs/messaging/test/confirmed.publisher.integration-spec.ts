import { canonicalEvent } from '@app/testing';
import { ConfirmedPublisher, PublishOutcome } from '../src/confirmed.publisher';
import { USER_ACTIVITY_EXCHANGE } from '../src/topology';
import { OBSERVER_QUEUE, PublisherFixture, startPublisher } from './publisher.fixture';

/** Routed to a queue that refuses every message, so the broker nacks it. */
const REFUSED_NAME = 'ui.refused.by.broker';

/**
 * amqplib queues a message's confirm callback before it encodes the message; when encoding threw, every later confirm
 * on the channel resolved the message before it: p took n's nack, n took b's ack, and b and c timed out.
 */
describe('ConfirmedPublisher with a message amqplib cannot encode', () => {
  let fixture: PublisherFixture;
  let inspector: PublisherFixture['inspector'];
  let publisher: ConfirmedPublisher;

  beforeAll(async () => {
    fixture = await startPublisher('confirmed_publisher', async (channel) => {
      await channel.bindQueue(OBSERVER_QUEUE, USER_ACTIVITY_EXCHANGE, '#');
      await channel.assertQueue('test.refuses', {
        durable: true,
        arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
      });
      await channel.bindQueue('test.refuses', USER_ACTIVITY_EXCHANGE, REFUSED_NAME);
    });
    ({ inspector, publisher } = fixture);
  });

  afterAll(async () => {
    await fixture?.close();
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
