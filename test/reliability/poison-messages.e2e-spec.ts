import type { Options } from 'amqplib';
import { EVENT_STORE_DLQ, USER_ACTIVITY_EXCHANGE } from '@app/messaging';
import { canonicalEvent, PipelineProcesses, waitFor } from '@app/testing';
import {
  drainAndMeasure,
  expectNothingLostOrDoubled,
  SCALE,
  signalLines,
  startLoad,
  startPipeline,
  stopPipeline,
  steadyPhase,
} from './reliability.harness';

interface Poison {
  messageId: string;
  content: Buffer;
}

/** Messages no consumer can store, of every kind: unreadable, off the contract, or refused by PostgreSQL. */
function poisonMessages(round: number): Poison[] {
  const event = (overrides: Record<string, unknown>) =>
    Buffer.from(JSON.stringify({ ...canonicalEvent(), ...overrides }));
  const kinds: Record<string, Buffer> = {
    'not-json': Buffer.from('{"eventId": "half'),
    empty: Buffer.alloc(0),
    'invalid-utf8': Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    array: Buffer.from(JSON.stringify([canonicalEvent()])),
    'json-null': Buffer.from('null'),
    'no-event-id': event({ eventId: undefined }),
    'long-event-id': event({ eventId: 'x'.repeat(65) }),
    'bad-source': event({ source: 'BROWSER' }),
    'bad-occurred-at': event({ occurredAt: 'yesterday' }),
    'member-id-text': event({ memberId: '42' }),
    'properties-array': event({ properties: ['a'] }),
    'nul-in-event-name': event({ eventName: 'ui.page\u0000viewed' }),
    'year-zero': event({ occurredAt: '0000-01-01T00:00:00Z' }),
  };
  return Object.entries(kinds).map(([kind, content]) => ({ messageId: `poison-${kind}-${round}`, content }));
}

describe('runbook §2 and §7: poison messages among good traffic', () => {
  let pipeline: PipelineProcesses;

  beforeAll(async () => {
    pipeline = await startPipeline({ label: 'rel_poison' });
  }, 60_000);

  afterAll(async () => {
    await stopPipeline(pipeline);
  });

  it(
    'sends exactly the poison messages to the dead-letter queue and every good event through',
    async () => {
      const { connection, channel } = await pipeline.vhost.connect();
      const confirm = await connection.createConfirmChannel();
      const driver = startLoad(pipeline);
      const poison: Poison[] = [];
      for (let round = 0; round < 3 * SCALE.rounds; round++) {
        await steadyPhase(pipeline, driver, 0.5);
        for (const message of poisonMessages(round)) {
          const options: Options.Publish = {
            messageId: message.messageId,
            persistent: true,
            contentType: 'application/json',
          };
          confirm.publish(USER_ACTIVITY_EXCHANGE, 'ui.page.viewed', message.content, options);
          poison.push(message);
        }
        await confirm.waitForConfirms();
      }
      const faultEndedAt = Date.now();
      await steadyPhase(pipeline, driver, 0.5);

      const report = await drainAndMeasure('poison messages among good traffic', pipeline, driver, faultEndedAt);
      await waitFor(
        'every poison message in the dead-letter queue',
        async () => (await channel.checkQueue(EVENT_STORE_DLQ)).messageCount,
        (count) => count >= poison.length,
      );
      const deadLettered: string[] = [];
      for (let message = await channel.get(EVENT_STORE_DLQ, { noAck: true }); message;) {
        deadLettered.push(String(message.properties.messageId));
        message = await channel.get(EVENT_STORE_DLQ, { noAck: true });
      }
      await connection.close();

      expect(deadLettered.sort()).toEqual(poison.map((message) => message.messageId).sort());
      expect(signalLines(pipeline, 'event-store-consumer', 'mq_consume_failed').length).toBeGreaterThanOrEqual(
        poison.length,
      );
      expectNothingLostOrDoubled(report, driver);
    },
    SCALE.testTimeoutMs,
  );
});
