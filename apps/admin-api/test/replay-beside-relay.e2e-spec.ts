import request from 'supertest';
import { USER_ACTIVITY_EXCHANGE } from '@app/messaging';
import { bootApp, BootedApp, clientEventInputs, waitFor } from '@app/testing';
import type { Channel, ChannelModel } from 'amqplib';
import { ingestSchema } from '../../ingest-api/src/ingest-api.config';
import { IngestApiModule } from '../../ingest-api/src/ingest-api.module';
import { ingestApiOptions } from '../../ingest-api/src/ingest-api.options';
import { relaySchema } from '../../outbox-relay/src/outbox-relay.config';
import { OutboxRelayModule } from '../../outbox-relay/src/outbox-relay.module';
import { outboxRelayOptions } from '../../outbox-relay/src/outbox-relay.options';
import { AdminHarness, sourceStatusCounts, startAdmin } from './admin-api.harness';

const OBSERVER_QUEUE = 'test.observer';
const BATCHES = 20;
const BATCH_SIZE = 50;

describe('replay while the relay is running (fault-free)', () => {
  let harness: AdminHarness;
  let relay: BootedApp;
  let ingest: BootedApp;
  let connection: ChannelModel;
  let channel: Channel;

  beforeAll(async () => {
    // PENDING rows count for replay at once, so replay and relay compete for the same fresh rows.
    harness = await startAdmin('admin_replay_relay', { REPLAY_PENDING_MIN_AGE: 'PT0S' });
    ({ connection, channel } = await harness.vhost.connect());
    await channel.assertExchange(USER_ACTIVITY_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(OBSERVER_QUEUE, { durable: true });
    await channel.bindQueue(OBSERVER_QUEUE, USER_ACTIVITY_EXCHANGE, '#');
    relay = await bootApp(OutboxRelayModule, relaySchema, outboxRelayOptions, {
      DATABASE_URL: harness.db.url,
      RABBITMQ_URL: harness.vhost.url,
      RELAY_BATCH_SIZE: '40',
      RELAY_POLL_INTERVAL: 'PT0.05S',
    });
    ingest = await bootApp(IngestApiModule, ingestSchema, ingestApiOptions, { DATABASE_URL: harness.db.url });
  });

  afterAll(async () => {
    await ingest.close();
    await relay.close();
    await connection.close();
    await harness.close();
  });

  it('publishes no row twice: every event reaches the broker exactly once', async () => {
    const ids: string[] = [];
    let replayed = 0;
    let ingesting = true;
    const replays = (async () => {
      while (ingesting) {
        const response = await harness.post('/api/v1/admin/user-activity/outbox/replay?limit=60').expect(200);
        expect(response.body.data.failedCount).toBe(0);
        replayed += response.body.data.successCount as number;
      }
    })();
    for (let i = 0; i < BATCHES; i++) {
      const events = clientEventInputs(BATCH_SIZE);
      ids.push(...events.map((event) => event.eventId));
      await request(ingest.url)
        .post('/api/v1/analytics/events')
        .send({ anonymousId: `anon-${i}`, events })
        .expect(202);
    }
    await waitFor(
      'every row PUBLISHED',
      () => sourceStatusCounts(harness.db),
      (counts) => counts.PUBLISHED === ids.length,
      30_000,
    );
    ingesting = false;
    await replays;

    const received: string[] = [];
    await waitFor(
      'every message on the observer queue',
      async () => {
        for (;;) {
          const message = await channel.get(OBSERVER_QUEUE, { noAck: true });
          if (!message) {
            return received.length;
          }
          received.push(message.properties.messageId as string);
        }
      },
      (count) => count >= ids.length,
    );
    expect(received).toHaveLength(ids.length);
    expect(new Set(received)).toEqual(new Set(ids));
    // Both did part of the work, or the race was not exercised.
    expect(replayed).toBeGreaterThan(0);
    expect(replayed).toBeLessThan(ids.length);
    const twice = await harness.db.query(
      `SELECT message_id FROM message_queue_trace_log WHERE stage = 'PUBLISH' GROUP BY message_id HAVING COUNT(*) > 1`,
    );
    expect(twice).toEqual([]);
  });
});
