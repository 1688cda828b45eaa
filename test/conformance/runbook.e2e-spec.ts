import { randomUUID } from 'node:crypto';
import { ApiError } from '@app/http';
import { LogSignals } from '@app/observability';
import {
  BootedApp,
  canonicalEvent,
  clientEventInputs,
  ownLabelNames,
  RunbookBlock,
  runbookCurl,
  runbookMetrics,
  runbookSqlPlaybook,
  runRunbookCurl,
  seedDispatchOutbox,
  waitFor,
} from '@app/testing';
import { IngestService } from '../../apps/ingest-api/src/events/ingest.service';
import {
  ADMIN_TOKEN,
  AppName,
  ConformancePipeline,
  startConformancePipeline,
  storedCount,
} from './conformance.harness';

type Row = Record<string, unknown>;

const playbook = runbookSqlPlaybook();
const ran = new Set<RunbookBlock>();

/** Runs the n-th SQL block of a §6 subsection exactly as the runbook prints it. */
function playbookQuery(pipeline: ConformancePipeline, section: string, n = 0): () => Promise<Row[]> {
  const block = playbook.filter((candidate) => candidate.section === section)[n];
  return async () => {
    ran.add(block);
    return pipeline.db.query<Row>(block.code);
  };
}

/** Which app serves each §1-2 metric. */
const METRIC_OWNER: Record<string, AppName> = {
  'analytics.user-activity.outbox.enqueue': 'ingest-api',
  'analytics.user-activity.outbox.publish': 'outbox-relay',
  'analytics.user-activity.outbox.retry': 'outbox-relay',
  'analytics.user-activity.dispatch.enqueue': 'event-store-consumer',
  'analytics.user-activity.dispatch.execute': 'dispatcher',
  'analytics.user-activity.dispatch.retry': 'dispatcher',
  'analytics.user-activity.dispatch.circuit': 'dispatcher',
  'mq.publish.count': 'outbox-relay',
  'mq.consume.count': 'event-store-consumer',
  'mq.consume.latency': 'event-store-consumer',
};

describe('the runbook during an incident: RabbitMQ cut off, poison, duplicates, PostHog down, a failing hook', () => {
  let pipeline: ConformancePipeline;
  const events = clientEventInputs(5);
  const ids = events.map((event) => event.eventId);
  const curl = <T>(section: '5-1' | '5-2' | '5-3', messageId?: string) =>
    runRunbookCurl<{ success: boolean; data: T }>(runbookCurl(section), {
      url: pipeline.apps['admin-api'].url,
      token: ADMIN_TOKEN,
      messageId,
    });

  beforeAll(async () => {
    pipeline = await startConformancePipeline('runbook', {
      brokerThroughProxy: ['outbox-relay'],
      env: { dispatcher: { DISPATCH_CIRCUIT_FAILURE_THRESHOLD: '2' } },
    });
    pipeline.posthog.respondWith({ status: 500 });
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  it('§6-2 and §5-1 show the FAILED rows while the relay cannot reach RabbitMQ; a provider-none relay says why it skips', async () => {
    pipeline.brokerProxy.cut();
    await pipeline.ingest('anon-runbook', events).expect(202);

    const byStatus = await waitFor(
      '§6-2 to show the rows FAILED and retried',
      playbookQuery(pipeline, '6-2', 0),
      (rows) => rows.some((row) => row.status === 'FAILED' && Number(row.cnt) === 5 && Number(row.max_retry) >= 1),
    );
    expect(byStatus).toHaveLength(1);
    const backlog = await playbookQuery(pipeline, '6-2', 1)();
    expect(backlog.map((row) => row.event_id)).toEqual(ids);
    for (const row of backlog) {
      expect(row).toMatchObject({ status: 'FAILED', next_retry_at: expect.any(Date), last_error: expect.any(String) });
      expect(row.retry_count).toBeGreaterThanOrEqual(1);
    }

    const summary = await curl<Record<string, number>>('5-1');
    expect(summary.data).toMatchObject({ pendingCount: 0, failedCount: 5, publishedCount: 0 });
    expect(summary.data.maxRetryCount).toBeGreaterThanOrEqual(1);

    const none: BootedApp = await pipeline.boot('outbox-relay', { MQ_PROVIDER: 'none' });
    // The broker-cut relay competes for the same rows and pushes them further out with each failure: keep them due
    // until the provider-none relay has claimed them once.
    await waitFor(
      'the provider-none line',
      async () => {
        await pipeline.db.query(`UPDATE user_activity_source_outbox SET next_retry_at = now() WHERE status = 'FAILED'`);
        return pipeline.logs.withMsg(LogSignals.mqProviderNone.msg);
      },
      (l) => l.length > 0,
    );
    await none.close();
  });

  it('§5-2 replay after the cause is gone, §5-3 traces, §6-1 counts the stored events and finds no duplicate', async () => {
    pipeline.brokerProxy.restore();
    const replay = await curl<Record<string, number>>('5-2');
    expect(replay.success).toBe(true);
    expect(replay.data.failedCount).toBe(0);
    expect(replay.data.processedCount).toBe(replay.data.successCount);

    const byStatus = await waitFor(
      '§6-2 to show every row PUBLISHED',
      playbookQuery(pipeline, '6-2', 0),
      (rows) => rows.length === 1 && rows[0].status === 'PUBLISHED' && Number(rows[0].cnt) === 5,
    );
    expect(Number(byStatus[0].max_retry)).toBeGreaterThanOrEqual(1);
    expect(await playbookQuery(pipeline, '6-2', 1)()).toEqual([]);
    await waitFor('§6-1 to count the stored events', playbookQuery(pipeline, '6-1', 0), (rows) =>
      rows.some((row) => row.event_name === 'ui.page.viewed' && Number(row.cnt) === 5),
    );

    const traces = await curl<{ stage: string }[]>('5-3', ids[0]);
    const stages = traces.data.map((trace) => trace.stage);
    expect(stages[0]).toBe('CONSUME_SUCCESS');
    expect(stages).toContain('PUBLISH');
    expect(stages).toContain('PUBLISH_FAIL');
    expect(await playbookQuery(pipeline, '6-1', 1)()).toEqual([]);
  });

  it('logs a poison message as a consume failure and a redelivered event as a duplicate, still stored once', async () => {
    const poisonId = randomUUID();
    await pipeline.publishRaw('{"eventId": ', 'ui.page.viewed', { messageId: poisonId });
    const [stored] = await pipeline.db.query<{ payload: Row }>(
      `SELECT payload FROM user_activity_source_outbox WHERE event_id = $1`,
      [ids[1]],
    );
    await pipeline.publishRaw(JSON.stringify(stored.payload), 'ui.page.viewed');

    await waitFor(
      'the consume failure line',
      () => pipeline.logs.withMsg(LogSignals.mqConsumeFailed.msg),
      (l) => l.some((line) => line.messageId === poisonId),
    );
    await waitFor(
      'the duplicate line',
      () => pipeline.logs.withMsg(LogSignals.storeDuplicate.msg),
      (l) => l.some((line) => line.eventId === ids[1]),
    );
    expect(await playbookQuery(pipeline, '6-1', 1)()).toEqual([]);
  });

  it('logs the hook failure while the dispatch outbox refuses inserts, and stores the event once it accepts them', async () => {
    await pipeline.db.query(`
      CREATE FUNCTION refuse_dispatch_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'dispatch outbox refuses inserts (runbook test)'; END $$`);
    await pipeline.db.query(`
      CREATE TRIGGER refuse_dispatch_enqueue BEFORE INSERT ON user_activity_dispatch_outbox
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_dispatch_enqueue()`);
    const event = canonicalEvent();
    await pipeline.publishEvent(event);
    await waitFor(
      'the hook failure line',
      () => pipeline.logs.withMsg(LogSignals.storeHookFailed.msg),
      (l) => l.length > 0,
    );
    expect(await storedCount(pipeline.db, [event.eventId])).toBe(0);

    await pipeline.db.query(`DROP TRIGGER refuse_dispatch_enqueue ON user_activity_dispatch_outbox`);
    await waitFor(
      'the event stored',
      () => storedCount(pipeline.db, [event.eventId]),
      (count) => count === 1,
    );
  });

  it('§6-3 shows POSTHOG rows FAILED while PostHog answers 500, then DISPATCHED; an unreadable payload stays parked', async () => {
    const dispatchByStatus = playbookQuery(pipeline, '6-3');
    const failing = await waitFor('§6-3 to show FAILED POSTHOG rows', dispatchByStatus, (rows) =>
      rows.some((row) => row.dispatch_target === 'POSTHOG' && row.status === 'FAILED'),
    );
    expect(failing.every((row) => row.dispatch_target === 'POSTHOG')).toBe(true);
    await waitFor(
      'the dispatch failure line',
      () => pipeline.logs.withMsg(LogSignals.dispatchFailed.msg),
      (l) => l.length > 0,
    );

    const breaker = await waitFor(
      'the admin dispatch summary to show the breaker open',
      async () => (await pipeline.admin('get', '/user-activity/dispatch/summary').expect(200)).body.data.targets[0],
      (target) => target.circuit.state === 'OPEN',
    );
    expect(breaker).toMatchObject({ target: 'POSTHOG', failedCount: expect.any(Number) });

    const unreadable = randomUUID();
    await seedDispatchOutbox(pipeline.db, [
      { eventId: unreadable, target: 'POSTHOG', payload: { eventId: unreadable } },
    ]);
    pipeline.posthog.recover();
    const [{ stored }] = await pipeline.db.query<{ stored: number }>(
      `SELECT count(*)::int AS stored FROM user_activity_event`,
    );
    const settled = await waitFor('§6-3 to show every stored event DISPATCHED', dispatchByStatus, (rows) =>
      rows.some((row) => row.status === 'DISPATCHED' && Number(row.cnt) === stored),
    );
    expect(settled.map((row) => [row.dispatch_target, row.status, Number(row.cnt)])).toEqual([
      ['POSTHOG', 'DISPATCHED', stored],
      ['POSTHOG', 'FAILED', 1],
    ]);
    expect(pipeline.logs.withMsg(LogSignals.dispatchPayloadInvalid.msg)).toEqual([
      expect.objectContaining({ eventId: unreadable, target: 'POSTHOG', parked: true }),
    ]);
  });

  it('logs the serialize failure when an event cannot be turned into JSON, and writes nothing', async () => {
    // JSON from HTTP always serializes again; a BigInt is what a caller inside the process could hand over.
    const eventId = randomUUID();
    const ingest = pipeline.apps['ingest-api'].app.get(IngestService);
    const attempt = ingest.ingestServerEvents({
      events: [{ eventId, eventName: 'review.created', properties: { amount: BigInt(10) } }],
    });
    await expect(attempt).rejects.toBeInstanceOf(ApiError);
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(pipeline.logs.withMsg(LogSignals.outboxSerializeFailed.msg)).toEqual([
      expect.objectContaining({ eventId, level: 'error' }),
    ]);
    expect(await pipeline.db.query(`SELECT 1 FROM user_activity_source_outbox WHERE event_id = $1`, [eventId])).toEqual(
      [],
    );
  });

  it('has shown every §1-1 log line with its signal, and run every §6 query', () => {
    for (const { msg, signal } of Object.values(LogSignals)) {
      const lines = pipeline.logs.withMsg(msg);
      expect({ msg, logged: lines.length > 0, signals: [...new Set(lines.map((line) => line.signal))] }).toEqual({
        msg,
        logged: true,
        signals: [signal],
      });
    }
    expect(playbook.filter((block) => !ran.has(block))).toEqual([]);
  });

  it('serves every §1-2 metric on the app that owns it, with the runbook tags and the incident in its counts', async () => {
    const seen: string[] = [];
    for (const metric of runbookMetrics()) {
      const app = METRIC_OWNER[metric.runbookName];
      const family = (await pipeline.scrape(pipeline.apps[app])).get(metric.name);
      expect({ metric: metric.name, app, sampled: (family?.samples.length ?? 0) > 0 }).toEqual({
        metric: metric.name,
        app,
        sampled: true,
      });
      for (const sample of family!.samples) {
        expect(ownLabelNames(sample)).toEqual([...metric.tags, 'app'].sort());
      }
      for (const tag of Object.keys(metric.values)) {
        seen.push(
          ...family!.samples.filter((s) => s.value > 0).map((s) => `${metric.runbookName}{${tag}=${s.labels[tag]}}`),
        );
      }
    }
    expect(seen).toEqual(
      expect.arrayContaining([
        'analytics.user-activity.outbox.publish{result=fail}',
        'analytics.user-activity.outbox.retry{result=scheduled}',
        'analytics.user-activity.dispatch.execute{result=fail}',
        'analytics.user-activity.dispatch.execute{result=success}',
        'analytics.user-activity.dispatch.circuit{state=open}',
      ]),
    );
  });
});
