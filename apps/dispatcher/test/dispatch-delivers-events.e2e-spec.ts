import { randomUUID } from 'node:crypto';
import { CanonicalEvent, EventSource } from '@app/entities';
import { LogSignals } from '@app/observability';
import { canonicalEvent, waitFor } from '@app/testing';
import { allDispatched, DispatcherHarness, metricValue, POSTHOG_API_KEY, startDispatcher } from './dispatcher.harness';

describe('dispatcher delivers stored events to PostHog', () => {
  let harness: DispatcherHarness;

  beforeAll(async () => {
    harness = await startDispatcher('dispatch_delivers');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('delivers 500 events, each uuid exactly once, with its person, time and properties', async () => {
    const events: CanonicalEvent[] = Array.from({ length: 500 }, (_, i) => {
      const occurredAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      if (i % 3 === 0) {
        return canonicalEvent({ memberId: 1_000 + i, anonymousId: null, occurredAt, properties: { n: i } });
      }
      if (i % 3 === 1) {
        return canonicalEvent({ anonymousId: `anon-${i}`, occurredAt, properties: { n: i } });
      }
      return canonicalEvent({ memberId: null, anonymousId: null, source: EventSource.Server, occurredAt });
    });
    await harness.seed(events);
    const ids = events.map((event) => event.eventId);

    const rows = await waitFor(
      'all 500 rows DISPATCHED',
      () => harness.rows(ids),
      (r) => allDispatched(r, 500),
    );
    expect(rows.every((row) => row.dispatched_at !== null && row.last_error === null)).toBe(true);

    const counts = harness.posthog.deliveredUuidCounts();
    expect(ids.every((id) => counts.get(id) === 1)).toBe(true);
    expect(counts.size).toBe(500);
    expect(new Set(harness.posthog.requests.map((r) => r.apiKey))).toEqual(new Set([POSTHOG_API_KEY]));

    const sent = new Map(harness.posthog.deliveredEvents().map((event) => [event.uuid, event]));
    const [member, anonymous, server] = events;
    expect(sent.get(member.eventId)).toEqual({
      event: member.eventName,
      uuid: member.eventId,
      distinct_id: String(member.memberId),
      timestamp: member.occurredAt,
      properties: {
        n: 0,
        event_id: member.eventId,
        event_version: 'v1',
        member_id: member.memberId,
        anonymous_id: null,
        source: 'CLIENT',
      },
    });
    expect(sent.get(anonymous.eventId)).toMatchObject({
      distinct_id: anonymous.anonymousId,
      timestamp: anonymous.occurredAt,
      properties: { n: 1, anonymous_id: anonymous.anonymousId, member_id: null },
    });
    expect(sent.get(server.eventId)).toMatchObject({
      distinct_id: server.eventId,
      properties: { path: '/home', source: 'SERVER' },
    });

    const app = harness.dispatchers[0];
    expect(
      await metricValue(app, 'analytics_user_activity_dispatch_execute_total', {
        result: 'success',
        target: 'POSTHOG',
      }),
    ).toBe(500);
    await waitFor(
      'the pending gauge to drop to 0',
      () => metricValue(app, 'analytics_user_activity_dispatch_outbox_pending', { target: 'POSTHOG' }),
      (pending) => pending === 0,
    );
    expect(
      await metricValue(app, 'analytics_user_activity_dispatch_circuit_state', {
        target: 'POSTHOG',
        app: 'dispatcher',
      }),
    ).toBe(0);
  });

  it('parks a row whose payload is not a canonical event and logs the runbook line', async () => {
    const brokenId = randomUUID();
    const good = canonicalEvent();
    await harness.seedPayload(brokenId, { eventId: brokenId, eventName: 'ui.page.viewed' });
    await harness.seed([good]);

    const [broken] = await waitFor(
      'the broken row to be parked',
      () => harness.rows([brokenId]),
      ([row]) => row?.status === 'FAILED',
    );
    expect(broken.next_retry_at).toBeNull();
    expect(broken.last_error).toMatch(/^unreadable payload: /);
    await waitFor(
      'the good row DISPATCHED',
      () => harness.rows([good.eventId]),
      (r) => allDispatched(r, 1),
    );
    expect(harness.posthog.requests.flatMap((r) => r.batch).some((e) => e.uuid === brokenId)).toBe(false);

    const lines = harness.dispatchers[0].logs.withMsg(LogSignals.dispatchPayloadInvalid.msg);
    expect(lines).toEqual([
      expect.objectContaining({
        signal: 'dispatch_payload_invalid',
        target: 'POSTHOG',
        outboxId: broken.id,
        eventId: brokenId,
        level: 'error',
      }),
    ]);
  });
});
