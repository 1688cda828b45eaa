import type { Message } from 'amqplib';
import { deadLetterView, freshCopyOptions } from './delivered-message';

function message(headers: Record<string, unknown>, properties: Record<string, unknown> = {}): Message {
  return {
    content: Buffer.from('{}'),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'domain.user.activity', routingKey: 'ui.page.viewed' },
    properties: { headers, ...properties },
  } as unknown as Message;
}

// As amqplib decodes a message RabbitMQ dead-lettered twice: the newest death first, timestamps in seconds.
const TWICE_DEAD = {
  'x-first-death-reason': 'rejected',
  'x-first-death-queue': 'domain.user.activity.event-store',
  'x-first-death-exchange': 'domain.user.activity',
  'x-death': [
    {
      count: 1,
      reason: 'delivery_limit',
      queue: 'domain.user.activity.event-store',
      time: { '!': 'timestamp', value: 1_764_470_000 },
    },
    {
      count: 2,
      reason: 'rejected',
      queue: 'domain.user.activity.event-store',
      time: { '!': 'timestamp', value: 1_764_460_000 },
    },
  ],
};

describe('a dead-lettered message as the DLQ listing shows it', () => {
  it('reads the first death, its time and every death from the x-death headers', () => {
    expect(deadLetterView(message({ ...TWICE_DEAD, eventName: 'ui.page.viewed' }, { messageId: 'e-1' }))).toEqual({
      messageId: 'e-1',
      eventName: 'ui.page.viewed',
      reason: 'rejected',
      queue: 'domain.user.activity.event-store',
      firstDeathAt: new Date(1_764_460_000_000).toISOString(),
      deathCount: 3,
    });
  });

  it('falls back to the oldest x-death entry, the AMQP type and the routing key', () => {
    const { 'x-death': deaths } = TWICE_DEAD;
    expect(deadLetterView(message({ 'x-death': deaths }, { type: 'ui.tab.changed' }))).toMatchObject({
      messageId: null,
      eventName: 'ui.tab.changed',
      reason: 'rejected',
    });
    expect(deadLetterView(message({}))).toEqual({
      messageId: null,
      eventName: 'ui.page.viewed',
      reason: null,
      queue: null,
      firstDeathAt: null,
      deathCount: 0,
    });
  });

  it('copies a message without its delivery count, keeping its history', () => {
    const options = freshCopyOptions(
      message({ ...TWICE_DEAD, 'x-delivery-count': 7 }, { messageId: 'e-1', deliveryMode: 2 }).properties,
    );
    expect(options).toEqual({ headers: TWICE_DEAD, messageId: 'e-1', deliveryMode: 2 });
  });
});
