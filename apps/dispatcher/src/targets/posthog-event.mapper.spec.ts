import { EventSource } from '@app/entities';
import { toPosthogEvent } from './posthog-event.mapper';

const base = {
  eventId: 'e-1',
  eventName: 'ui.page.viewed',
  eventVersion: 'v2',
  occurredAt: '2026-02-20T01:02:03.000Z',
  source: EventSource.Client,
  properties: { path: '/home', event_id: 'spoofed' },
  receivedAt: '2026-02-20T01:02:04.000Z',
};

describe('toPosthogEvent', () => {
  it('uses the member as the person and keeps the event id in the properties', () => {
    expect(toPosthogEvent({ ...base, memberId: 42, anonymousId: null })).toEqual({
      event: 'ui.page.viewed',
      distinct_id: '42',
      timestamp: '2026-02-20T01:02:03.000Z',
      uuid: '894d11b1-091d-5795-b821-647244f4f2fa',
      properties: {
        path: '/home',
        event_id: 'e-1',
        event_version: 'v2',
        member_id: 42,
        anonymous_id: null,
        source: 'CLIENT',
      },
    });
  });

  it('sends an event id that is a UUID as the uuid', () => {
    const eventId = '0190f5a2-7c1e-7b3a-9d4e-1f2a3b4c5d6e';
    const mapped = toPosthogEvent({ ...base, eventId, memberId: null, anonymousId: 'anon-7' });
    expect(mapped.uuid).toBe(eventId);
    expect(mapped.properties.event_id).toBe(eventId);
  });

  it('falls back to the anonymous id, then to the event id', () => {
    expect(toPosthogEvent({ ...base, memberId: null, anonymousId: 'anon-7' }).distinct_id).toBe('anon-7');
    expect(toPosthogEvent({ ...base, memberId: null, anonymousId: null }).distinct_id).toBe('e-1');
  });
});
