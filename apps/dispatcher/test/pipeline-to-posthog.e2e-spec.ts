import { sign } from 'jsonwebtoken';
import request from 'supertest';
import {
  bootApp,
  BootedApp,
  clientEventInputs,
  createTestDatabase,
  createTestVhost,
  FakePosthog,
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
import { relaySchema } from '../../outbox-relay/src/outbox-relay.config';
import { OutboxRelayModule } from '../../outbox-relay/src/outbox-relay.module';
import { outboxRelayOptions } from '../../outbox-relay/src/outbox-relay.options';
import { dispatcherSchema } from '../src/dispatcher.config';
import { DispatcherModule } from '../src/dispatcher.module';
import { dispatcherOptions } from '../src/dispatcher.options';
import { posthogUuid } from '../src/targets/posthog-uuid';
import { FAST_DISPATCH_ENV, POSTHOG_API_KEY } from './dispatcher.harness';

const JWT_SECRET = 'jwt-secret-for-tests';
const SERVICE_TOKEN = 'service-token-for-tests';

describe('pipeline: ingest-api → outbox-relay → event-store-consumer → dispatcher → PostHog', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let posthog: FakePosthog;
  const apps: BootedApp[] = [];
  let ingest: BootedApp;

  beforeAll(async () => {
    db = await createTestDatabase('pipeline_posthog');
    vhost = await createTestVhost('pipeline_posthog');
    posthog = await FakePosthog.start();
    const posthogEnv = {
      ANALYTICS_POSTHOG_ENABLED: 'true',
      ANALYTICS_POSTHOG_API_KEY: POSTHOG_API_KEY,
      ANALYTICS_POSTHOG_HOST: posthog.url,
    };
    const broker = { DATABASE_URL: db.url, RABBITMQ_URL: vhost.url };
    // The consumer declares the queue, so it starts before anything is published.
    apps.push(
      await bootApp(EventStoreConsumerModule, eventStoreSchema, eventStoreConsumerOptions, {
        ...broker,
        ...posthogEnv,
      }),
    );
    apps.push(
      await bootApp(OutboxRelayModule, relaySchema, outboxRelayOptions, { ...broker, RELAY_POLL_INTERVAL: 'PT0.2S' }),
    );
    apps.push(
      await bootApp(DispatcherModule, dispatcherSchema, dispatcherOptions, {
        DATABASE_URL: db.url,
        ...posthogEnv,
        ...FAST_DISPATCH_ENV,
      }),
    );
    ingest = await bootApp(IngestApiModule, ingestSchema, ingestApiOptions, {
      DATABASE_URL: db.url,
      JWT_SECRET,
      INGEST_SERVICE_TOKEN: SERVICE_TOKEN,
    });
    apps.push(ingest);
  });

  afterAll(async () => {
    for (const app of apps.reverse()) {
      await app.close();
    }
    await posthog.close();
    await vhost.drop();
    await db.drop();
  });

  it('delivers every event POSTed to ingest-api to PostHog exactly once, as the right person', async () => {
    const anonymous = clientEventInputs(20);
    const member = clientEventInputs(20, { eventName: 'ui.restaurant.clicked' });
    await request(ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'anon-pipeline', events: anonymous })
      .expect(202);
    await request(ingest.url)
      .post('/api/v1/analytics/events')
      .set('Authorization', `Bearer ${sign({ sub: '77' }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`)
      .send({ events: member })
      .expect(202);
    const server = await request(ingest.url)
      .post('/api/v1/internal/user-activity/events')
      .set('Authorization', `Bearer ${SERVICE_TOKEN}`)
      .send({
        events: [{ eventId: 'server-event-1', eventName: 'review.created', memberId: 9, properties: { reviewId: 3 } }],
      })
      .expect(202);
    expect(server.body.data.acceptedCount).toBe(1);

    // PostHog knows the server event, whose id is not a UUID, by its v5 uuid.
    const ids = [...anonymous, ...member].map((event) => event.eventId).concat(posthogUuid('server-event-1'));
    await waitFor(
      'all 41 events at PostHog',
      () => posthog.deliveredUuidCounts(),
      (counts) => ids.every((id) => counts.has(id)),
      60_000,
    );
    const counts = posthog.deliveredUuidCounts();
    expect(ids.every((id) => counts.get(id) === 1)).toBe(true);

    const sent = new Map(posthog.deliveredEvents().map((event) => [event.uuid, event]));
    expect(sent.get(anonymous[0].eventId)).toMatchObject({
      event: 'ui.page.viewed',
      distinct_id: 'anon-pipeline',
      timestamp: anonymous[0].occurredAt,
      properties: { ...anonymous[0].properties, source: 'CLIENT', anonymous_id: 'anon-pipeline', member_id: null },
    });
    expect(sent.get(member[0].eventId)).toMatchObject({
      event: 'ui.restaurant.clicked',
      distinct_id: '77',
      properties: { member_id: 77, anonymous_id: null },
    });
    expect(sent.get(posthogUuid('server-event-1'))).toMatchObject({
      event: 'review.created',
      distinct_id: '9',
      properties: { reviewId: 3, source: 'SERVER', event_id: 'server-event-1' },
    });

    await waitFor(
      'every dispatch row DISPATCHED',
      () =>
        db.query<{ status: string; cnt: number }>(
          `SELECT status, COUNT(*)::int AS cnt FROM user_activity_dispatch_outbox GROUP BY status`,
        ),
      (rows) => rows.length === 1 && rows[0].status === 'DISPATCHED' && rows[0].cnt === 41,
    );
  });
});
