import { randomUUID } from 'node:crypto';
import { collectDefaultMetrics, Registry } from 'prom-client';
import request from 'supertest';
import {
  canonicalEvent,
  clientEventInput,
  clientEventInputs,
  ownLabelNames,
  PrometheusFamily,
  waitFor,
} from '@app/testing';
import {
  APP_NAMES,
  AppName,
  ConformancePipeline,
  dispatchStatuses,
  seedParkedSourceRow,
  sourceStatuses,
  startConformancePipeline,
  storedCount,
} from './conformance.harness';

type MetricType = 'counter' | 'gauge' | 'histogram';

interface Expected {
  type: MetricType;
  /** Label name → the values DESIGN §10 allows (`app` is checked for every metric). */
  labels: Record<string, readonly string[]>;
  /** The apps that must export it with samples once the scenario below has run. */
  apps: readonly AppName[];
  /** Label values the scenario below drives, each of which must show up in a sample. */
  driven?: Record<string, readonly string[]>;
}

const RESULT_SUCCESS_FAIL = ['success', 'fail'] as const;
const TOPIC = ['domain.user.activity'] as const;
const PROVIDER = ['rabbitmq'] as const;
const TARGET = ['POSTHOG'] as const;
const INGEST_ROUTE = ['native', 'posthog', 'segment'] as const;
const SDK_KEY_NAME = 'audit-web';
const SDK_KEY = 'phc_metrics_audit';

/** DESIGN §10 (runbook §1-2 names as Prometheus names), and the few extras libs/observability adds. */
const EXPECTED: Record<string, Expected> = {
  analytics_user_activity_ingest_requests_total: {
    type: 'counter',
    labels: {
      result: ['accepted', 'invalid', 'not_allowed', 'rate_limited', 'unavailable'],
      source: ['client', 'server', 'unknown'],
      route: INGEST_ROUTE,
    },
    apps: ['ingest-api'],
    driven: { result: ['accepted', 'invalid', 'not_allowed', 'rate_limited'], source: ['client', 'unknown'] },
  },
  analytics_user_activity_ingest_events_total: {
    type: 'counter',
    // The SDK routes also count the events they skip.
    labels: {
      result: ['accepted', 'duplicate', 'invalid', 'not_allowed', 'rate_limited'],
      source: ['client', 'server'],
      route: INGEST_ROUTE,
    },
    apps: ['ingest-api'],
    driven: { result: ['accepted', 'duplicate'], source: ['client'] },
  },
  // Not in DESIGN §10: DESIGN §3 asks for a metric of tokens treated as anonymous.
  analytics_user_activity_ingest_token_total: {
    type: 'counter',
    labels: { result: ['valid', 'missing', 'invalid'] },
    apps: ['ingest-api'],
    driven: { result: ['missing', 'invalid'] },
  },
  // Not in DESIGN §10's runbook names: DESIGN §3 names each SDK key's requests by the key's name.
  analytics_user_activity_ingest_sdk_key_requests_total: {
    type: 'counter',
    labels: {
      key: [SDK_KEY_NAME], // the names configured in ANALYTICS_INGEST_SDK_KEYS
      route: ['posthog', 'segment'],
      result: ['accepted', 'invalid', 'not_allowed', 'rate_limited', 'unavailable'],
    },
    apps: ['ingest-api'],
    driven: { key: [SDK_KEY_NAME], route: ['posthog'], result: ['accepted'] },
  },
  analytics_user_activity_outbox_enqueue_total: {
    type: 'counter',
    labels: { result: ['inserted', 'duplicate', 'fail'] },
    apps: ['ingest-api'],
    driven: { result: ['inserted', 'duplicate'] },
  },
  analytics_user_activity_outbox_publish_total: {
    type: 'counter',
    labels: { result: RESULT_SUCCESS_FAIL },
    apps: ['outbox-relay', 'admin-api'],
    driven: { result: ['success'] },
  },
  analytics_user_activity_outbox_retry_total: {
    type: 'counter',
    labels: { result: ['scheduled'] },
    apps: ['outbox-relay'],
    driven: { result: ['scheduled'] },
  },
  analytics_user_activity_source_outbox_pending: { type: 'gauge', labels: {}, apps: ['outbox-relay'] },
  analytics_user_activity_source_outbox_failed: { type: 'gauge', labels: {}, apps: ['outbox-relay'] },
  analytics_user_activity_source_outbox_published: { type: 'gauge', labels: {}, apps: ['outbox-relay'] },
  analytics_user_activity_source_outbox_oldest_pending_age_seconds: {
    type: 'gauge',
    labels: {},
    apps: ['outbox-relay'],
  },
  mq_publish_count_total: {
    type: 'counter',
    labels: { topic: TOPIC, provider: PROVIDER, result: RESULT_SUCCESS_FAIL },
    apps: ['outbox-relay', 'admin-api'],
    driven: { result: ['success'] },
  },
  mq_consume_count_total: {
    type: 'counter',
    labels: { topic: TOPIC, provider: PROVIDER, result: RESULT_SUCCESS_FAIL },
    apps: ['event-store-consumer'],
    driven: { result: ['success', 'fail'] },
  },
  // Not in DESIGN §10: MQ_PROVIDER of every app with a broker, for the UserActivityMqProviderNone alert.
  analytics_user_activity_mq_provider_info: {
    type: 'gauge',
    labels: { provider: ['rabbitmq', 'none'] },
    apps: ['outbox-relay', 'event-store-consumer', 'admin-api'],
  },
  // Not in DESIGN §10: the dead-letter queue's depth, for the UserActivityDeadLetterQueueNotEmpty alert.
  analytics_user_activity_dead_letter_queue_depth: {
    type: 'gauge',
    labels: { queue: ['domain.user.activity.event-store.dlq'] },
    apps: ['event-store-consumer'],
  },
  mq_consume_latency_seconds: {
    type: 'histogram',
    labels: { topic: TOPIC, provider: PROVIDER },
    apps: ['event-store-consumer'],
  },
  mq_end_to_end_latency_seconds: {
    type: 'histogram',
    labels: { topic: TOPIC, provider: PROVIDER },
    apps: ['event-store-consumer'],
  },
  // Not in DESIGN §10: the store's own count, which the "store drop" alert and dashboard use.
  analytics_user_activity_store_events_total: {
    type: 'counter',
    labels: { result: ['stored', 'duplicate'] },
    apps: ['event-store-consumer'],
    driven: { result: ['stored', 'duplicate'] },
  },
  analytics_user_activity_dispatch_enqueue_total: {
    type: 'counter',
    labels: { result: ['inserted', 'duplicate', 'fail'], target: TARGET },
    apps: ['event-store-consumer'],
    driven: { result: ['inserted'] },
  },
  analytics_user_activity_dispatch_execute_total: {
    type: 'counter',
    labels: { result: RESULT_SUCCESS_FAIL, target: TARGET },
    apps: ['dispatcher'],
    driven: { result: ['success', 'fail'] },
  },
  analytics_user_activity_dispatch_retry_total: {
    type: 'counter',
    labels: { result: ['scheduled'], target: TARGET },
    apps: ['dispatcher'],
    driven: { result: ['scheduled'] },
  },
  // Beyond the runbook: events a target refused with 401/403, for the UserActivityDispatchUnauthorized alert.
  analytics_user_activity_dispatch_unauthorized_total: {
    type: 'counter',
    labels: { status: ['401', '403'], target: TARGET },
    apps: ['dispatcher'],
    driven: { status: ['401'] },
  },
  analytics_user_activity_dispatch_circuit_total: {
    type: 'counter',
    labels: { state: ['open', 'half_open', 'closed'], target: TARGET },
    apps: ['dispatcher'],
    driven: { state: ['open', 'half_open', 'closed'] },
  },
  analytics_user_activity_dispatch_circuit_skipped_total: {
    type: 'counter',
    labels: { target: TARGET },
    apps: ['dispatcher'],
  },
  analytics_user_activity_dispatch_circuit_state: { type: 'gauge', labels: { target: TARGET }, apps: ['dispatcher'] },
  analytics_user_activity_dispatch_outbox_pending: { type: 'gauge', labels: { target: TARGET }, apps: ['dispatcher'] },
  analytics_user_activity_dispatch_outbox_failed: { type: 'gauge', labels: { target: TARGET }, apps: ['dispatcher'] },
};

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const LONG_DIGITS = /\d{6,}/;

async function nodeDefaultMetricNames(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const names = (await registry.getMetricsAsJSON()).map((metric) => metric.name);
  registry.clear();
  return new Set(names);
}

describe('every metric of DESIGN §10 on the /metrics of the app that owns it', () => {
  let pipeline: ConformancePipeline;
  const sentIds: string[] = [];
  const scraped = new Map<AppName, Map<string, PrometheusFamily>>();

  beforeAll(async () => {
    pipeline = await startConformancePipeline('metrics_audit', {
      brokerThroughProxy: ['outbox-relay'],
      env: {
        // A day-long window, so the rate-limited request never lands in a fresh window.
        'ingest-api': {
          ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS: '3',
          ANALYTICS_INGEST_RATE_LIMIT_WINDOW: 'P1D',
          ANALYTICS_INGEST_SDK_KEYS: `${SDK_KEY_NAME}:${SDK_KEY}`,
        },
        dispatcher: { DISPATCH_CIRCUIT_FAILURE_THRESHOLD: '2' },
      },
    });
    const { db, posthog, brokerProxy } = pipeline;
    // 401 counts against the breaker as a 5xx does, and is counted on its own.
    posthog.respondWith({ status: 401 });

    // ingest: accepted, duplicate, invalid, not allowed, rate limited; an invalid member token
    const anonymousId = `anon-${randomUUID()}`;
    const events = clientEventInputs(2);
    sentIds.push(anonymousId, ...events.map((event) => event.eventId));
    await pipeline.ingest(anonymousId, events).set('Authorization', 'Bearer not-a-jwt').expect(202);
    await pipeline
      .ingest(anonymousId, events)
      .expect(202, { success: true, data: { acceptedCount: 2, duplicateCount: 2 } });
    await pipeline.ingest(anonymousId, []).expect(400);
    await pipeline.ingest(anonymousId, [clientEventInput({ eventName: 'ui.not.allowed' })]).expect(400);
    await pipeline.ingest(anonymousId, [clientEventInput()]).expect(429);
    // an existing SDK's batch, counted under the key's name
    const sdkEventId = randomUUID();
    sentIds.push(sdkEventId, SDK_KEY);
    await request(pipeline.apps['ingest-api'].url)
      .post('/batch')
      .send({
        api_key: SDK_KEY,
        batch: [{ event: clientEventInput().eventName, distinct_id: anonymousId, uuid: sdkEventId }],
      })
      .expect(200, { status: 1 });

    // stored, then PostHog answers 401 until the breaker opens, then 200: open → half_open → closed
    const ids = events.map((event) => event.eventId);
    await waitFor(
      'both events stored',
      () => storedCount(db, ids),
      (count) => count === 2,
    );
    await waitFor(
      'the breaker to open',
      () => db.query<{ state: string }>(`SELECT state FROM user_activity_dispatch_circuit`),
      (rows) => rows[0]?.state === 'OPEN',
    );
    posthog.recover();
    await waitFor(
      'both dispatched',
      () => dispatchStatuses(db, ids),
      (s) => s.join() === 'DISPATCHED,DISPATCHED',
    );

    // relay: a publish fails while RabbitMQ is cut off, a retry is scheduled, then it goes out
    brokerProxy.cut();
    const [late] = clientEventInputs(1);
    sentIds.push(late.eventId);
    await pipeline.ingest(anonymousId.replace('anon', 'anon2'), [late]).expect(202);
    await waitFor(
      'a publish to fail',
      () => sourceStatuses(db),
      (counts) => (counts.FAILED ?? 0) === 1,
    );
    brokerProxy.restore();
    await waitFor(
      'the late event stored',
      () => storedCount(db, [late.eventId]),
      (count) => count === 1,
    );

    // consumer: a poison message (consume fail) and a message for an event already stored (store duplicate)
    await pipeline.publishRaw('{"not":"an event"', 'ui.page.viewed', { messageId: randomUUID() });
    const [again] = await db.query<{ payload: unknown }>(
      `SELECT payload FROM user_activity_source_outbox WHERE event_id = $1`,
      [late.eventId],
    );
    await pipeline.publishRaw(JSON.stringify(again.payload), 'ui.page.viewed');

    // admin-api: a replay of a parked row publishes it
    const parked = canonicalEvent();
    sentIds.push(parked.eventId, parked.anonymousId!);
    await seedParkedSourceRow(db, parked);
    const replay = await pipeline.admin('post', '/user-activity/outbox/replay?limit=10').expect(200);
    expect(replay.body.data).toMatchObject({ processedCount: 1, successCount: 1 });
    await waitFor(
      'the replayed event stored',
      () => storedCount(db, [parked.eventId]),
      (count) => count === 1,
    );

    await waitFor(
      'the consumer to count the poison message and the duplicate',
      () => pipeline.scrape(pipeline.apps['event-store-consumer']),
      (families) => {
        const samples = families.get('analytics_user_activity_store_events_total')?.samples ?? [];
        const consumed = families.get('mq_consume_count_total')?.samples ?? [];
        return (
          samples.some((s) => s.labels.result === 'duplicate' && s.value >= 1) &&
          consumed.some((s) => s.labels.result === 'fail' && s.value >= 1)
        );
      },
    );
    for (const name of APP_NAMES) {
      scraped.set(name, await pipeline.scrape(pipeline.apps[name]));
    }
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  describe.each(APP_NAMES)('%s', (app) => {
    it('exports its metrics with the right type and exactly the expected labels, app included', () => {
      const families = scraped.get(app)!;
      const owned = Object.entries(EXPECTED).filter(([, expected]) => expected.apps.includes(app));
      expect(owned.length).toBeGreaterThan(0);
      const problems: string[] = [];
      for (const [name, expected] of owned) {
        const family = families.get(name);
        if (family?.type !== expected.type || family.samples.length === 0) {
          problems.push(`${name}: ${family ? `${family.type}, ${family.samples.length} samples` : 'missing'}`);
          continue;
        }
        const labelNames = [...Object.keys(expected.labels), 'app'].sort().join();
        for (const sample of family.samples) {
          if (ownLabelNames(sample).join() !== labelNames || sample.labels.app !== app) {
            problems.push(`${sample.name}: labels ${JSON.stringify(sample.labels)}`);
          }
          for (const [label, allowed] of Object.entries(expected.labels)) {
            if (!allowed.includes(sample.labels[label])) {
              problems.push(`${sample.name}: ${label}="${sample.labels[label]}" not in ${allowed.join('/')}`);
            }
          }
        }
      }
      for (const [name, expected] of owned) {
        for (const [label, values] of Object.entries(expected.driven ?? {})) {
          const seen = new Set(families.get(name)?.samples.map((sample) => sample.labels[label]));
          problems.push(
            ...values.filter((value) => !seen.has(value)).map((value) => `${name}: no ${label}="${value}"`),
          );
        }
      }
      expect(problems).toEqual([]);
    });

    it('exports nothing else with samples beyond Node defaults, all labelled with the app', async () => {
      const defaults = await nodeDefaultMetricNames();
      const families = [...scraped.get(app)!.values()].filter((family) => family.samples.length > 0);
      const unexpected = families
        .map((family) => family.name)
        .filter((name) => !defaults.has(name) && !EXPECTED[name]?.apps.includes(app));
      expect(unexpected).toEqual([]);
      expect(families.some((family) => family.name === 'process_cpu_seconds_total')).toBe(true);
      for (const family of families) {
        expect(family.samples.filter((sample) => sample.labels.app !== app)).toEqual([]);
      }
    });

    it('never puts an id in a label value', () => {
      const values = [...scraped.get(app)!.values()].flatMap((family) =>
        family.samples.flatMap((sample) =>
          Object.entries(sample.labels)
            .filter(([label]) => label !== 'le' && label !== 'quantile')
            .map(([label, value]) => ({ metric: sample.name, label, value })),
        ),
      );
      expect(values.length).toBeGreaterThan(0);
      const suspicious = values.filter(
        ({ value }) => UUID.test(value) || LONG_DIGITS.test(value) || sentIds.some((id) => value.includes(id)),
      );
      expect(suspicious).toEqual([]);
    });
  });
});
