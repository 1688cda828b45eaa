import { EVENT_ID_UUID_NAMESPACE, EventSource, uuidV5 } from '@app/entities';
import { SdkEventDraft, SdkMapping, toSdkCanonicalEvent } from './sdk-event';

const RECEIVED_AT = '2026-11-30T12:00:00.000Z';
const RECEIVED_MS = Date.parse(RECEIVED_AT);

function map(fields: Partial<SdkEventDraft>, allowed = true): SdkMapping {
  const draft: SdkEventDraft = {
    id: 'e-1',
    idField: 'uuid',
    name: 'ui.page.viewed',
    identity: ['anon-1'],
    timestamp: undefined,
    sentAt: undefined,
    properties: {},
    extras: {},
    ...fields,
  };
  return toSdkCanonicalEvent(draft, EventSource.Client, () => allowed, RECEIVED_AT);
}

function event(fields: Partial<SdkEventDraft>) {
  const mapping = map(fields);
  if (!('event' in mapping)) {
    throw new Error(`skipped: ${mapping.reason}`);
  }
  return mapping.event;
}

describe('toSdkCanonicalEvent', () => {
  it.each([
    ['12345', 12345, null],
    [12345, 12345, null],
    ['9007199254740991', 9007199254740991, null],
    ['9007199254740992', null, '9007199254740992'],
    ['007', null, '007'],
    ['0', null, '0'],
    ['-5', null, '-5'],
    [1.5, null, '1.5'],
    ['user-42', null, 'user-42'],
  ])('maps the identity %j to memberId %j, anonymousId %j', (given, memberId, anonymousId) => {
    expect(event({ identity: [given] })).toMatchObject({ memberId, anonymousId });
  });

  it('takes the first identity candidate that is present, and skips an event with none', () => {
    expect(event({ identity: [undefined, '', '  ', 'second'] }).anonymousId).toBe('second');
    expect(map({ identity: [undefined, null] })).toEqual({
      skipped: 'invalid',
      reason: 'no distinct_id, userId or anonymousId',
    });
    expect(map({ identity: ['a'.repeat(101)] })).toMatchObject({ skipped: 'invalid' });
  });

  it('keeps an id within 64 characters and 255 bytes, and derives a stable uuid for a longer one', () => {
    expect(event({ id: 'x'.repeat(64) }).eventId).toBe('x'.repeat(64));
    const emoji = '😀'.repeat(64);
    expect(event({ id: emoji })).toMatchObject({
      eventId: uuidV5(emoji, EVENT_ID_UUID_NAMESPACE),
      properties: { uuid: emoji },
    });
    expect(event({ id: 42 }).eventId).toBe('42');
    expect(map({ id: { not: 'an id' } })).toMatchObject({ skipped: 'invalid' });
  });

  it('corrects the timestamp by the sentAt skew, falls back to offset, and clamps the future', () => {
    const at = (fields: Partial<SdkEventDraft>) => Date.parse(event(fields).occurredAt);
    expect(at({ timestamp: '2030-01-01T00:00:00.000Z', sentAt: '2030-01-01T00:00:03.000Z' })).toBe(RECEIVED_MS - 3_000);
    expect(at({ timestamp: '2026-11-30T11:00:00.000Z' })).toBe(RECEIVED_MS - 3_600_000);
    expect(at({ timestamp: '2026-11-30T11:00:00.000Z', sentAt: 'garbage' })).toBe(RECEIVED_MS - 3_600_000);
    expect(at({ offset: 1_500 })).toBe(RECEIVED_MS - 1_500);
    expect(at({})).toBe(RECEIVED_MS);
    expect(at({ timestamp: '2099-01-01T00:00:00.000Z' })).toBe(RECEIVED_MS);
    expect(map({ timestamp: 'yesterday' })).toMatchObject({ skipped: 'invalid' });
    expect(map({ offset: 1e20 })).toMatchObject({ skipped: 'invalid' });
  });

  it('adds the extras the properties do not hold, drops top-level nulls, and checks the allowlist last', () => {
    expect(
      event({ properties: { a: 1, $set: { kept: true }, gone: null }, extras: { $set: { lost: true }, context: {} } })
        .properties,
    ).toEqual({ a: 1, $set: { kept: true }, context: {} });
    expect(map({}, false)).toEqual({ skipped: 'not_allowed', reason: 'ui.page.viewed' });
    expect(map({ name: 'x'.repeat(101) }, false)).toMatchObject({ skipped: 'invalid' });
    expect(map({ properties: 'text' })).toMatchObject({ skipped: 'invalid' });
  });
});
