import amqplib, { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import request from 'supertest';
import { eventStoreSchema } from '@app/config';
import { CanonicalEvent } from '@app/entities';
import {
  assertTopology,
  EVENT_STORE_DLQ,
  EVENT_STORE_QUEUE,
  eventMessageOptions,
  USER_ACTIVITY_EXCHANGE,
} from '@app/messaging';
import {
  bootApp,
  BootedApp,
  createTestDatabase,
  createTestVhost,
  TestDatabase,
  TestVhost,
  waitFor,
} from '@app/testing';
import { EventStoreConsumerModule } from '../src/event-store-consumer.module';
import { eventStoreConsumerOptions } from '../src/event-store-consumer.options';

/** PostHog on (so every stored event gets a dispatch row) and short retry delays so recoveries show within seconds. */
export const CONSUMER_TEST_ENV = {
  ANALYTICS_POSTHOG_ENABLED: 'true',
  ANALYTICS_POSTHOG_API_KEY: 'phc_test_key',
  EVENT_STORE_RETRY_MAX_DELAY: 'PT1S',
  SHUTDOWN_TIMEOUT: 'PT10S',
};

export interface RawMessage {
  body: string;
  routingKey: string;
  options?: Options.Publish;
}

/** A canonical event as the relay publishes it. */
export function eventMessage(event: CanonicalEvent): RawMessage {
  return { body: JSON.stringify(event), routingKey: event.eventName, options: eventMessageOptions(event) };
}

export interface EventStoreHarness {
  db: TestDatabase;
  vhost: TestVhost;
  consumers: BootedApp[];
  startConsumer(env?: Record<string, string>): Promise<BootedApp>;
  /** Publishes canonical events as the relay does (DESIGN §6 properties) and waits for the broker's confirms. */
  publish(events: CanonicalEvent[]): Promise<void>;
  /** Publishes arbitrary messages (poison among good ones) in one go, in order, and waits for the confirms. */
  publishRaw(messages: RawMessage[]): Promise<void>;
  storedCount(eventIds: string[]): Promise<number>;
  /** Messages waiting in a queue (the dead-letter queue has no consumer, so all of its messages are ready). */
  queueDepth(queue: string): Promise<number>;
  /** Takes every message off the dead-letter queue and returns their message ids. */
  drainDeadLetters(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startEventStoreHarness(label: string): Promise<EventStoreHarness> {
  const db = await createTestDatabase(label);
  const vhost = await createTestVhost(label);
  const connection: ChannelModel = await amqplib.connect(vhost.url);
  const channel: ConfirmChannel = await connection.createConfirmChannel();
  await assertTopology(channel);
  const consumers: BootedApp[] = [];
  const publishRaw = async (messages: RawMessage[]): Promise<void> => {
    for (const { body, routingKey, options } of messages) {
      channel.publish(USER_ACTIVITY_EXCHANGE, routingKey, Buffer.from(body), {
        persistent: true,
        contentType: 'application/json',
        ...options,
      });
    }
    await channel.waitForConfirms();
  };
  return {
    db,
    vhost,
    consumers,
    async startConsumer(env = {}) {
      const consumer = await bootApp(EventStoreConsumerModule, eventStoreSchema, eventStoreConsumerOptions, {
        DATABASE_URL: db.url,
        RABBITMQ_URL: vhost.url,
        ...CONSUMER_TEST_ENV,
        ...env,
      });
      consumers.push(consumer);
      return consumer;
    },
    async publish(events) {
      await publishRaw(events.map(eventMessage));
    },
    publishRaw,
    async storedCount(eventIds) {
      const [{ count }] = await db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM user_activity_event WHERE event_id = ANY($1)`,
        [eventIds],
      );
      return count;
    },
    async queueDepth(queue) {
      return (await channel.checkQueue(queue)).messageCount;
    },
    async drainDeadLetters() {
      const ids: string[] = [];
      for (;;) {
        const message = await channel.get(EVENT_STORE_DLQ, { noAck: true });
        if (!message) {
          return ids;
        }
        ids.push(message.properties.messageId as string);
      }
    },
    async close() {
      await Promise.all(consumers.map((consumer) => consumer.close()));
      await connection.close();
      await vhost.drop();
      await db.drop();
    },
  };
}

export async function isReady(app: BootedApp): Promise<boolean> {
  return (await request(app.url).get('/health/ready')).status === 200;
}

/** The value of one counter series on an app's /metrics, 0 when absent. */
export async function metricValue(app: BootedApp, series: RegExp): Promise<number> {
  const text = (await request(app.url).get('/metrics')).text;
  const match = series.exec(text);
  return Number(match?.[1] ?? 0);
}

/** Runbook §6-1: event ids stored more than once (no rows is the healthy answer). */
export async function duplicateEventIds(db: TestDatabase): Promise<unknown[]> {
  return db.query(`SELECT event_id, COUNT(*) AS dup_cnt
FROM user_activity_event
GROUP BY event_id
HAVING COUNT(*) > 1`);
}

/** Waits until all `ids` are stored and the queue is empty, then checks none was stored twice (runbook §6-1). */
export async function expectAllStoredOnce(harness: EventStoreHarness, ids: string[]): Promise<void> {
  await waitFor(
    'every event stored',
    () => harness.storedCount(ids),
    (count) => count === ids.length,
    30_000,
  );
  await waitFor(
    'the queue drained',
    () => harness.queueDepth(EVENT_STORE_QUEUE),
    (depth) => depth === 0,
  );
  expect(await duplicateEventIds(harness.db)).toEqual([]);
}

export { EVENT_STORE_DLQ, EVENT_STORE_QUEUE };
