import type { ConsumeMessage } from 'amqplib';
import { ChannelLease, Delivery } from '@app/messaging';
import { canonicalEvent } from '@app/testing';
import { parseEventBatch } from './event-batch.parser';

const lease = {} as ChannelLease;

function delivery(body: string, messageId?: string): Delivery {
  const message = { content: Buffer.from(body), fields: {}, properties: { messageId } } as unknown as ConsumeMessage;
  return { message, receivedAt: 0, channel: lease };
}

describe('parseEventBatch', () => {
  it('keeps the first copy of an event id and marks later copies in the batch as repeats', () => {
    const event = canonicalEvent();
    const other = canonicalEvent();
    const batch = [delivery(JSON.stringify(event)), delivery(JSON.stringify(other)), delivery(JSON.stringify(event))];

    const parsed = parseEventBatch(batch);

    expect(parsed.valid.map((v) => v.event.eventId)).toEqual([event.eventId, other.eventId]);
    expect(parsed.repeated.map((v) => v.delivery)).toEqual([batch[2]]);
    expect(parsed.rejected).toEqual([]);
  });

  it('rejects a body that is not JSON, naming the message id', () => {
    const [rejected] = parseEventBatch([delivery('{not json', 'm-1')]).rejected;

    expect(rejected).toMatchObject({ messageId: 'm-1', eventName: null, reason: expect.stringMatching(/not JSON/) });
  });

  it('rejects an envelope that fails validation, falling back to the body for ids when the message has none', () => {
    const body = JSON.stringify({ ...canonicalEvent({ eventId: 'e-7', eventName: 'ui.tab.changed' }), source: 'APP' });

    const [rejected] = parseEventBatch([delivery(body)]).rejected;

    expect(rejected).toMatchObject({
      messageId: 'e-7',
      eventName: 'ui.tab.changed',
      reason: expect.stringMatching(/source/),
    });
  });

  it('names a message with no id at all "unknown"', () => {
    expect(parseEventBatch([delivery('42')]).rejected[0].messageId).toBe('unknown');
  });

  it.each([
    ['null', 'null', undefined],
    ['an empty message id and an empty eventId', JSON.stringify({ eventId: '', eventName: '' }), ''],
    ['a numeric eventId and eventName', JSON.stringify({ eventId: 7, eventName: 8 }), undefined],
  ])('names a message "unknown", with no event name, when the body has %s', (_label, body, messageId) => {
    expect(parseEventBatch([delivery(body, messageId)]).rejected).toEqual([
      expect.objectContaining({ messageId: 'unknown', eventName: null }),
    ]);
  });
});
