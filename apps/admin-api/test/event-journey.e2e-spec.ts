import request from 'supertest';
import { bootApp, BootedApp, clientEventInputs, FakePosthog, waitFor } from '@app/testing';
import { dispatcherSchema } from '../../dispatcher/src/dispatcher.config';
import { DispatcherModule } from '../../dispatcher/src/dispatcher.module';
import { dispatcherOptions } from '../../dispatcher/src/dispatcher.options';
import { eventStoreSchema } from '../../event-store-consumer/src/event-store-consumer.config';
import { EventStoreConsumerModule } from '../../event-store-consumer/src/event-store-consumer.module';
import { eventStoreConsumerOptions } from '../../event-store-consumer/src/event-store-consumer.options';
import { ingestSchema } from '../../ingest-api/src/ingest-api.config';
import { IngestApiModule } from '../../ingest-api/src/ingest-api.module';
import { ingestApiOptions } from '../../ingest-api/src/ingest-api.options';
import { relaySchema } from '../../outbox-relay/src/outbox-relay.config';
import { OutboxRelayModule } from '../../outbox-relay/src/outbox-relay.module';
import { outboxRelayOptions } from '../../outbox-relay/src/outbox-relay.options';
import { AdminHarness, seedSourceOutbox, startAdmin } from './admin-api.harness';

interface Step {
  at: string;
  component: string;
  step: string;
  target: string | null;
  detail: string | null;
}

describe('the journey of one event ("where is my event?")', () => {
  let harness: AdminHarness;
  let posthog: FakePosthog;
  const apps: BootedApp[] = [];
  let ingest: BootedApp;

  beforeAll(async () => {
    harness = await startAdmin('admin_journey');
    posthog = await FakePosthog.start();
    const posthogEnv = {
      ANALYTICS_POSTHOG_ENABLED: 'true',
      ANALYTICS_POSTHOG_API_KEY: 'phc_test_key',
      ANALYTICS_POSTHOG_HOST: posthog.url,
    };
    const broker = { DATABASE_URL: harness.db.url, RABBITMQ_URL: harness.vhost.url };
    apps.push(
      await bootApp(EventStoreConsumerModule, eventStoreSchema, eventStoreConsumerOptions, {
        ...broker,
        ...posthogEnv,
      }),
      await bootApp(OutboxRelayModule, relaySchema, outboxRelayOptions, { ...broker, RELAY_POLL_INTERVAL: 'PT0.2S' }),
      await bootApp(DispatcherModule, dispatcherSchema, dispatcherOptions, {
        DATABASE_URL: harness.db.url,
        ...posthogEnv,
        DISPATCH_POLL_INTERVAL: 'PT0.05S',
      }),
    );
    ingest = await bootApp(IngestApiModule, ingestSchema, ingestApiOptions, { DATABASE_URL: harness.db.url });
    apps.push(ingest);
  });

  afterAll(async () => {
    for (const app of apps.reverse()) {
      await app.close();
    }
    await posthog.close();
    await harness.close();
  });

  it('lists the outbox row, the PUBLISH and CONSUME_SUCCESS traces, the stored row and the DISPATCHED row, in time order', async () => {
    const [event] = clientEventInputs(1, { eventName: 'ui.restaurant.clicked' });
    await request(ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'anon-journey', events: [event] })
      .expect(202);
    const path = `/api/v1/admin/user-activity/events/${event.eventId}/journey`;
    const journey = await waitFor(
      'the event to be DISPATCHED to PostHog',
      async () => (await harness.get(path)).body.data,
      (data) => data?.dispatches?.[0]?.status === 'DISPATCHED',
      30_000,
    );

    expect(journey.eventId).toBe(event.eventId);
    expect(journey.outbox).toMatchObject({
      eventName: 'ui.restaurant.clicked',
      status: 'PUBLISHED',
      retryCount: 0,
      publishedAt: expect.any(String),
      payload: expect.objectContaining({ eventId: event.eventId, anonymousId: 'anon-journey' }),
    });
    expect(journey.traces.map((trace: { stage: string }) => trace.stage)).toEqual(['PUBLISH', 'CONSUME_SUCCESS']);
    expect(journey.traces[1]).toMatchObject({
      messageId: event.eventId,
      consumerGroup: 'domain.user.activity.event-store',
    });
    expect(journey.stored).toMatchObject({
      eventName: 'ui.restaurant.clicked',
      source: 'CLIENT',
      anonymousId: 'anon-journey',
      properties: event.properties,
      storedAt: expect.any(String),
    });
    expect(journey.dispatches).toEqual([
      expect.objectContaining({ target: 'POSTHOG', status: 'DISPATCHED', dispatchedAt: expect.any(String) }),
    ]);

    const timeline: Step[] = journey.timeline;
    expect(timeline.map((step) => `${step.component} ${step.step}`)).toEqual([
      'SOURCE_OUTBOX ENQUEUED',
      'MQ PUBLISH',
      'SOURCE_OUTBOX PUBLISHED',
      'MQ CONSUME_SUCCESS',
      'EVENT_STORE STORED',
      'DISPATCH_OUTBOX ENQUEUED',
      'DISPATCH_OUTBOX DISPATCHED',
    ]);
    const times = timeline.map((step) => Date.parse(step.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(timeline[6]).toMatchObject({ target: 'POSTHOG', detail: null });
  });

  it('shows where a stuck event stopped, with the error', async () => {
    const [stuck] = await seedSourceOutbox(harness.db, 1, {
      status: 'FAILED',
      retryCount: 3,
      nextRetryInMs: null,
      ageMs: 3_600_000,
      lastError: 'Channel closed',
    });
    const response = await harness.get(`/api/v1/admin/user-activity/events/${stuck.eventId}/journey`).expect(200);
    expect(response.body.data).toMatchObject({
      outbox: { status: 'FAILED', retryCount: 3, nextRetryAt: null, lastError: 'Channel closed' },
      traces: [],
      stored: null,
      dispatches: [],
    });
    expect(response.body.data.timeline).toEqual([
      expect.objectContaining({ component: 'SOURCE_OUTBOX', step: 'ENQUEUED', detail: null }),
      expect.objectContaining({ component: 'SOURCE_OUTBOX', step: 'FAILED', detail: 'Channel closed' }),
    ]);
  });

  it('answers 404 NOT_FOUND for an event no table knows', async () => {
    const response = await harness.get('/api/v1/admin/user-activity/events/never-sent/journey').expect(404);
    expect(response.body).toEqual({ success: false, code: 'NOT_FOUND', message: '이벤트를 찾을 수 없습니다.' });
  });
});
