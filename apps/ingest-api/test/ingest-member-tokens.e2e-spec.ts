import { sign, SignOptions } from 'jsonwebtoken';
import request from 'supertest';
import { clientEventInputs } from '@app/testing';
import { IngestHarness, JWT_SECRET, startIngest } from './ingest-api.harness';

const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'user-activity';

describe('ingest-api member tokens', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startIngest('ingest_member_tokens', {
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_MAX_AGE: 'PT1H',
    });
  });

  afterAll(async () => {
    await harness.close();
  });

  /** A member token for 4242 from ISSUER to AUDIENCE, valid for 30 minutes; an option set to undefined is left out. */
  function token(claims: Record<string, unknown>, overrides: SignOptions = {}): string {
    const options = { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE, expiresIn: '30m', ...overrides };
    const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    return sign({ sub: '4242', ...claims }, JWT_SECRET, defined as SignOptions);
  }

  /** Sends one event with the token and `anonymousId`, and returns the member id its stored row carries. */
  async function storedMemberId(bearer: string): Promise<number | null> {
    const [event] = clientEventInputs(1);
    await request(harness.ingest.url)
      .post('/api/v1/analytics/events')
      .set('Authorization', `Bearer ${bearer}`)
      .send({ anonymousId: 'anon-token', events: [event] })
      .expect(202);
    const [row] = await harness.db.query<{ payload: { memberId: number | null; anonymousId: string | null } }>(
      `SELECT payload FROM user_activity_source_outbox WHERE event_id = $1`,
      [event.eventId],
    );
    expect(row.payload.anonymousId).toBe(row.payload.memberId === null ? 'anon-token' : null);
    return row.payload.memberId;
  }

  async function invalidTokens(): Promise<number> {
    const metrics = (await request(harness.ingest.url).get('/metrics')).text;
    const match = /analytics_user_activity_ingest_token_total\{result="invalid",app="ingest-api"\} (\d+)/.exec(metrics);
    return match ? Number(match[1]) : 0;
  }

  it('takes the member id from a token with the right issuer and audience that expires within JWT_MAX_AGE', async () => {
    expect(await storedMemberId(token({}))).toBe(4242);
  });

  it.each<[string, () => string]>([
    ['has no exp', () => sign({ sub: '4242', iss: ISSUER, aud: AUDIENCE, iat: nowSeconds() }, JWT_SECRET)],
    ['has expired', () => token({ exp: nowSeconds() - 10 }, { expiresIn: undefined })],
    ['names another issuer', () => token({}, { issuer: 'https://elsewhere.example.test' })],
    ['has no issuer', () => token({}, { issuer: undefined })],
    ['names another audience', () => token({}, { audience: 'billing' })],
    ['lives longer than JWT_MAX_AGE (exp − iat)', () => token({}, { expiresIn: '2h' })],
    [
      'has no iat while JWT_MAX_AGE is set',
      () => token({ exp: nowSeconds() + 600 }, { expiresIn: undefined, noTimestamp: true }),
    ],
  ])('treats a token that %s as anonymous and counts it invalid', async (_case, makeToken) => {
    const before = await invalidTokens();
    expect(await storedMemberId(makeToken())).toBeNull();
    expect(await invalidTokens()).toBe(before + 1);
  });
});

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
