import request from 'supertest';
import { clientEventInput } from '@app/testing';
import { IngestHarness, startIngest } from './ingest-api.harness';

// Day-long windows, so no test straddles a window boundary.
const NETWORK_LIMIT = {
  ANALYTICS_INGEST_IP_RATE_LIMIT_MAX_REQUESTS: '3',
  ANALYTICS_INGEST_IP_RATE_LIMIT_WINDOW: 'P1D',
};

function post(harness: IngestHarness, anonymousId: string, forwardedFor?: string) {
  const call = request(harness.ingest.url).post('/api/v1/analytics/events');
  if (forwardedFor !== undefined) {
    call.set('X-Forwarded-For', forwardedFor);
  }
  return call.send({ anonymousId, events: [clientEventInput()] });
}

async function storedEvents(harness: IngestHarness): Promise<number> {
  const [{ count }] = await harness.db.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM user_activity_source_outbox',
  );
  return count;
}

describe('ingest-api rate limit by client network', () => {
  describe('with no trusted proxy', () => {
    let harness: IngestHarness;

    beforeAll(async () => {
      harness = await startIngest('ingest_rate_network', NETWORK_LIMIT);
    });

    afterAll(async () => {
      await harness.close();
    });

    it('stops a client that changes its anonymousId on every request, whatever X-Forwarded-For it claims', async () => {
      for (let i = 0; i < 3; i++) {
        await post(harness, `rotating-${i}`).expect(202);
      }
      const limited = await post(harness, 'rotating-3').expect(429);
      expect(limited.body).toMatchObject({ success: false, code: 'ANALYTICS_INGEST_RATE_LIMIT_EXCEEDED' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.headers['ratelimit-limit']).toBe('3');
      await post(harness, 'rotating-4', '198.51.100.1').expect(429);
      expect(await storedEvents(harness)).toBe(3);
    });
  });

  describe('behind a trusted proxy (TRUST_PROXY=loopback)', () => {
    let harness: IngestHarness;

    beforeAll(async () => {
      harness = await startIngest('ingest_rate_network_proxy', { ...NETWORK_LIMIT, TRUST_PROXY: 'loopback' });
    });

    afterAll(async () => {
      await harness.close();
    });

    it('counts each client by the X-Forwarded-For address the proxy appended', async () => {
      for (let i = 0; i < 3; i++) {
        await post(harness, `office-${i}`, `forged, 198.51.100.1`).expect(202);
      }
      await post(harness, 'office-3', '203.0.113.9, 198.51.100.1').expect(429);
      await post(harness, 'elsewhere', '198.51.100.2').expect(202);
      expect(await storedEvents(harness)).toBe(4);
    });
  });

  describe('with ANALYTICS_INGEST_IP_RATE_LIMIT_MAX_REQUESTS=0', () => {
    let harness: IngestHarness;

    beforeAll(async () => {
      harness = await startIngest('ingest_rate_network_off', { ANALYTICS_INGEST_IP_RATE_LIMIT_MAX_REQUESTS: '0' });
    });

    afterAll(async () => {
      await harness.close();
    });

    it('limits callers only', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(harness, `caller-${i}`)));
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(202));
    });
  });
});
