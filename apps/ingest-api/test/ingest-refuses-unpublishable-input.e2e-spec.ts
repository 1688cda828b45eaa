import request from 'supertest';
import { IngestHarness, SERVICE_TOKEN, startIngest } from './ingest-api.harness';

const CLIENT = '/api/v1/analytics/events';
const SERVER = '/api/v1/internal/user-activity/events';

/**
 * Inputs that once got a 202 and were then parked by the relay (lost), or a 5xx: each must be a 400 that names the
 * field, with nothing stored.
 */
describe('ingest-api refuses what the rest of the pipeline could not carry', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startIngest('ingest_unpublishable');
  });

  afterAll(async () => {
    await harness.close();
  });

  afterEach(async () => {
    const [{ count }] = await harness.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM user_activity_source_outbox',
    );
    expect(count).toBe(0);
  });

  function client(body: unknown) {
    return request(harness.ingest.url)
      .post(CLIENT)
      .set('X-Anonymous-Id', 'anon-edge')
      .send(body as object);
  }

  function fieldsOf(body: { errors?: { field: string }[] }): string[] {
    return (body.errors ?? []).map((error) => error.field);
  }

  it.each([
    ['eventId', { events: [{ eventId: '   ', eventName: 'ui.page.viewed' }] }, 'events[0].eventId'],
    ['eventId (no-break space)', { events: [{ eventId: '\u00a0', eventName: 'ui.page.viewed' }] }, 'events[0].eventId'],
    [
      'eventVersion',
      { events: [{ eventId: 'a', eventName: 'ui.page.viewed', eventVersion: '\t' }] },
      'events[0].eventVersion',
    ],
    ['anonymousId', { anonymousId: ' ', events: [{ eventId: 'a', eventName: 'ui.page.viewed' }] }, 'anonymousId'],
  ])('a blank %s → 400 INVALID_REQUEST naming it', async (_case, body, field) => {
    const response = await client(body).expect(400);
    expect(response.body.code).toBe('INVALID_REQUEST');
    expect(fieldsOf(response.body)).toContain(field);
  });

  it('a blank server eventName → 400 INVALID_REQUEST naming it', async () => {
    const response = await request(harness.ingest.url)
      .post(SERVER)
      .set('Authorization', `Bearer ${SERVICE_TOKEN}`)
      .send({ events: [{ eventId: 'b', eventName: '  ' }] })
      .expect(400);
    expect(fieldsOf(response.body)).toContain('events[0].eventName');
  });

  it.each([
    [
      'a client eventId of 64 emoji (256 bytes)',
      CLIENT,
      { eventId: '😀'.repeat(64), eventName: 'ui.page.viewed' },
      'events[0].eventId',
      'eventId must be at most 255 bytes in UTF-8 (it is the AMQP messageId)',
    ],
    [
      'a server eventId of 64 emoji (256 bytes)',
      SERVER,
      { eventId: '😀'.repeat(64), eventName: 'review.created' },
      'events[0].eventId',
      'eventId must be at most 255 bytes in UTF-8 (it is the AMQP messageId)',
    ],
    [
      'a server eventName of 90 Hangul syllables (270 bytes)',
      SERVER,
      { eventId: 'h', eventName: '가'.repeat(90) },
      'events[0].eventName',
      'eventName must be at most 255 bytes in UTF-8 (it is the AMQP routing key)',
    ],
  ])('%s → 400 INVALID_REQUEST naming it: AMQP could not carry it', async (_case, path, event, field, reason) => {
    const response = await request(harness.ingest.url)
      .post(path)
      .set('X-Anonymous-Id', 'anon-edge')
      .set('Authorization', `Bearer ${SERVICE_TOKEN}`)
      .send({ events: [event] })
      .expect(400);
    expect(response.body).toMatchObject({ code: 'INVALID_REQUEST', errors: [{ field, reason }] });
  });

  it.each(['2009-W01', '2009-W53-7', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59', '2026-02-20T10:00:00,5Z'])(
    'an occurredAt of %s (ISO-8601, but no storable instant) → 400 INVALID_REQUEST, not a 5xx',
    async (occurredAt) => {
      const response = await client({ events: [{ eventId: 'c', eventName: 'ui.page.viewed', occurredAt }] }).expect(
        400,
      );
      expect(fieldsOf(response.body)).toContain('events[0].occurredAt');
    },
  );

  it.each([2 ** 53, 1e20])('a server memberId of %d (beyond 2^53 - 1) → 400 INVALID_REQUEST, not a 5xx', async (id) => {
    const response = await request(harness.ingest.url)
      .post(SERVER)
      .set('Authorization', `Bearer ${SERVICE_TOKEN}`)
      .send({ events: [{ eventId: 'd', eventName: 'review.created', memberId: id }] })
      .expect(400);
    expect(fieldsOf(response.body)).toContain('events[0].memberId');
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'a property named %s (the validation pipe would delete it) → 400 INVALID_REQUEST naming it',
    async (key) => {
      const response = await request(harness.ingest.url)
        .post(CLIENT)
        .set('X-Anonymous-Id', 'anon-edge')
        .set('Content-Type', 'application/json')
        .send(`{"events":[{"eventId":"e","eventName":"ui.page.viewed","properties":{"${key}":"kept?"}}]}`)
        .expect(400);
      expect(fieldsOf(response.body)).toEqual([`events[0].properties.${key}`]);
    },
  );

  it('80 000 events in one body → 400 ANALYTICS_INGEST_BATCH_LIMIT_EXCEEDED before each event is validated', async () => {
    const response = await request(harness.ingest.url)
      .post(CLIENT)
      .set('X-Anonymous-Id', 'anon-edge')
      .set('Content-Type', 'application/json')
      .send(`{"events":[${Array(80_000).fill('{}').join(',')}]}`)
      .expect(400);
    expect(response.body).toMatchObject({ code: 'ANALYTICS_INGEST_BATCH_LIMIT_EXCEEDED', eventCount: 80_000 });
  });
});

describe('ingest-api stores event properties exactly as sent', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startIngest('ingest_properties_as_sent');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('keeps properties named like Object methods (toString, valueOf, hasOwnProperty), at any depth', async () => {
    const properties = {
      toString: 'a',
      valueOf: 1,
      hasOwnProperty: true,
      isPrototypeOf: { toLocaleString: 'nested', __defineGetter__: [1] },
    };
    await request(harness.ingest.url)
      .post(CLIENT)
      .set('X-Anonymous-Id', 'anon-methods')
      .send({ events: [{ eventId: 'methods-1', eventName: 'ui.page.viewed', properties }] })
      .expect(202);
    const [row] = await harness.db.query<{ payload: { properties: unknown } }>(
      `SELECT payload FROM user_activity_source_outbox WHERE event_id = 'methods-1'`,
    );
    expect(row.payload.properties).toEqual(properties);
  });
});

describe('ingest-api at the 255-byte limit of AMQP short strings', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startIngest('ingest_short_string_edge');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('stores a 63-emoji-and-one-letter eventId with an 85-Hangul eventName', async () => {
    const event = { eventId: `${'😀'.repeat(63)}a`, eventName: '가'.repeat(85) };
    await request(harness.ingest.url)
      .post(SERVER)
      .set('Authorization', `Bearer ${SERVICE_TOKEN}`)
      .send({ events: [event] })
      .expect(202);
    const rows = await harness.db.query<{ event_id: string; event_name: string }>(
      'SELECT event_id, event_name FROM user_activity_source_outbox',
    );
    expect(rows).toEqual([{ event_id: event.eventId, event_name: event.eventName }]);
  });

  it('states the byte limit in the OpenAPI schema of every field it applies to', async () => {
    const docs = await request(harness.ingest.url).get('/docs-json').expect(200);
    const schemas = docs.body.components.schemas as Record<
      string,
      { properties: Record<string, { description?: string }> }
    >;
    const described = [
      schemas.ClientEventDto.properties.eventId,
      schemas.ClientEventDto.properties.eventName,
      schemas.ServerEventDto.properties.eventId,
      schemas.ServerEventDto.properties.eventName,
    ].map((property) => property.description);
    expect(described).toEqual(Array(4).fill(expect.stringContaining('at most 255 bytes in UTF-8')));
  });
});
