import { USER_ACTIVITY_EXCHANGE } from '@app/messaging';
import { bootApp, BootedApp, createTestDatabase, createTestVhost, TestDatabase, TestVhost } from '@app/testing';
import type { Channel, ChannelModel, GetMessage } from 'amqplib';
import { ingestSchema } from '../../ingest-api/src/ingest-api.config';
import { IngestApiModule } from '../../ingest-api/src/ingest-api.module';
import { ingestApiOptions } from '../../ingest-api/src/ingest-api.options';
import { relaySchema } from '../src/outbox-relay.config';
import { OutboxRelayModule } from '../src/outbox-relay.module';
import { outboxRelayOptions } from '../src/outbox-relay.options';

export const OBSERVER_QUEUE = 'test.observer';

/** Fast retries so a test sees several attempts within seconds. */
export const FAST_RELAY_ENV = {
  RELAY_POLL_INTERVAL: 'PT0.2S',
  RELAY_RETRY_BASE_DELAY: 'PT0.5S',
  RELAY_RETRY_MAX_DELAY: 'PT2S',
  MQ_PUBLISH_TIMEOUT: 'PT1S',
  GAUGE_REFRESH_INTERVAL: 'PT0.2S',
};

export interface RelayHarness {
  db: TestDatabase;
  vhost: TestVhost;
  ingest: BootedApp;
  relays: BootedApp[];
  channel: Channel;
  startRelay(env?: Record<string, string>): Promise<BootedApp>;
  /** Every message on the observer queue (a queue bound with `#`, like any consumer group). */
  drainObserver(): Promise<GetMessage[]>;
  close(): Promise<void>;
}

export async function startRelayHarness(label: string, relayEnv: Record<string, string> = {}): Promise<RelayHarness> {
  const db = await createTestDatabase(label);
  const vhost = await createTestVhost(label);
  const { connection, channel }: { connection: ChannelModel; channel: Channel } = await vhost.connect();
  await channel.assertExchange(USER_ACTIVITY_EXCHANGE, 'topic', { durable: true });
  await channel.assertQueue(OBSERVER_QUEUE, { durable: true });
  await channel.bindQueue(OBSERVER_QUEUE, USER_ACTIVITY_EXCHANGE, '#');
  const ingest = await bootApp(IngestApiModule, ingestSchema, ingestApiOptions, { DATABASE_URL: db.url });
  const relays: BootedApp[] = [];
  const harness: RelayHarness = {
    db,
    vhost,
    ingest,
    relays,
    channel,
    async startRelay(env = {}) {
      const relay = await bootApp(OutboxRelayModule, relaySchema, outboxRelayOptions, {
        DATABASE_URL: db.url,
        RABBITMQ_URL: vhost.url,
        ...FAST_RELAY_ENV,
        ...env,
      });
      relays.push(relay);
      return relay;
    },
    async drainObserver() {
      const messages: GetMessage[] = [];
      const next = () => channel.get(OBSERVER_QUEUE, { noAck: true });
      for (let message = await next(); message; message = await next()) {
        messages.push(message);
      }
      return messages;
    },
    async close() {
      await Promise.all(relays.map((relay) => relay.close()));
      await ingest.close();
      await connection.close();
      await vhost.drop();
      await db.drop();
    },
  };
  await harness.startRelay(relayEnv);
  return harness;
}

export async function statusCounts(db: TestDatabase): Promise<Record<string, number>> {
  const rows = await db.query<{ status: string; cnt: number }>(
    `SELECT status, COUNT(*)::int AS cnt FROM user_activity_source_outbox GROUP BY status`,
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.cnt]));
}
