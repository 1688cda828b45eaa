import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@app/testing';
import { PolicyHarness, sendMany, startPolicyHarness } from './ingest-policy.harness';

interface RejectedCaller {
  reason: string;
  caller: string;
  callerType: string;
  callerId: string;
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
}

interface RejectedName {
  reason: string;
  eventName: string;
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
}

interface Rejections {
  callers: RejectedCaller[];
  eventNames: RejectedName[];
}

describe('the rejections endpoint after real floods (runbook §9-1 and §9-2 step 1)', () => {
  let harness: PolicyHarness;
  const flooder = `flooder-${randomUUID()}`;
  const calm = `calm-${randomUUID()}`;
  const typo = `typo-${randomUUID()}`;

  beforeAll(async () => {
    harness = await startPolicyHarness('policy_rejections', {
      ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS: '5',
      ANALYTICS_INGEST_RATE_LIMIT_WINDOW: 'P1D',
      ANALYTICS_INGEST_IP_RATE_LIMIT_MAX_REQUESTS: '0',
      INGEST_REJECTION_FLUSH_INTERVAL: 'PT0.2S',
    });
  });

  afterAll(async () => {
    await harness?.close();
  });

  const rejections = async (query: string): Promise<Rejections> =>
    (await harness.getRejections(query).expect(200)).body.data as Rejections;

  it('names the caller behind a 429 flood and the name it sent, added up over both replicas', async () => {
    for (const replica of harness.replicas) {
      expect(await sendMany(replica, flooder, 'ui.search.executed', 12)).toEqual([
        ...Array<number>(5).fill(202),
        ...Array<number>(7).fill(429),
      ]);
      expect(await sendMany(replica, calm, 'ui.page.viewed', 5)).toEqual(Array<number>(5).fill(202));
    }

    const answer = await waitFor(
      'both replicas to flush the 429s',
      () => rejections('?reason=rate_limited&since=PT15M'),
      (data) => data.callers[0]?.count === 14,
    );
    expect(answer.callers).toEqual([
      expect.objectContaining({
        reason: 'rate_limited',
        caller: `anonymous:${flooder}`,
        callerType: 'anonymous',
        callerId: flooder,
        count: 14,
      }),
    ]);
    expect(answer.eventNames).toEqual([
      expect.objectContaining({ reason: 'rate_limited', eventName: 'ui.search.executed', count: 14 }),
    ]);
    const [caller] = answer.callers;
    expect(Date.parse(caller.firstSeenAt)).toBeLessThanOrEqual(Date.parse(caller.lastSeenAt));
  });

  it('names the refused event names of a not-allowed flood and who sent them', async () => {
    const [replica] = harness.replicas;
    expect(await sendMany(replica, typo, 'ui.pgae.viewed', 4)).toEqual([400, 400, 400, 400]);
    const both = await request(replica.url)
      .post('/api/v1/analytics/events')
      .set('X-Anonymous-Id', typo)
      .send({
        events: [
          { eventId: randomUUID(), eventName: 'ui.pgae.viewed' },
          { eventId: randomUUID(), eventName: 'ui.checkout.completed' },
        ],
      });
    expect(both.body.code).toBe('ANALYTICS_INGEST_EVENT_NOT_ALLOWED');

    const answer = await waitFor(
      'the replica to flush the refused names',
      () => rejections('?reason=not_allowed&since=PT15M'),
      (data) => data.eventNames.length === 2,
    );
    expect(answer.callers).toEqual([
      expect.objectContaining({ reason: 'not_allowed', caller: `anonymous:${typo}`, count: 5 }),
    ]);
    expect(answer.eventNames.map(({ eventName, count }) => ({ eventName, count }))).toEqual([
      { eventName: 'ui.pgae.viewed', count: 5 },
      { eventName: 'ui.checkout.completed', count: 1 },
    ]);
  });

  it('counts an invalid request under its client address, and lists every reason without one', async () => {
    const [replica] = harness.replicas;
    const response = await request(replica.url)
      .post('/api/v1/analytics/events')
      .set('X-Anonymous-Id', typo)
      .send({ events: [{ eventName: 'ui.page.viewed' }] });
    expect(response.status).toBe(400);

    const invalid = await waitFor(
      'the replica to flush the invalid request',
      () => rejections('?reason=invalid'),
      (data) => data.callers.length === 1,
    );
    expect(invalid.callers[0]).toMatchObject({
      caller: 'ip:127.0.0.1',
      callerType: 'ip',
      callerId: '127.0.0.1',
      count: 1,
    });
    expect(invalid.eventNames).toEqual([expect.objectContaining({ eventName: 'ui.page.viewed', count: 1 })]);

    const all = await rejections('');
    expect(all.callers.map(({ reason, caller, count }) => [reason, caller, count])).toEqual([
      ['rate_limited', `anonymous:${flooder}`, 14],
      ['not_allowed', `anonymous:${typo}`, 5],
      ['invalid', 'ip:127.0.0.1', 1],
    ]);
    expect(await rejections(`?since=${new Date(Date.now() + 120_000).toISOString()}`)).toMatchObject({
      callers: [],
      eventNames: [],
    });
  });
});
