import { POSTHOG_MAX_BODY_BYTES, refuseBatch, refuseBodySize } from './posthog-capture-contract';

const event = (overrides: Record<string, unknown> = {}) => ({
  event: 'ui.page.viewed',
  distinct_id: 'anon-1',
  timestamp: '2026-02-20T01:02:03.000Z',
  uuid: '0190f5a2-7c1e-7b3a-9d4e-1f2a3b4c5d6e',
  properties: { path: '/' },
  ...overrides,
});
const body = (events: unknown[], apiKey: unknown = 'phc_key') => ({ api_key: apiKey, batch: events });

describe('the PostHog capture contract', () => {
  it('takes a well-formed batch, and uuids in every form capture reads, or none', () => {
    expect(refuseBatch(body([event(), event({ uuid: undefined }), event({ uuid: '' })]))).toBeNull();
    for (const uuid of [
      '0190F5A27C1E7B3A9D4E1F2A3B4C5D6E',
      '{0190f5a2-7c1e-7b3a-9d4e-1f2a3b4c5d6e}',
      'urn:uuid:0190f5a2-7c1e-7b3a-9d4e-1f2a3b4c5d6e',
    ]) {
      expect(refuseBatch(body([event({ uuid })]))).toBeNull();
    }
    expect(refuseBatch(body([event({ distinct_id: 42 })]))).toBeNull();
  });

  it('refuses the whole batch with 400 when one uuid does not parse', () => {
    expect(refuseBatch(body([event(), event({ uuid: 'e-1' })]))).toEqual({
      status: 400,
      message: 'failed to parse request: invalid uuid "e-1"',
    });
    expect(refuseBatch(body([event({ uuid: 7 })]))?.status).toBe(400);
  });

  it.each([
    ['an empty event name', event({ event: '' }), 'event submitted with an empty event name'],
    ['no event name', event({ event: undefined }), 'failed to parse request: missing field `event`'],
    ['an empty distinct_id', event({ distinct_id: '' }), 'event submitted without a distinct_id'],
    ['no distinct_id', event({ distinct_id: null }), 'event submitted without a distinct_id'],
    ['an event over 1 MB', event({ properties: { blob: 'x'.repeat(1_000_000) } }), 'maximum event size exceeded'],
  ])('refuses %s with 400', (_case, bad, message) => {
    expect(refuseBatch(body([event(), bad]))).toEqual({ status: 400, message });
  });

  it('refuses an empty batch or a body without one with 400', () => {
    expect(refuseBatch(body([]))).toEqual({ status: 400, message: 'request holds no event' });
    expect(refuseBatch({ api_key: 'phc_key' })?.status).toBe(400);
    expect(refuseBatch([event()])?.status).toBe(400);
  });

  it.each([
    ['no api_key', null, 'event submitted without an api_key'],
    ['an empty api_key', '', 'API key is not valid: empty'],
    ['a personal API key', 'phx_secret', 'API key is not valid: personal_api_key'],
    ['a key that is not ASCII', 'phc_키', 'API key is not valid: not_ascii'],
  ])('refuses %s with 401', (_case, apiKey, message) => {
    expect(refuseBatch(body([event()], apiKey))).toEqual({ status: 401, message });
  });

  it('reads the key from the events when the body has none, and refuses differing keys', () => {
    expect(refuseBatch({ batch: [event({ api_key: 'phc_key' })] })).toBeNull();
    expect(refuseBatch({ batch: [event({ api_key: 'phc_a' }), event({ api_key: 'phc_b' })] })).toEqual({
      status: 401,
      message: 'batch submitted with inconsistent api_key values',
    });
  });

  it('refuses a body over 20 MB with 413', () => {
    expect(refuseBodySize(POSTHOG_MAX_BODY_BYTES)).toBeNull();
    expect(refuseBodySize(POSTHOG_MAX_BODY_BYTES + 1)).toEqual({ status: 413, message: 'length limit exceeded' });
  });
});
