import { LogSignals } from '@app/observability';
import { BootedApp, canonicalEvent, waitFor } from '@app/testing';
import {
  EVENT_STORE_DLQ,
  EVENT_STORE_QUEUE,
  EventStoreHarness,
  metricValue,
  startEventStoreHarness,
} from './event-store.harness';

describe('event-store-consumer when the after-store hook fails', () => {
  let harness: EventStoreHarness;
  let consumer: BootedApp;

  beforeAll(async () => {
    harness = await startEventStoreHarness('store_hook_failure');
    consumer = await harness.startConsumer();
  });

  afterAll(async () => {
    await harness.close();
  });

  it('commits no event without its dispatch row, and stores both once the cause is removed', async () => {
    await harness.db.query(`
      CREATE FUNCTION refuse_dispatch_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'dispatch outbox refuses inserts (test)'; END $$`);
    await harness.db.query(`
      CREATE TRIGGER refuse_dispatch_enqueue BEFORE INSERT ON user_activity_dispatch_outbox
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_dispatch_enqueue()`);
    const events = Array.from({ length: 50 }, () => canonicalEvent());
    const ids = events.map((event) => event.eventId);
    await harness.publish(events);

    const hookLines = await waitFor(
      'the hook failure retried',
      () => consumer.logs.withMsg(LogSignals.storeHookFailed.msg),
      (lines) => lines.length >= 3,
    );
    expect(hookLines[0]).toMatchObject({
      level: 'error',
      signal: 'store_hook_failed',
      targets: ['POSTHOG'],
      error: expect.stringMatching(/dispatch outbox refuses inserts/),
    });
    expect(await harness.storedCount(ids)).toBe(0);
    expect(await harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);
    expect(
      await metricValue(
        consumer,
        /analytics_user_activity_dispatch_enqueue_total\{result="fail",target="POSTHOG",app="event-store-consumer"\} (\d+)/,
      ),
    ).toBeGreaterThanOrEqual(150);

    await harness.db.query(`DROP TRIGGER refuse_dispatch_enqueue ON user_activity_dispatch_outbox`);
    await waitFor(
      'the events stored',
      () => harness.storedCount(ids),
      (count) => count === 50,
    );
    const orphans = await harness.db.query(
      `SELECT e.event_id FROM user_activity_event e
       LEFT JOIN user_activity_dispatch_outbox d ON d.event_id = e.event_id AND d.dispatch_target = 'POSTHOG'
       WHERE d.id IS NULL`,
    );
    expect(orphans).toEqual([]);
    const [{ dispatchRows }] = await harness.db.query<{ dispatchRows: number }>(
      `SELECT count(*)::int AS "dispatchRows" FROM user_activity_dispatch_outbox WHERE event_id = ANY($1)`,
      [ids],
    );
    expect(dispatchRows).toBe(50);
    await waitFor(
      'the queue drained',
      () => harness.queueDepth(EVENT_STORE_QUEUE),
      (depth) => depth === 0,
    );
    expect(await harness.queueDepth(EVENT_STORE_DLQ)).toBe(0);
  });
});
