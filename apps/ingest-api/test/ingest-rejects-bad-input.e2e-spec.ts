import request from 'supertest';
import { clientEventInput, clientEventInputs } from '@app/testing';
import { IngestHarness, SERVICE_TOKEN, startIngest } from './ingest-api.harness';

const ENDPOINT = '/api/v1/analytics/events';
const SERVER_ENDPOINT = '/api/v1/internal/user-activity/events';
const EVENT = { eventId: 'a', eventName: 'ui.page.viewed' };

describe('ingest-api rejects bad input with a clear 4xx and writes nothing', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    // A day-long rate-limit window, so the 121-request test never straddles a window boundary.
    harness = await startIngest('ingest_rejects', {
      ANALYTICS_INGEST_MAX_BODY_BYTES: '4096',
      ANALYTICS_INGEST_RATE_LIMIT_WINDOW: 'P1D',
    });
  });

  afterAll(async () => {
    await harness.close();
  });

  // Each test on its own: a refused request adds no outbox row, whatever an earlier test left behind.
  let rowsBefore: number;

  const outboxRows = async () =>
    (await harness.db.query<{ count: number }>('SELECT count(*)::int AS count FROM user_activity_source_outbox'))[0]
      .count;

  beforeEach(async () => {
    rowsBefore = await outboxRows();
  });

  afterEach(async () => {
    expect(await outboxRows()).toBe(rowsBefore);
  });

  function post(body: unknown, anonymousId = 'anon-bad') {
    return request(harness.ingest.url)
      .post(ENDPOINT)
      .set('X-Anonymous-Id', anonymousId)
      .send(body as object);
  }

  it('malformed JSON → 400 INVALID_REQUEST', async () => {
    const response = await request(harness.ingest.url)
      .post(ENDPOINT)
      .set('Content-Type', 'application/json')
      .send('{"events": [')
      .expect(400);
    expect(response.body).toMatchObject({
      success: false,
      code: 'INVALID_REQUEST',
      message: '요청 값이 올바르지 않습니다.',
    });
  });

  it('a body over the limit → 413', async () => {
    const events = [clientEventInput({ properties: { blob: 'x'.repeat(5000) } })];
    const response = await post({ events }).expect(413);
    expect(response.body).toMatchObject({ success: false, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('a non-JSON content type → 415', async () => {
    const response = await request(harness.ingest.url)
      .post(ENDPOINT)
      .set('Content-Type', 'text/plain')
      .send('events')
      .expect(415);
    expect(response.body).toMatchObject({ success: false, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('51 events → 400 ANALYTICS_INGEST_BATCH_LIMIT_EXCEEDED', async () => {
    const response = await post({
      events: clientEventInputs(51).map((e) => ({ eventId: e.eventId, eventName: e.eventName })),
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      code: 'ANALYTICS_INGEST_BATCH_LIMIT_EXCEEDED',
      message: '한 번에 수집 가능한 이벤트 수를 초과했습니다.',
    });
  });

  it('an event name off the allowlist → 400 ANALYTICS_INGEST_EVENT_NOT_ALLOWED naming it', async () => {
    const events = [clientEventInput(), clientEventInput({ eventName: 'ui.secret.peeked' })];
    const response = await post({ events }).expect(400);
    expect(response.body).toMatchObject({
      code: 'ANALYTICS_INGEST_EVENT_NOT_ALLOWED',
      message: '허용되지 않은 이벤트가 포함되어 있습니다.',
      notAllowedEventNames: ['ui.secret.peeked'],
    });
  });

  it('an anonymous caller without anonymousId → 400 ANALYTICS_INGEST_ANONYMOUS_ID_REQUIRED', async () => {
    const response = await request(harness.ingest.url)
      .post(ENDPOINT)
      .send({ events: [clientEventInput()] })
      .expect(400);
    expect(response.body).toMatchObject({
      code: 'ANALYTICS_INGEST_ANONYMOUS_ID_REQUIRED',
      message: '익명 이벤트 수집에는 anonymousId가 필요합니다.',
    });
  });

  it('a 65-character eventId → 400 INVALID_REQUEST naming the field', async () => {
    const response = await post({ events: [clientEventInput({ eventId: 'e'.repeat(65) })] }).expect(400);
    expect(response.body.code).toBe('INVALID_REQUEST');
    expect(response.body.errors).toEqual([
      expect.objectContaining({ field: 'events[0].eventId', rejectedValue: 'e'.repeat(65) }),
    ]);
  });

  it.each([
    ['events is not an array', { events: 'many' }, 'events'],
    ['events is empty', { events: [] }, 'events'],
    ['eventName is a number', { events: [{ eventId: 'a', eventName: 42 }] }, 'events[0].eventName'],
    [
      'occurredAt is not an instant',
      { events: [{ eventId: 'a', eventName: 'ui.page.viewed', occurredAt: 'yesterday' }] },
      'events[0].occurredAt',
    ],
    [
      'properties is an array',
      { events: [{ eventId: 'a', eventName: 'ui.page.viewed', properties: [1] }] },
      'events[0].properties',
    ],
    [
      'an unknown field',
      { events: [{ eventId: 'a', eventName: 'ui.page.viewed', source: 'SERVER' }] },
      'events[0].source',
    ],
    ['a blank eventId', { events: [{ eventId: '', eventName: 'ui.page.viewed' }] }, 'events[0].eventId'],
    ['a NUL character', { events: [{ eventId: 'a\u0000b', eventName: 'ui.page.viewed' }] }, 'events[0].eventId'],
    ['the body is an array', [{ eventId: 'a' }], 'events'],
  ])('wrong types: %s → 400 INVALID_REQUEST', async (_case, body, field) => {
    const response = await post(body).expect(400);
    expect(response.body.code).toBe('INVALID_REQUEST');
    expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it.each([
    ['events missing', {}, [{ field: 'events', reason: 'events is required' }]],
    ['events null', { events: null }, [{ field: 'events', reason: 'events must be an array', rejectedValue: null }]],
    ['events a number', { events: 3 }, [{ field: 'events', reason: 'events must be an array', rejectedValue: 3 }]],
    [
      'an event a string',
      { events: ['e'] },
      [{ field: 'events[0]', reason: 'each item of events must be an object', rejectedValue: 'e' }],
    ],
    [
      'eventId missing',
      { events: [{ eventName: 'ui.page.viewed' }] },
      [{ field: 'events[0].eventId', reason: 'eventId is required' }],
    ],
    [
      'eventId a number',
      { events: [{ ...EVENT, eventId: 7 }] },
      [{ field: 'events[0].eventId', reason: 'eventId must be a string', rejectedValue: 7 }],
    ],
    [
      'eventId null',
      { events: [{ ...EVENT, eventId: null }] },
      [{ field: 'events[0].eventId', reason: 'eventId must be a string', rejectedValue: null }],
    ],
    [
      'eventName missing',
      { events: [{ eventId: 'a' }] },
      [{ field: 'events[0].eventName', reason: 'eventName is required' }],
    ],
    [
      'eventName an array',
      { events: [{ ...EVENT, eventName: ['ui.page.viewed'] }] },
      [{ field: 'events[0].eventName', reason: 'eventName must be a string' }],
    ],
    [
      'eventVersion a number',
      { events: [{ ...EVENT, eventVersion: 2 }] },
      [{ field: 'events[0].eventVersion', reason: 'eventVersion must be a string', rejectedValue: 2 }],
    ],
    [
      'occurredAt a number',
      { events: [{ ...EVENT, occurredAt: 1771581600000 }] },
      [{ field: 'events[0].occurredAt', reason: 'occurredAt must be a string', rejectedValue: 1771581600000 }],
    ],
    [
      'properties a string',
      { events: [{ ...EVENT, properties: 'path=/' }] },
      [{ field: 'events[0].properties', reason: 'properties must be an object', rejectedValue: 'path=/' }],
    ],
    [
      'anonymousId a boolean',
      { anonymousId: true, events: [EVENT] },
      [{ field: 'anonymousId', reason: 'anonymousId must be a string', rejectedValue: true }],
    ],
  ])('%s → 400 INVALID_REQUEST with the basic reason, not a later rule', async (_case, body, errors) => {
    const response = await post(body).expect(400);
    expect(response.body).toMatchObject({
      success: false,
      code: 'INVALID_REQUEST',
      message: '요청 값이 올바르지 않습니다.',
    });
    expect(response.body.errors).toEqual(errors);
  });

  it.each([
    [
      'eventName missing',
      { events: [{ eventId: 'a' }] },
      [{ field: 'events[0].eventName', reason: 'eventName is required' }],
    ],
    [
      'eventId a number',
      { events: [{ eventId: 7, eventName: 'review.created' }] },
      [{ field: 'events[0].eventId', reason: 'eventId must be a string', rejectedValue: 7 }],
    ],
    [
      'memberId a string',
      { events: [{ eventName: 'review.created', memberId: '42' }] },
      [{ field: 'events[0].memberId', reason: 'memberId must be an integer number', rejectedValue: '42' }],
    ],
    [
      'memberId a boolean',
      { events: [{ eventName: 'review.created', memberId: true }] },
      [{ field: 'events[0].memberId', reason: 'memberId must be an integer number', rejectedValue: true }],
    ],
  ])('server event, %s → 400 INVALID_REQUEST with the basic reason', async (_case, body, errors) => {
    const response = await request(harness.ingest.url)
      .post(SERVER_ENDPOINT)
      .set('Authorization', `Bearer ${SERVICE_TOKEN}`)
      .send(body)
      .expect(400);
    expect(response.body.errors).toEqual(errors);
  });

  it.each([
    [
      'a blank eventId over 64 characters',
      { events: [{ ...EVENT, eventId: ' '.repeat(65) }] },
      ['eventId must not be blank', 'eventId must be shorter than or equal to 64 characters'],
    ],
    [
      'an occurredAt that is no instant',
      { events: [{ ...EVENT, occurredAt: 'yesterday' }] },
      [
        'occurredAt must be a valid ISO 8601 date string',
        'occurredAt must be an ISO-8601 instant between the years 1 and 9999',
      ],
    ],
  ])('%s → every failed rule of the field, in the order they are checked', async (_case, body, reasons) => {
    const response = await post(body).expect(400);
    expect(response.body.errors.map((error: { reason: string }) => error.reason)).toEqual(reasons);
  });

  it('the 121st request of a window → 429 with Retry-After and RateLimit headers', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 120; i++) {
      statuses.push((await post({ events: [{ eventId: `x${i}`, eventName: 'ui.not.listed' }] }, 'anon-rate')).status);
    }
    expect(statuses.every((status) => status === 400)).toBe(true);
    const limited = await post({ events: [clientEventInput()] }, 'anon-rate').expect(429);
    expect(limited.body).toMatchObject({
      code: 'ANALYTICS_INGEST_RATE_LIMIT_EXCEEDED',
      message: '이벤트 수집 요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.',
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['ratelimit-limit']).toBe('120');
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    await post({ events: [{ eventId: 'other-caller', eventName: 'ui.not.listed' }] }, 'anon-other').expect(400);
  });

  it('counts rejected requests by result on /metrics', async () => {
    const metrics = (await request(harness.ingest.url).get('/metrics')).text;
    expect(metrics).toMatch(
      /analytics_user_activity_ingest_requests_total\{result="invalid",source="unknown",route="native",app="ingest-api"\} \d+/,
    );
    expect(metrics).toMatch(
      /analytics_user_activity_ingest_requests_total\{result="not_allowed",source="client",route="native",app="ingest-api"\} \d+/,
    );
    expect(metrics).toMatch(
      /analytics_user_activity_ingest_requests_total\{result="rate_limited",source="client",route="native",app="ingest-api"\} 1/,
    );
  });
});
