import { CanonicalEvent } from '@app/entities';
import { LogSignals } from '@app/observability';
import { BootedApp, canonicalEvent, waitFor } from '@app/testing';
import {
  EVENT_STORE_DLQ,
  EVENT_STORE_QUEUE,
  eventMessage,
  EventStoreHarness,
  RawMessage,
  metricValue,
  startEventStoreHarness,
} from './event-store.harness';

interface Poison {
  messageId: string;
  body: string;
}

function poisonMessages(): Poison[] {
  const valid = (overrides: Record<string, unknown>) => JSON.stringify({ ...canonicalEvent(), ...overrides });
  return [
    { messageId: 'poison-not-json', body: '{"eventId": "oops' },
    { messageId: 'poison-plain-text', body: 'hello' },
    { messageId: 'poison-array', body: JSON.stringify([canonicalEvent()]) },
    { messageId: 'poison-null', body: 'null' },
    { messageId: 'poison-no-event-id', body: valid({ eventId: undefined }) },
    { messageId: 'poison-blank-name', body: valid({ eventName: '  ' }) },
    { messageId: 'poison-bad-source', body: valid({ source: 'BROWSER' }) },
    { messageId: 'poison-bad-occurred-at', body: valid({ occurredAt: 'yesterday' }) },
    { messageId: 'poison-member-id-text', body: valid({ memberId: 'abc' }) },
    { messageId: 'poison-long-id', body: valid({ eventId: 'x'.repeat(65) }) },
  ];
}

describe('event-store-consumer dead-letters poison messages without holding back the good ones', () => {
  let harness: EventStoreHarness;
  let consumer: BootedApp;

  beforeAll(async () => {
    harness = await startEventStoreHarness('store_poison');
    consumer = await harness.startConsumer();
  });

  afterAll(async () => {
    await harness.close();
  });

  it('stores the 100 good events and moves exactly the 10 poison messages to the DLQ with CONSUME_FAIL and DEAD_LETTER traces', async () => {
    const good = Array.from({ length: 100 }, () => canonicalEvent());
    const poison = poisonMessages();
    const messages: RawMessage[] = [];
    good.forEach((event, i) => {
      messages.push(eventMessage(event));
      if (i % 10 === 5) {
        const { messageId, body } = poison[(i - 5) / 10];
        messages.push({ body, routingKey: 'ui.page.viewed', options: { messageId } });
      }
    });
    await harness.publishRaw(messages);

    const ids = good.map((event) => event.eventId);
    await waitFor(
      '100 good events stored',
      () => harness.storedCount(ids),
      (count) => count === 100,
    );
    await waitFor(
      '10 dead-letters',
      () => harness.queueDepth(EVENT_STORE_DLQ),
      (depth) => depth >= 10,
    );
    expect(new Set(await harness.drainDeadLetters())).toEqual(new Set(poison.map((p) => p.messageId)));
    expect(await harness.queueDepth(EVENT_STORE_QUEUE)).toBe(0);

    const traces = await harness.db.query<{ message_id: string; error_message: string }>(
      `SELECT message_id, error_message FROM message_queue_trace_log WHERE stage = 'CONSUME_FAIL'`,
    );
    expect(traces.map((t) => t.message_id).sort()).toEqual(poison.map((p) => p.messageId).sort());
    expect(traces.find((t) => t.message_id === 'poison-not-json')?.error_message).toMatch(/not JSON/);
    expect(traces.find((t) => t.message_id === 'poison-bad-source')?.error_message).toMatch(/source/);
    const deadLettered = await harness.db.query<{ message_id: string; consumer_group: string; error_message: string }>(
      `SELECT message_id, consumer_group, error_message FROM message_queue_trace_log WHERE stage = 'DEAD_LETTER'`,
    );
    expect(deadLettered.map((t) => t.message_id).sort()).toEqual(poison.map((p) => p.messageId).sort());
    expect(deadLettered.find((t) => t.message_id === 'poison-not-json')).toMatchObject({
      consumer_group: EVENT_STORE_QUEUE,
      error_message: expect.stringMatching(/not JSON/),
    });

    const lines = consumer.logs.withMsg(LogSignals.mqConsumeFailed.msg);
    expect(lines.map((line) => line.messageId).sort()).toEqual(poison.map((p) => p.messageId).sort());
    expect(lines[0]).toMatchObject({ signal: 'mq_consume_failed', level: 'warn' });
    expect(
      await metricValue(
        consumer,
        /mq_consume_count_total\{topic="domain.user.activity",provider="rabbitmq",result="fail",app="event-store-consumer"\} (\d+)/,
      ),
    ).toBe(10);
  });

  it('dead-letters a valid-looking event the database refuses and stores the rest of its batch', async () => {
    const refused: CanonicalEvent = canonicalEvent({ properties: { note: 'nul \u0000 inside' } });
    const good = Array.from({ length: 20 }, () => canonicalEvent());
    await harness.publish([...good.slice(0, 10), refused, ...good.slice(10)]);

    await waitFor(
      '20 good events stored',
      () => harness.storedCount(good.map((e) => e.eventId)),
      (c) => c === 20,
    );
    await waitFor(
      'the refused event dead-lettered',
      () => harness.queueDepth(EVENT_STORE_DLQ),
      (depth) => depth >= 1,
    );
    expect(await harness.drainDeadLetters()).toEqual([refused.eventId]);
    expect(await harness.storedCount([refused.eventId])).toBe(0);
    const traces = await harness.db.query<{ stage: string; error_message: string }>(
      `SELECT stage, error_message FROM message_queue_trace_log WHERE message_id = $1 ORDER BY id`,
      [refused.eventId],
    );
    expect(traces).toEqual([
      { stage: 'CONSUME_FAIL', error_message: expect.stringMatching(/refused by the database/) },
      { stage: 'DEAD_LETTER', error_message: expect.stringMatching(/refused by the database/) },
    ]);
    const [{ dispatchRows }] = await harness.db.query<{ dispatchRows: number }>(
      `SELECT count(*)::int AS "dispatchRows" FROM user_activity_dispatch_outbox WHERE event_id = ANY($1)`,
      [[refused.eventId, ...good.map((e) => e.eventId)]],
    );
    expect(dispatchRows).toBe(20);
  });
});
