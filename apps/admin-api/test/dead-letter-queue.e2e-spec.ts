import amqplib, { ChannelModel, ConfirmChannel } from 'amqplib';
import { CanonicalEvent } from '@app/entities';
import { EVENT_STORE_DLQ, EVENT_STORE_QUEUE, eventMessageOptions, USER_ACTIVITY_EXCHANGE } from '@app/messaging';
import { bootApp, BootedApp, canonicalEvent, scrapeMetric, waitFor } from '@app/testing';
import { eventStoreSchema } from '../../event-store-consumer/src/event-store-consumer.config';
import { EventStoreConsumerModule } from '../../event-store-consumer/src/event-store-consumer.module';
import { eventStoreConsumerOptions } from '../../event-store-consumer/src/event-store-consumer.options';
import { AdminHarness, auditRows, startAdmin } from './admin-api.harness';

/** The event name the database refuses until the test "fixes the cause" by dropping the constraint. */
const REFUSED_NAME = 'ui.review.submitted';
const NOT_JSON_ID = 'dead-letter-not-json';

interface DeadLetter {
  messageId: string | null;
  eventName: string | null;
  reason: string | null;
  error: string | null;
  queue: string | null;
  firstDeathAt: string | null;
  deathCount: number;
}

interface Scenario {
  harness: AdminHarness;
  consumer: BootedApp;
  publisher: { connection: ChannelModel; channel: ConfirmChannel };
}

/** An admin-api and an event-store-consumer on one database and vhost, and a publisher standing in for the relay. */
async function startScenario(label: string): Promise<Scenario> {
  const harness = await startAdmin(label);
  const consumer = await bootApp(EventStoreConsumerModule, eventStoreSchema, eventStoreConsumerOptions, {
    DATABASE_URL: harness.db.url,
    RABBITMQ_URL: harness.vhost.url,
  });
  const connection = await amqplib.connect(harness.vhost.url);
  const channel = await connection.createConfirmChannel();
  return { harness, consumer, publisher: { connection, channel } };
}

async function stopScenario({ harness, consumer, publisher }: Scenario): Promise<void> {
  await consumer.close();
  await publisher.connection.close();
  await harness.close();
}

/** Events the store refuses while the constraint is there, and one message that is not JSON, as the relay sends. */
async function publishPoison(scenario: Scenario, refused: CanonicalEvent[]): Promise<void> {
  const { channel } = scenario.publisher;
  for (const event of refused) {
    channel.publish(USER_ACTIVITY_EXCHANGE, event.eventName, Buffer.from(JSON.stringify(event)), {
      ...eventMessageOptions(event),
    });
  }
  channel.publish(USER_ACTIVITY_EXCHANGE, 'ui.page.viewed', Buffer.from('{"eventId": "oops'), {
    persistent: true,
    messageId: NOT_JSON_ID,
  });
  await channel.waitForConfirms();
}

async function refuseEventName(harness: AdminHarness): Promise<void> {
  await harness.db.query(
    `ALTER TABLE user_activity_event ADD CONSTRAINT refuse_for_test CHECK (event_name <> '${REFUSED_NAME}')`,
  );
}

async function fixTheCause(harness: AdminHarness): Promise<void> {
  await harness.db.query(`ALTER TABLE user_activity_event DROP CONSTRAINT refuse_for_test`);
}

async function list(harness: AdminHarness, limit: number): Promise<{ depth: number; messages: DeadLetter[] }> {
  return (await harness.get(`/api/v1/admin/user-activity/dlq?limit=${limit}`).expect(200)).body.data;
}

async function storedCount(harness: AdminHarness, ids: string[]): Promise<number> {
  const [{ count }] = await harness.db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM user_activity_event WHERE event_id = ANY($1)`,
    [ids],
  );
  return count;
}

describe('the dead-letter queue, listed (runbook §2 "consume fail 증가")', () => {
  let scenario: Scenario;
  let refused: CanonicalEvent[];

  beforeAll(async () => {
    scenario = await startScenario('admin_dlq_list');
    await refuseEventName(scenario.harness);
    refused = Array.from({ length: 3 }, () => canonicalEvent({ eventName: REFUSED_NAME }));
    await publishPoison(scenario, refused);
    await waitFor(
      'the 4 messages dead-lettered',
      async () => (await scenario.harness.vhost.queueCounts(EVENT_STORE_DLQ)).messages,
      (messages) => messages === 4,
    );
  });

  afterAll(async () => {
    await stopScenario(scenario);
  });

  it('shows each message with why and since when it is dead, and leaves every one in the queue', async () => {
    const listedAt = Date.now();
    const first = await list(scenario.harness, 10);
    expect(first.depth).toBe(4);
    const byId = new Map(first.messages.map((message) => [message.messageId, message]));
    expect([...byId.keys()].sort()).toEqual([...refused.map((event) => event.eventId), NOT_JSON_ID].sort());
    for (const event of refused) {
      expect(byId.get(event.eventId)).toEqual({
        messageId: event.eventId,
        eventName: REFUSED_NAME,
        reason: 'rejected',
        error: expect.stringMatching(/^refused by the database: .*refuse_for_test/),
        queue: EVENT_STORE_QUEUE,
        firstDeathAt: expect.any(String),
        deathCount: 1,
      });
    }
    expect(byId.get(NOT_JSON_ID)).toMatchObject({ reason: 'rejected', error: expect.stringMatching(/not JSON/) });
    for (const message of first.messages) {
      const diedAt = Date.parse(message.firstDeathAt ?? '');
      expect(diedAt).toBeLessThanOrEqual(listedAt + 1_000);
      expect(diedAt).toBeGreaterThan(listedAt - 5 * 60_000);
    }

    // Listing again shows the same messages, in the same order: nothing was consumed.
    const again = await list(scenario.harness, 10);
    expect(again).toEqual(first);
    const firstTwo = await list(scenario.harness, 2);
    expect(firstTwo).toEqual({ limit: 2, depth: 4, messages: first.messages.slice(0, 2) });
    expect((await scenario.harness.vhost.channelCounts()).unacked).toBe(0);
    expect(
      await storedCount(
        scenario.harness,
        refused.map((event) => event.eventId),
      ),
    ).toBe(0);
  });

  it('exports the depth on the consumer’s /metrics', async () => {
    // The broker's count of a quorum queue catches up within seconds of messages returned by a listing.
    await waitFor(
      'the depth of 4 on /metrics',
      () =>
        scrapeMetric([scenario.consumer.url], 'analytics_user_activity_dead_letter_queue_depth', {
          queue: EVENT_STORE_DLQ,
        }),
      (depth) => depth === 4,
    );
  });

  it('answers 400 to a limit that is not a non-negative integer', async () => {
    for (const limit of ['abc', '-1', '1.5']) {
      const response = await scenario.harness.get(`/api/v1/admin/user-activity/dlq?limit=${limit}`).expect(400);
      expect(response.body).toMatchObject({ success: false, code: 'INVALID_REQUEST' });
      await scenario.harness.post(`/api/v1/admin/user-activity/dlq/redrive?limit=${limit}`).expect(400);
    }
    await scenario.harness.get('/api/v1/admin/user-activity/dlq?queue=other').expect(400);
    expect(await auditRows(scenario.harness.db)).toEqual([]);
    expect((await scenario.harness.vhost.queueCounts(EVENT_STORE_DLQ)).messages).toBe(4);
  });
});

describe('the dead-letter queue, re-driven once the cause is fixed', () => {
  let scenario: Scenario;

  beforeAll(async () => {
    scenario = await startScenario('admin_dlq_redrive');
  });

  afterAll(async () => {
    await stopScenario(scenario);
  });

  it('moves every message back, stores each event once, and is safe to repeat', async () => {
    const { harness } = scenario;
    await refuseEventName(harness);
    const refused = Array.from({ length: 5 }, () => canonicalEvent({ eventName: REFUSED_NAME }));
    const ids = refused.map((event) => event.eventId);
    await publishPoison(scenario, refused);
    await waitFor(
      'the 6 messages dead-lettered',
      async () => (await list(harness, 50)).depth,
      (depth) => depth === 6,
    );

    await fixTheCause(harness);
    const first = await harness.post('/api/v1/admin/user-activity/dlq/redrive?limit=100').expect(200);
    expect(first.body.data).toEqual({
      limit: 100,
      depth: 6,
      movedCount: 6,
      failedCount: 0,
      error: null,
      movedMessageIds: expect.arrayContaining([...ids, NOT_JSON_ID]),
    });
    await waitFor(
      'the 5 events stored',
      () => storedCount(harness, ids),
      (count) => count === 5,
    );
    // The message that is still not JSON is dead-lettered again, its history kept.
    const back = await waitFor(
      'the unreadable message back in the dead-letter queue',
      () => list(harness, 50),
      (answer) => answer.depth === 1 && answer.messages.length === 1,
    );
    expect(back.messages[0]).toMatchObject({ messageId: NOT_JSON_ID, reason: 'rejected', deathCount: 2 });

    const second = await harness.post('/api/v1/admin/user-activity/dlq/redrive').expect(200);
    expect(second.body.data).toMatchObject({ limit: 100, depth: 1, movedCount: 1, failedCount: 0 });
    await waitFor(
      'the unreadable message dead-lettered a third time',
      () => list(harness, 50),
      (answer) => answer.messages[0]?.deathCount === 3,
    );
    expect(await storedCount(harness, ids)).toBe(5);

    const audit = await auditRows(harness.db);
    expect(audit.map((row) => [row.token_name, row.action, row.parameters, row.result.movedCount])).toEqual([
      ['ops', 'DEAD_LETTER_REDRIVE', { limit: 100, requestedLimit: 100 }, 6],
      ['ops', 'DEAD_LETTER_REDRIVE', { limit: 100, requestedLimit: null }, 1],
    ]);
    const traces = await harness.get(`/api/v1/admin/mq-traces?messageId=${ids[0]}`).expect(200);
    expect(traces.body.data.map((trace: { stage: string }) => trace.stage)).toEqual([
      'CONSUME_SUCCESS',
      'PUBLISH',
      'DEAD_LETTER',
      'CONSUME_FAIL',
    ]);
    expect(traces.body.data[1]).toMatchObject({ consumerGroup: EVENT_STORE_QUEUE, messageKey: REFUSED_NAME });
  });
});
