import request from 'supertest';
import { CanonicalEvent, EventSource } from '@app/entities';
import {
  bootApp,
  BootedApp,
  canonicalEvent,
  createTestDatabase,
  createTestVhost,
  seedSourceOutbox,
  TestDatabase,
  TestVhost,
  waitFor,
} from '@app/testing';
import { eventStoreSchema } from '../../event-store-consumer/src/event-store-consumer.config';
import { EventStoreConsumerModule } from '../../event-store-consumer/src/event-store-consumer.module';
import { eventStoreConsumerOptions } from '../../event-store-consumer/src/event-store-consumer.options';
import { ingestSchema } from '../../ingest-api/src/ingest-api.config';
import { IngestApiModule } from '../../ingest-api/src/ingest-api.module';
import { ingestApiOptions } from '../../ingest-api/src/ingest-api.options';
import { relaySchema } from '../src/outbox-relay.config';
import { OutboxRelayModule } from '../src/outbox-relay.module';
import { outboxRelayOptions } from '../src/outbox-relay.options';

const SERVICE_TOKEN = 'service-token-for-tests';

interface SourceRow {
  event_id: string;
  status: string;
  parked: boolean;
  last_error: string | null;
}

/**
 * An event whose messageId or routing key exceeds an AMQP short string (255 bytes) once made amqplib throw after it
 * had queued the message's confirm: the next message's confirm marked it PUBLISHED though it was never sent.
 */
describe('outbox-relay with events AMQP cannot encode among good ones', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let apps: BootedApp[];
  let ingest: BootedApp;

  beforeAll(async () => {
    db = await createTestDatabase('relay_unencodable');
    vhost = await createTestVhost('relay_unencodable');
    const broker = { DATABASE_URL: db.url, RABBITMQ_URL: vhost.url };
    ingest = await bootApp(IngestApiModule, ingestSchema, ingestApiOptions, {
      DATABASE_URL: db.url,
      INGEST_SERVICE_TOKEN: SERVICE_TOKEN,
    });
    apps = [
      ingest,
      await bootApp(OutboxRelayModule, relaySchema, outboxRelayOptions, { ...broker, RELAY_POLL_INTERVAL: 'PT0.2S' }),
      await bootApp(EventStoreConsumerModule, eventStoreSchema, eventStoreConsumerOptions, broker),
    ];
  });

  afterAll(async () => {
    for (const app of apps.reverse()) {
      await app.close();
    }
    await vhost.drop();
    await db.drop();
  });

  async function sendThroughIngest(eventId: string): Promise<void> {
    await request(ingest.url)
      .post('/api/v1/internal/user-activity/events')
      .set('Authorization', `Bearer ${SERVICE_TOKEN}`)
      .send({ events: [{ eventId, eventName: 'review.created', memberId: 7 }] })
      .expect(202);
  }

  /** As a service sharing the database may do (DESIGN §3), past ingest's checks. */
  async function insertIntoOutbox(event: CanonicalEvent): Promise<void> {
    await seedSourceOutbox(db, [
      {
        eventId: event.eventId,
        eventName: event.eventName,
        eventVersion: event.eventVersion,
        occurredAt: event.occurredAt,
        memberId: event.memberId,
        payload: event,
      },
    ]);
  }

  async function sourceRows(): Promise<SourceRow[]> {
    return db.query<SourceRow>(
      `SELECT event_id, status, status = 'FAILED' AND next_retry_at IS NULL AS parked, last_error
       FROM user_activity_source_outbox ORDER BY id`,
    );
  }

  async function storedIds(): Promise<string[]> {
    const rows = await db.query<{ event_id: string }>(`SELECT event_id FROM user_activity_event ORDER BY id`);
    return rows.map((row) => row.event_id);
  }

  it('parks them with the reason, never marks them PUBLISHED, and stores every other event once', async () => {
    const p = canonicalEvent({ eventId: '😀'.repeat(64), source: EventSource.Server, memberId: 7 });
    const q = canonicalEvent({ eventId: 'event-q', eventName: '가'.repeat(90), source: EventSource.Server });

    await sendThroughIngest('event-a');
    await waitFor('event-a stored', storedIds, (ids) => ids.includes('event-a'));
    await insertIntoOutbox(p);
    await sendThroughIngest('event-b');
    await insertIntoOutbox(q);

    const rows = await waitFor(
      'every row published or parked, event-b stored',
      async () => ({ rows: await sourceRows(), stored: await storedIds() }),
      ({ rows: all, stored }) =>
        stored.includes('event-b') && all.every((row) => row.status === 'PUBLISHED' || row.parked),
      30_000,
    );
    expect(rows.rows).toEqual([
      { event_id: 'event-a', status: 'PUBLISHED', parked: false, last_error: null },
      {
        event_id: p.eventId,
        status: 'FAILED',
        parked: true,
        last_error: expect.stringContaining('messageId is 256 UTF-8 bytes') as string,
      },
      { event_id: 'event-b', status: 'PUBLISHED', parked: false, last_error: null },
      {
        event_id: 'event-q',
        status: 'FAILED',
        parked: true,
        last_error: expect.stringContaining('routing key is 270 UTF-8 bytes') as string,
      },
    ]);
    expect(await storedIds()).toEqual(['event-a', 'event-b']);
    const traces = await db.query<{ message_id: string; stage: string }>(
      `SELECT message_id, stage FROM message_queue_trace_log WHERE stage LIKE 'PUBLISH%' ORDER BY id`,
    );
    expect(traces).toHaveLength(4);
    expect(Object.fromEntries(traces.map((trace) => [trace.message_id, trace.stage]))).toEqual({
      'event-a': 'PUBLISH',
      [p.eventId]: 'PUBLISH_FAIL',
      'event-b': 'PUBLISH',
      'event-q': 'PUBLISH_FAIL',
    });
  });
});
