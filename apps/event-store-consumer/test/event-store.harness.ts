import amqplib, { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import request from 'supertest';
import { CanonicalEvent } from '@app/entities';
import { LogSignals } from '@app/observability';
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
  scrapeMetric,
  TestDatabase,
  TestVhost,
  waitFor,
} from '@app/testing';
import { eventStoreSchema } from '../src/event-store-consumer.config';
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

const STORE_EVENTS = 'analytics_user_activity_store_events_total';

/** What the consumers counted: events newly stored and messages skipped as already stored. */
export async function storeCounts(consumers: BootedApp[]): Promise<{ stored: number; duplicate: number }> {
  const urls = consumers.map((consumer) => consumer.url);
  return {
    stored: await scrapeMetric(urls, STORE_EVENTS, { result: 'stored' }),
    duplicate: await scrapeMetric(urls, STORE_EVENTS, { result: 'duplicate' }),
  };
}

/** The event ids of the `store_duplicate` lines among `ids` (log lines are shared by every app of the test process). */
export function duplicateLines(consumer: BootedApp, ids: string[]): string[] {
  const wanted = new Set(ids);
  return consumer.logs
    .withMsg(LogSignals.storeDuplicate.msg)
    .map((line) => String(line.eventId))
    .filter((id) => wanted.has(id));
}

/**
 * Waits until every one of `ids` is stored and the queue is empty, then checks that the stages agree: one stored row
 * and one dispatch row per event and no other, the consumers counting each event as stored once, and every message
 * they were handed again (`redelivered`, at least) taking the duplicate path: its log line and the duplicate count.
 * Assumes the consumers' counters and the tables started empty with this test.
 */
export async function expectStagesAgree(
  harness: EventStoreHarness,
  ids: string[],
  redelivered: string[] = [],
): Promise<void> {
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
  const [rows] = await harness.db.query<{ stored: number; dispatch: number }>(
    `SELECT (SELECT count(*) FROM user_activity_event)::int AS stored,
            (SELECT count(*) FROM user_activity_dispatch_outbox)::int AS dispatch`,
  );
  expect(rows).toEqual({ stored: ids.length, dispatch: ids.length });
  const counted = await storeCounts(harness.consumers);
  expect(counted.stored).toBe(ids.length);
  const skipped = duplicateLines(harness.consumers[0], ids);
  expect(counted.duplicate).toBe(skipped.length);
  expect(redelivered.filter((id) => !skipped.includes(id))).toEqual([]);
}

export { EVENT_STORE_DLQ, EVENT_STORE_QUEUE };
