import { ContractValidationError, isStorableTime, parseCanonicalEvent } from './canonical-event';

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

describe('parseCanonicalEvent envelope', () => {
  const reasonFor = (body: unknown) => {
    try {
      parseCanonicalEvent(body);
    } catch (error) {
      expect(error).toBeInstanceOf(ContractValidationError);
      expect((error as Error).message).toBe(`invalid canonical event: ${(error as ContractValidationError).reason}`);
      return (error as ContractValidationError).reason;
    }
    throw new Error('the body was accepted');
  };

  it('reads a complete event as it is', () => {
    expect(parseCanonicalEvent({ ...event, memberId: 42, properties: { page: '/' } })).toEqual({
      ...event,
      memberId: 42,
      properties: { page: '/' },
    });
  });

  it('fills what the envelope may leave out: eventVersion v1, no member, no visitor, no properties', () => {
    const required = {
      eventId: event.eventId,
      eventName: event.eventName,
      occurredAt: event.occurredAt,
      receivedAt: event.receivedAt,
    };
    expect(parseCanonicalEvent({ ...required, source: 'SERVER' })).toEqual({
      ...required,
      source: 'SERVER',
      eventVersion: 'v1',
      memberId: null,
      anonymousId: null,
      properties: {},
    });
  });

  it.each([
    ['null', null],
    ['a string', 'e-1'],
    ['an array', [event]],
  ])('refuses a body that is %s', (_label, body) => {
    expect(reasonFor(body)).toBe('body must be a JSON object');
  });

  it.each([
    ['a fraction', 1.5],
    ['a numeric string', '42'],
    ['beyond safe integers', 2 ** 53],
  ])('refuses a memberId that is %s', (_label, memberId) => {
    expect(reasonFor({ ...event, memberId })).toBe('memberId must be an integer or null');
  });

  it.each([
    ['missing', undefined],
    ['lower case', 'client'],
    ['unknown', 'BROWSER'],
  ])('refuses a source that is %s', (_label, source) => {
    expect(reasonFor({ ...event, source })).toBe('source must be CLIENT or SERVER');
  });

  it.each([
    ['a number', 7],
    ['an array', ['a']],
    ['a string', 'page=/'],
  ])('refuses properties that are %s', (_label, properties) => {
    expect(reasonFor({ ...event, properties })).toBe('properties must be an object');
  });

  it.each([
    ['eventId', 64],
    ['eventName', 100],
    ['eventVersion', 20],
    ['anonymousId', 100],
  ] as const)('refuses a %s that is missing, blank, not a string or too long, and names the field', (field, max) => {
    const reason = `${field} must be a non-blank string of at most ${max} characters`;
    if (field !== 'eventVersion' && field !== 'anonymousId') {
      expect(reasonFor({ ...event, [field]: undefined })).toBe(reason);
    }
    expect(reasonFor({ ...event, [field]: '' })).toBe(reason);
    expect(reasonFor({ ...event, [field]: '  ' })).toBe(reason);
    expect(reasonFor({ ...event, [field]: 7 })).toBe(reason);
    expect(reasonFor({ ...event, [field]: 'x'.repeat(max + 1) })).toBe(reason);
    expect(parseCanonicalEvent({ ...event, [field]: 'x'.repeat(max) })[field]).toBe('x'.repeat(max));
  });

  it.each(['occurredAt', 'receivedAt'] as const)('refuses a %s that is not an ISO-8601 instant', (field) => {
    const reason = `${field} must be an ISO-8601 instant`;
    for (const value of [undefined, 1_771_581_600_000, '2026-02-20', '2026-02-20 10:00:00Z', '2026-13-40T10:00:00Z']) {
      expect(reasonFor({ ...event, [field]: value })).toBe(reason);
    }
    expect(parseCanonicalEvent({ ...event, [field]: '2026-02-20T19:00:00+09:00' })[field]).toBe(
      '2026-02-20T19:00:00+09:00',
    );
  });
});

describe('isStorableTime', () => {
  it('holds years 1 to 9999, which both timestamptz and an ISO-8601 string can hold', () => {
    expect(isStorableTime(Date.UTC(2026, 1, 20))).toBe(true);
    expect(isStorableTime(Date.UTC(9999, 11, 31, 23, 59, 59))).toBe(true);
    expect(isStorableTime(new Date('0001-01-01T00:00:00Z').getTime())).toBe(true);
    expect(isStorableTime(Date.UTC(10000, 0, 1))).toBe(false);
    expect(isStorableTime(new Date('0001-01-01T00:00:00Z').getTime() - 1)).toBe(false);
    expect(isStorableTime(Number.NaN)).toBe(false);
  });
});
