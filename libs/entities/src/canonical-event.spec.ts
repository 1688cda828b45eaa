import { ContractValidationError, parseCanonicalEvent } from './canonical-event';

const event = {
  eventId: 'e-1',
  eventName: 'ui.page.viewed',
  eventVersion: 'v1',
  occurredAt: '2026-02-20T10:00:00.000Z',
  memberId: null,
  anonymousId: 'anon-1',
  source: 'CLIENT',
  properties: {},
  receivedAt: '2026-02-20T10:00:01.000Z',
};

describe('parseCanonicalEvent field lengths', () => {
  it('counts characters as VARCHAR(n) and ingest-api do: 20 emoji fit an eventVersion of at most 20', () => {
    const version = '🎵'.repeat(20);
    expect(version.length).toBe(40);
    expect(parseCanonicalEvent({ ...event, eventVersion: version }).eventVersion).toBe(version);
    expect(parseCanonicalEvent({ ...event, eventId: '𝄞'.repeat(64) }).eventId).toBe('𝄞'.repeat(64));
  });

  it('still refuses one character too many, however it is encoded', () => {
    expect(() => parseCanonicalEvent({ ...event, eventVersion: '🎵'.repeat(21) })).toThrow(ContractValidationError);
    expect(() => parseCanonicalEvent({ ...event, eventId: 'x'.repeat(65) })).toThrow(ContractValidationError);
    expect(() => parseCanonicalEvent({ ...event, anonymousId: 'a'.repeat(60) + '𝄞'.repeat(41) })).toThrow(
      ContractValidationError,
    );
  });
});
