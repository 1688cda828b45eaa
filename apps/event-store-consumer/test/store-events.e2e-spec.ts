import request from 'supertest';
import { EventSource } from '@app/entities';
import { LogSignals } from '@app/observability';
import { BootedApp, canonicalEvent, scrapeMetric, waitFor } from '@app/testing';
import {
  EVENT_STORE_DLQ,
  EVENT_STORE_QUEUE,
  EventStoreHarness,
  isReady,
  startEventStoreHarness,
} from './event-store.harness';

describe('event-store-consumer stores each event once with its dispatch row', () => {
  let harness: EventStoreHarness;
  let consumer: BootedApp;

  beforeAll(async () => {
    harness = await startEventStoreHarness('store_events');
    consumer = await harness.startConsumer();
  });

  afterAll(async () => {
    await harness.close();
  });

  it('stores every published event with its source, a PENDING POSTHOG dispatch row and a CONSUME_SUCCESS trace', async () => {
    const client = Array.from({ length: 150 }, () => canonicalEvent({ properties: { path: '/home', rank: 3 } }));
    const server = Array.from({ length: 150 }, (_, i) =>
      canonicalEvent({
        source: EventSource.Server,
        eventName: 'review.created',
        memberId: 1000 + i,
        anonymousId: null,
      }),
    );
    const ids = [...client, ...server].map((event) => event.eventId);
    await harness.publish([...client, ...server]);

    await waitFor(
      '300 events stored',
      () => harness.storedCount(ids),
      (count) => count === 300,
    );

    const sources = await harness.db.query<{ source: string; cnt: number }>(
      `SELECT source, count(*)::int AS cnt FROM user_activity_event WHERE event_id = ANY($1) GROUP BY source`,
      [ids],
    );
    expect(Object.fromEntries(sources.map((row) => [row.source, row.cnt]))).toEqual({ CLIENT: 150, SERVER: 150 });
    const [stored] = await harness.db.query<Record<string, unknown>>(
      `SELECT event_name, event_version, member_id, anonymous_id, session_id, platform, properties, occurred_at
       FROM user_activity_event WHERE event_id = $1`,
      [client[0].eventId],
    );
    expect(stored).toMatchObject({
      event_name: 'ui.page.viewed',
      event_version: 'v1',
      member_id: null,
      anonymous_id: client[0].anonymousId,
      session_id: null,
      platform: null,
      properties: { path: '/home', rank: 3 },
    });
    expect((stored.occurred_at as Date).toISOString()).toBe(client[0].occurredAt);
    const [serverRow] = await harness.db.query<{ member_id: string }>(
      `SELECT member_id FROM user_activity_event WHERE event_id = $1`,
      [server[0].eventId],
    );
    expect(serverRow.member_id).toBe('1000');

    const dispatch = await harness.db.query<{ dispatch_target: string; status: string; payload: unknown }>(
      `SELECT dispatch_target, status, payload FROM user_activity_dispatch_outbox WHERE event_id = ANY($1)`,
      [ids],
    );
    expect(dispatch).toHaveLength(300);
    expect(new Set(dispatch.map((row) => `${row.dispatch_target}/${row.status}`))).toEqual(
      new Set(['POSTHOG/PENDING']),
    );
    const [firstDispatch] = await harness.db.query<{ payload: unknown }>(
      `SELECT payload FROM user_activity_dispatch_outbox WHERE event_id = $1`,
      [server[0].eventId],
    );
    expect(firstDispatch.payload).toEqual(server[0]);

    const traces = await harness.db.query<{ stage: string; consumer_group: string; topic: string; cnt: number }>(
      `SELECT stage, consumer_group, topic, count(*)::int AS cnt FROM message_queue_trace_log
       WHERE message_id = ANY($1) GROUP BY stage, consumer_group, topic`,
      [ids],
    );
    expect(traces).toEqual([
      { stage: 'CONSUME_SUCCESS', consumer_group: EVENT_STORE_QUEUE, topic: 'domain.user.activity', cnt: 300 },
    ]);
    expect(
      consumer.logs.withMsg(LogSignals.storeDuplicate.msg).filter((line) => ids.includes(String(line.eventId))),
    ).toEqual([]);
    await waitFor(
      'the queue drained',
      () => harness.queueDepth(EVENT_STORE_QUEUE),
      (depth) => depth === 0,
    );
  });

  it('stores a message delivered twice once, with one dispatch row, and logs the duplicate', async () => {
    const twiceInARow = canonicalEvent();
    const againLater = canonicalEvent({ eventName: 'ui.search.executed' });
    await harness.publish([twiceInARow, twiceInARow, againLater]);
    await waitFor(
      'both stored',
      () => harness.storedCount([twiceInARow.eventId, againLater.eventId]),
      (c) => c === 2,
    );
    await harness.publish([againLater]);

    const duplicateLines = await waitFor(
      'the duplicate lines',
      () => consumer.logs.withMsg(LogSignals.storeDuplicate.msg),
      (lines) => lines.length >= 2,
    );
    expect(duplicateLines.map((line) => [line.eventId, line.eventName, line.signal])).toEqual(
      expect.arrayContaining([
        [twiceInARow.eventId, twiceInARow.eventName, 'store_duplicate'],
        [againLater.eventId, 'ui.search.executed', 'store_duplicate'],
      ]),
    );
    const ids = [twiceInARow.eventId, againLater.eventId];
    expect(await harness.storedCount(ids)).toBe(2);
    const [{ dispatchRows }] = await harness.db.query<{ dispatchRows: number }>(
      `SELECT count(*)::int AS "dispatchRows" FROM user_activity_dispatch_outbox WHERE event_id = ANY($1)`,
      [ids],
    );
    expect(dispatchRows).toBe(2);
    await waitFor(
      'the queue drained',
      () => harness.queueDepth(EVENT_STORE_QUEUE),
      (depth) => depth === 0,
    );
    expect(await harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);
  });

  it('is ready while attached and counts what it consumed on /metrics', async () => {
    expect(await isReady(consumer)).toBe(true);
    const ready = await request(consumer.url).get('/health/ready').expect(200);
    expect(ready.body.info).toMatchObject({
      database: { status: 'up' },
      broker: { status: 'up' },
      consumer: { status: 'up' },
    });

    // Deltas over this test's own messages: three events, one of them delivered twice.
    const counters = async () => {
      const urls = [consumer.url];
      const labels = { topic: 'domain.user.activity', provider: 'rabbitmq' };
      return {
        consumed: await scrapeMetric(urls, 'mq_consume_count_total', { ...labels, result: 'success' }),
        stored: await scrapeMetric(urls, 'analytics_user_activity_store_events_total', { result: 'stored' }),
        duplicate: await scrapeMetric(urls, 'analytics_user_activity_store_events_total', { result: 'duplicate' }),
        enqueued: await scrapeMetric(urls, 'analytics_user_activity_dispatch_enqueue_total', {
          result: 'inserted',
          target: 'POSTHOG',
        }),
        consumeLatency: await scrapeMetric(urls, 'mq_consume_latency_seconds_count', labels),
        endToEndLatency: await scrapeMetric(urls, 'mq_end_to_end_latency_seconds_count', labels),
      };
    };
    const before = await counters();
    const events = Array.from({ length: 3 }, () => canonicalEvent());
    await harness.publish([...events, events[0]]);
    const after = await waitFor('the four messages counted', counters, (now) => now.consumed - before.consumed === 4);
    expect(
      Object.fromEntries(
        Object.entries(after).map(([name, value]) => [name, value - before[name as keyof typeof before]]),
      ),
    ).toEqual({ consumed: 4, stored: 3, duplicate: 1, enqueued: 3, consumeLatency: 4, endToEndLatency: 3 });
  });
});
