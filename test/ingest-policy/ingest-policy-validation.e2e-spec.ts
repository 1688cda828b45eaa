import fc from 'fast-check';
import request from 'supertest';
import { PolicyHarness, policyAuditRows, POLICY_PATH, startPolicyHarness } from './ingest-policy.harness';

interface FieldError {
  field: string;
  reason: string;
}

const REASON = 'runbook §9';
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

describe('PUT ingest-policy refuses what it cannot apply, and changes nothing then', () => {
  let harness: PolicyHarness;

  beforeAll(async () => {
    harness = await startPolicyHarness('policy_validation', { INGEST_POLICY_RELOAD_INTERVAL: 'PT1H' }, 1);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown field', { reason: REASON, allowlist: ['ui.page.viewed'], colour: 'red' }, 'colour'],
    ['an unknown field inside a limit', { reason: REASON, rateLimit: { maxRequests: 5, burst: 9 } }, 'rateLimit.burst'],
    ['a negative limit', { reason: REASON, rateLimit: { maxRequests: -1 } }, 'rateLimit.maxRequests'],
    ['a zero caller limit', { reason: REASON, rateLimit: { maxRequests: 0 } }, 'rateLimit.maxRequests'],
    ['a fractional limit', { reason: REASON, rateLimit: { maxRequests: 1.5 } }, 'rateLimit.maxRequests'],
    ['a limit given as text', { reason: REASON, ipRateLimit: { maxRequests: '10' } }, 'ipRateLimit.maxRequests'],
    ['a huge limit', { reason: REASON, rateLimit: { maxRequests: 1e12 } }, 'rateLimit.maxRequests'],
    [
      'a window that is not a duration',
      { reason: REASON, rateLimit: { maxRequests: 5, window: '10s' } },
      'rateLimit.window',
    ],
    [
      'a window under a second',
      { reason: REASON, rateLimit: { maxRequests: 5, window: 'PT0.5S' } },
      'rateLimit.window',
    ],
    ['a limit that is not an object', { reason: REASON, rateLimit: 5 }, 'rateLimit'],
    ['no reason', { allowlist: ['ui.page.viewed'] }, 'reason'],
    ['a blank reason', { reason: '  ', allowlist: ['ui.page.viewed'] }, 'reason'],
    ['a blank name', { reason: REASON, allowlist: ['ui.page.viewed', ''] }, 'allowlist'],
    ['a name with surrounding spaces', { reason: REASON, allowlist: [' ui.page.viewed'] }, 'allowlist'],
    ['a name over 100 characters', { reason: REASON, allowlist: ['a'.repeat(101)] }, 'allowlist'],
    ['a name over 255 UTF-8 bytes', { reason: REASON, allowlist: ['😀'.repeat(64)] }, 'allowlist'],
    ['a name that is not a string', { reason: REASON, allowlist: [42] }, 'allowlist'],
    ['a repeated name', { reason: REASON, allowlist: ['ui.page.viewed', 'ui.page.viewed'] }, 'allowlist'],
    ['nothing to change', { reason: REASON }, '(body)'],
    [
      'an override in the past',
      { reason: REASON, override: { rateLimit: { maxRequests: 9 }, until: '2020-01-01T00:00:00Z' } },
      'override.until',
    ],
    [
      'an override past 7 days',
      { reason: REASON, override: { rateLimit: { maxRequests: 9 }, until: '2999-01-01T00:00:00Z' } },
      'override.until',
    ],
    [
      'an override without an offset',
      { reason: REASON, override: { rateLimit: { maxRequests: 9 }, until: '2030-01-01T00:00:00' } },
      'override.until',
    ],
    ['an override without limits', { reason: REASON, override: { until: inAnHour() } }, 'override'],
    ['an override without until', { reason: REASON, override: { rateLimit: { maxRequests: 9 } } }, 'override.until'],
  ])('answers 400 INVALID_REQUEST naming the field for %s', async (_case, body, field) => {
    const before = (await harness.getPolicy().expect(200)).body.data as { version: number };
    const response = await harness.putPolicy(body).expect(400);
    expect(response.body).toMatchObject({ success: false, code: 'INVALID_REQUEST' });
    const errors = response.body.errors as FieldError[];
    expect(errors.map((error) => error.field)).toContain(field);
    expect(errors.every((error) => error.reason.length > 0)).toBe(true);
    expect((await harness.getPolicy().expect(200)).body.data.version).toBe(before.version);
    expect(await policyAuditRows(harness.db)).toEqual([]);
  });

  it('answers 400 to a body that is not JSON, and 401 without an admin token', async () => {
    await harness.putPolicy('allowlist=ui.page.viewed').set('Content-Type', 'text/plain').expect(415);
    await request(harness.admin.url).put(POLICY_PATH).send({ reason: REASON, allowlist: [] }).expect(401);
    await request(harness.admin.url).get(POLICY_PATH).expect(401);
    expect(await policyAuditRows(harness.db)).toEqual([]);
  });

  it('refuses query parameters on the policy and bad ones on the rejections', async () => {
    await harness.getRejections('?reason=throttled').expect(400);
    await harness.getRejections('?since=yesterday').expect(400);
    await harness.getRejections('?limit=-1').expect(400);
    await harness.getRejections('?colour=red').expect(400);
    const ok = await harness.getRejections('?reason=not_allowed&since=2026-01-01T00:00:00Z&limit=5').expect(200);
    expect(ok.body.data).toMatchObject({ reason: 'not_allowed', limit: 5, callers: [], eventNames: [] });
  });

  it('describes both endpoints in the OpenAPI document, with auth and the PUT body', async () => {
    const docs = await request(harness.admin.url).get('/docs-json').expect(200);
    for (const [path, method] of [
      [POLICY_PATH, 'get'],
      [POLICY_PATH, 'put'],
      ['/api/v1/admin/user-activity/ingest/rejections', 'get'],
    ]) {
      const operation = docs.body.paths[path]?.[method];
      expect({ path, method, documented: operation !== undefined }).toEqual({ path, method, documented: true });
      expect(operation.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
    }
    const body = docs.body.components.schemas.IngestPolicyUpdateDto;
    expect(body.required).toEqual(['reason']);
    expect(Object.keys(body.properties)).toEqual(['allowlist', 'rateLimit', 'ipRateLimit', 'override', 'reason']);
  });

  it('answers any JSON body with 200 or a 400, never a 5xx (property-based)', async () => {
    const limit = fc.record(
      {
        maxRequests: fc.oneof(fc.integer(), fc.double(), fc.string()),
        window: fc.oneof(fc.string(), fc.constant('PT1M')),
      },
      { requiredKeys: [] },
    );
    const bodies = fc.record(
      {
        allowlist: fc.oneof(fc.array(fc.oneof(fc.string(), fc.constantFrom('ui.page.viewed', 'ui.x'))), fc.jsonValue()),
        rateLimit: fc.oneof(limit, fc.jsonValue()),
        ipRateLimit: fc.oneof(limit, fc.jsonValue()),
        override: fc.oneof(
          fc.constant(null),
          fc.record({
            rateLimit: limit,
            until: fc.oneof(
              fc.string(),
              fc.date().map((d) => d.toISOString()),
            ),
          }),
          fc.jsonValue(),
        ),
        reason: fc.oneof(fc.string(), fc.jsonValue()),
        other: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const response = await harness.putPolicy(body);
        expect([200, 400]).toContain(response.status);
      }),
      { numRuns: 150, seed: 15 },
    );
    await harness.getPolicy().expect(200);
  });
});
