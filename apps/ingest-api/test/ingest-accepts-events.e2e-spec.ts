import { sign } from 'jsonwebtoken';
import request from 'supertest';
import { clientEventInputs, scrapeMetric } from '@app/testing';
import { IngestHarness, JWT_SECRET, SERVICE_TOKEN, startIngest } from './ingest-api.harness';

describe('ingest-api accepts events into the source outbox', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startIngest('ingest_accepts');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('answers 202 with the counts only after the rows are committed', async () => {
    const events = clientEventInputs(50);
    const response = await request(harness.ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'anon-1', events })
      .expect(202);
    expect(response.body).toEqual({ success: true, data: { acceptedCount: 50, duplicateCount: 0 } });
    const rows = await harness.db.query<{ event_id: string; status: string; payload: Record<string, unknown> }>(
      `SELECT event_id, status, payload FROM user_activity_source_outbox WHERE event_id = ANY($1)`,
      [events.map((e) => e.eventId)],
    );
    expect(rows).toHaveLength(50);
    expect(new Set(rows.map((row) => row.status))).toEqual(new Set(['PENDING']));
    expect(rows[0].payload).toMatchObject({
      source: 'CLIENT',
      anonymousId: 'anon-1',
      memberId: null,
      eventVersion: 'v1',
    });
  });

  it('counts a repeated batch as duplicates and writes nothing new', async () => {
    const events = clientEventInputs(10);
    await request(harness.ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'anon-2', events })
      .expect(202);
    const again = await request(harness.ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'anon-2', events })
      .expect(202);
    expect(again.body.data).toEqual({ acceptedCount: 10, duplicateCount: 10 });
    const [{ count }] = await harness.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM user_activity_source_outbox WHERE event_id = ANY($1)`,
      [events.map((e) => e.eventId)],
    );
    expect(count).toBe(10);
  });

  it('takes the member id from a valid JWT and drops the anonymous id', async () => {
    const [event] = clientEventInputs(1);
    const token = sign({ sub: '4242' }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' });
    await request(harness.ingest.url)
      .post('/api/v1/analytics/events')
      .set('Authorization', `Bearer ${token}`)
      .send({ anonymousId: 'anon-3', events: [event] })
      .expect(202);
    const [row] = await harness.db.query<{ member_id: string; payload: Record<string, unknown> }>(
      `SELECT member_id, payload FROM user_activity_source_outbox WHERE event_id = $1`,
      [event.eventId],
    );
    expect(row.member_id).toBe('4242');
    expect(row.payload).toMatchObject({ memberId: 4242, anonymousId: null });
  });

  it('treats an invalid JWT as anonymous and uses the X-Anonymous-Id header', async () => {
    const [event] = clientEventInputs(1);
    const forged = sign({ sub: '1' }, 'another-secret', { algorithm: 'HS256', expiresIn: '1h' });
    await request(harness.ingest.url)
      .post('/api/v1/analytics/events')
      .set('Authorization', `Bearer ${forged}`)
      .set('X-Anonymous-Id', 'header-anon')
      .send({ events: [event] })
      .expect(202);
    const [row] = await harness.db.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM user_activity_source_outbox WHERE event_id = $1`,
      [event.eventId],
    );
    expect(row.payload).toMatchObject({ memberId: null, anonymousId: 'header-anon' });
  });

  it('stores server events as SERVER with their member id and a generated id when none is given', async () => {
    const response = await request(harness.ingest.url)
      .post('/api/v1/internal/user-activity/events')
      .set('Authorization', `Bearer ${SERVICE_TOKEN}`)
      .send({ events: [{ eventName: 'review.created', memberId: 7, properties: { reviewId: 1, empty: null } }] })
      .expect(202);
    expect(response.body.data).toEqual({ acceptedCount: 1, duplicateCount: 0 });
    const [row] = await harness.db.query<{ event_id: string; payload: Record<string, unknown> }>(
      `SELECT event_id, payload FROM user_activity_source_outbox WHERE event_name = 'review.created'`,
    );
    expect(row.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.payload).toMatchObject({ source: 'SERVER', memberId: 7, properties: { reviewId: 1 } });
    expect(row.payload.properties).not.toHaveProperty('empty');
  });

  it('counts requests and events by source, so a server event can be told from a client one (runbook §3)', async () => {
    const count = (name: string, labels: Record<string, string>) => scrapeMetric([harness.ingest.url], name, labels);
    const requests = 'analytics_user_activity_ingest_requests_total';
    const events = 'analytics_user_activity_ingest_events_total';
    const before = {
      clientRequests: await count(requests, { result: 'accepted', source: 'client' }),
      serverRequests: await count(requests, { result: 'accepted', source: 'server' }),
      clientEvents: await count(events, { result: 'accepted', source: 'client' }),
      serverEvents: await count(events, { result: 'accepted', source: 'server' }),
    };
    await request(harness.ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'anon-by-source', events: clientEventInputs(3) })
      .expect(202);
    await request(harness.ingest.url)
      .post('/api/v1/internal/user-activity/events')
      .set('Authorization', `Bearer ${SERVICE_TOKEN}`)
      .send({ events: [{ eventName: 'group.joined' }, { eventName: 'review.created' }] })
      .expect(202);
    expect({
      clientRequests: (await count(requests, { result: 'accepted', source: 'client' })) - before.clientRequests,
      serverRequests: (await count(requests, { result: 'accepted', source: 'server' })) - before.serverRequests,
      clientEvents: (await count(events, { result: 'accepted', source: 'client' })) - before.clientEvents,
      serverEvents: (await count(events, { result: 'accepted', source: 'server' })) - before.serverEvents,
    }).toEqual({ clientRequests: 1, serverRequests: 1, clientEvents: 3, serverEvents: 2 });
  });

  it('refuses the service endpoint without the service token', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${SERVICE_TOKEN}`, 'Bearer ']) {
      const call = request(harness.ingest.url).post('/api/v1/internal/user-activity/events');
      if (authorization) {
        call.set('Authorization', authorization);
      }
      const response = await call.send({ events: [{ eventName: 'review.created' }] }).expect(401);
      expect(response.body).toMatchObject({ success: false, code: 'UNAUTHORIZED' });
    }
  });

  it('rejects properties over 16 KiB and writes nothing', async () => {
    const [event] = clientEventInputs(1);
    const response = await request(harness.ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'anon-4', events: [{ ...event, properties: { blob: 'x'.repeat(17 * 1024) } }] })
      .expect(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'events[0].properties' })]);
    const rows = await harness.db.query(`SELECT 1 FROM user_activity_source_outbox WHERE event_id = $1`, [
      event.eventId,
    ]);
    expect(rows).toHaveLength(0);
  });

  it('exposes its metrics and OpenAPI', async () => {
    const metrics = await request(harness.ingest.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /analytics_user_activity_ingest_requests_total\{result="accepted",source="client",route="native",app="ingest-api"\} \d+/,
    );
    expect(metrics.text).toMatch(
      /analytics_user_activity_outbox_enqueue_total\{result="inserted",app="ingest-api"\} \d+/,
    );
    expect(metrics.text).toMatch(
      /analytics_user_activity_outbox_enqueue_total\{result="duplicate",app="ingest-api"\} 10/,
    );
    const docs = await request(harness.ingest.url).get('/docs-json').expect(200);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/analytics/events', '/api/v1/internal/user-activity/events']),
    );
  });
});
