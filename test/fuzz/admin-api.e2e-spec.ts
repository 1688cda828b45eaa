import fc from 'fast-check';
import { DispatchTargetName, TraceStage } from '@app/entities';
import {
  bootApp,
  BootedApp,
  canonicalEvent,
  createTestDatabase,
  createTestVhost,
  TestDatabase,
  TestVhost,
} from '@app/testing';
import { adminSchema } from '../../apps/admin-api/src/admin-api.config';
import { AdminApiModule } from '../../apps/admin-api/src/admin-api.module';
import { adminApiOptions } from '../../apps/admin-api/src/admin-api.options';
import { FUZZ, json, nastyQuery, nastyString, SQL_LOOKING, StatusTally } from './fuzz.harness';
import { RawRequest, RawResponse, sendRaw } from './raw-http';

const ADMIN_SECRET = 'fuzz-admin-secret-0123456789';
const AUTHORIZED: [string, string] = ['Authorization', `Bearer ${ADMIN_SECRET}`];
const BASE = '/api/v1/admin';

const ENDPOINTS = [
  { method: 'GET', path: `${BASE}/user-activity/outbox/summary`, writes: false, params: [] },
  { method: 'POST', path: `${BASE}/user-activity/outbox/replay`, writes: true, params: ['limit'] },
  { method: 'GET', path: `${BASE}/mq-traces`, writes: false, params: ['messageId', 'limit'] },
  { method: 'GET', path: `${BASE}/user-activity/dispatch/summary`, writes: false, params: [] },
  { method: 'POST', path: `${BASE}/user-activity/dispatch/replay`, writes: true, params: ['target', 'limit'] },
  // Read-only and each a few statements: fewer cases keep the run short.
  { method: 'GET', path: `${BASE}/user-activity/diagnosis`, writes: false, params: ['since', 'eventId'], cases: 300 },
  { method: 'GET', path: `${BASE}/user-activity/recovery-check`, writes: false, params: ['since'], cases: 200 },
  { method: 'GET', path: `${BASE}/user-activity/incident-report`, writes: false, params: ['from', 'to'], cases: 300 },
] as const;

/** Ids that look like SQL, markup and every Unicode plane, stored as event ids, to be looked up by admin-api. */
const NASTY_IDS = [
  ...SQL_LOOKING.filter((id) => id.length <= 64),
  '한글-이벤트-ID',
  '𝄞🎵 emoji id',
  'tab\there',
  'percent%20encoded',
  'slash/inside',
  'dot..dot',
  '?query=1&x=2',
  '#fragment',
  ' leading and trailing ',
];

interface Snapshot {
  audits: number;
  source: string | null;
  dispatch: string | null;
  traces: number;
}

describe('admin-api under bad input (property-based, seeded)', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let admin: BootedApp;
  const tallies = new Map<string, StatusTally>();

  const snapshot = async (): Promise<Snapshot> =>
    (
      await db.query<Snapshot>(
        `SELECT (SELECT count(*) FROM admin_audit_log)::int AS audits,
                (SELECT md5(string_agg(id || status || retry_count || coalesce(next_retry_at::text, ''), ',' ORDER BY id))
                 FROM user_activity_source_outbox) AS source,
                (SELECT md5(string_agg(id || status || retry_count || coalesce(next_retry_at::text, ''), ',' ORDER BY id))
                 FROM user_activity_dispatch_outbox) AS dispatch,
                (SELECT count(*) FROM message_queue_trace_log)::int AS traces`,
      )
    )[0];

  /** Never a 5xx; a refused request or a read writes nothing; an accepted replay writes exactly one audit row. */
  async function check(label: string, request: RawRequest, writes: boolean): Promise<RawResponse> {
    const tally = tallies.get(label) ?? new StatusTally();
    tallies.set(label, tally);
    const before = await snapshot();
    const response = await sendRaw(admin.url, request);
    tally.add(response);
    if (response.status >= 500) {
      throw new Error(`${response.status} for ${JSON.stringify(request.target)}: ${response.body.slice(0, 300)}`);
    }
    const after = await snapshot();
    if (response.status >= 200 && response.status < 300 && writes) {
      expect(after.audits).toBe(before.audits + 1);
    } else {
      expect(after).toEqual(before);
    }
    return response;
  }

  beforeAll(async () => {
    db = await createTestDatabase('fuzz_admin');
    vhost = await createTestVhost('fuzz_admin');
    admin = await bootApp(AdminApiModule, adminSchema, adminApiOptions, {
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      ADMIN_TOKENS: `fuzz:${ADMIN_SECRET}`,
      LOG_LEVEL: 'error',
    });
    const events = NASTY_IDS.map((eventId) => canonicalEvent({ eventId }));
    await db.query(
      `INSERT INTO user_activity_source_outbox (event_id, event_name, event_version, occurred_at, payload, status,
                                                retry_count, next_retry_at)
       SELECT e.event_id, 'ui.page.viewed', 'v1', now(), e.payload, 'FAILED', 1, NULL
       FROM unnest($1::varchar[], $2::jsonb[]) AS e(event_id, payload)`,
      [events.map((e) => e.eventId), events.map((e) => JSON.stringify(e))],
    );
    await db.query(
      `INSERT INTO message_queue_trace_log (message_id, topic, provider, message_key, stage)
       SELECT id, 'domain.user.activity', 'rabbitmq', 'ui.page.viewed', $2 FROM unnest($1::varchar[]) AS id`,
      [NASTY_IDS, TraceStage.PublishFail],
    );
    await db.query(
      `INSERT INTO user_activity_dispatch_outbox (event_id, dispatch_target, payload, status, retry_count)
       SELECT e.event_id, $3, e.payload, 'FAILED', 3 FROM unnest($1::varchar[], $2::jsonb[]) AS e(event_id, payload)`,
      [events.map((e) => e.eventId), events.map((e) => JSON.stringify(e)), DispatchTargetName.Posthog],
    );
  });

  afterAll(async () => {
    for (const [label, tally] of tallies) {
      tally.print(`admin-api ${label}`);
    }
    await admin?.close();
    await vhost?.drop();
    await db?.drop();
  });

  const limitValue = fc.oneof(
    fc.nat().map(String),
    fc.constantFrom('', '-1', '0', '1', '500', '501', '2147483647', '2147483648', '1e3', '0x10', ' 5', '5 ', '１２'),
    nastyString(20),
  );
  const instantValue = fc.oneof(
    {
      weight: 2,
      arbitrary: fc
        .date({ min: new Date('2026-02-15T00:00:00Z'), max: new Date('2026-02-25T00:00:00Z'), noInvalidDate: true })
        .map((date) => date.toISOString()),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '2026-02-20T10:00:00Z',
        '2026-02-20T11:00:00.123Z',
        '2026-02-20T10:00:00+09:00',
        '2026-02-30T10:00:00Z',
        '0000-01-01T00:00:00Z',
        '2026-02-20',
      ),
    },
    { weight: 1, arbitrary: nastyString(30) },
  );
  const param = (name: string, value: fc.Arbitrary<string>) =>
    fc.option(value.map((v) => `${name}=${encodeURIComponent(v.toWellFormed())}`));

  for (const endpoint of ENDPOINTS) {
    it(
      `${endpoint.method} ${endpoint.path.slice(BASE.length)}: odd and SQL-looking query parameters, never a 5xx`,
      async () => {
        const values: Record<string, fc.Arbitrary<string>> = {
          limit: limitValue,
          messageId: fc.oneof(nastyString(120), fc.constantFrom(...NASTY_IDS)),
          target: fc.oneof(
            { weight: 3, arbitrary: fc.constant('POSTHOG') },
            { weight: 1, arbitrary: fc.constantFrom('posthog', 'WEBHOOK', '', 'POSTHOG ') },
            { weight: 1, arbitrary: nastyString(30) },
          ),
          since: fc.oneof(
            {
              weight: 2,
              arbitrary: fc.constantFrom('PT15M', 'PT1S', 'P7D', 'P3D', 'PT0.5S', 'PT0S', 'P8D', 'PT', 'P'),
            },
            { weight: 1, arbitrary: fc.nat().map((n) => `PT${n}S`) },
            { weight: 1, arbitrary: nastyString(20) },
          ),
          eventId: fc.oneof(nastyString(70), fc.constantFrom(...NASTY_IDS)),
          from: instantValue,
          to: instantValue,
        };
        // Mostly the endpoint's own parameters, sometimes another endpoint's, sometimes anything at all.
        const own = fc
          .tuple(
            ...endpoint.params.map((name) => param(name, values[name])),
            fc.option(param('messageId', values.messageId), { freq: 10 }),
          )
          .map((parts) => parts.flat().filter((part): part is string => typeof part === 'string'))
          .map((present) => (present.length > 0 ? `?${present.join('&')}` : ''));
        const query = fc.oneof({ weight: 3, arbitrary: own }, { weight: 1, arbitrary: nastyQuery() });
        await fc.assert(
          fc.asyncProperty(query, async (search) => {
            await check(
              `${endpoint.method} ${endpoint.path.slice(BASE.length)}`,
              {
                method: endpoint.method,
                target: `${endpoint.path}${search}`,
                headers: [AUTHORIZED],
                body: Buffer.alloc(0),
              },
              endpoint.writes,
            );
          }),
          FUZZ.options('cases' in endpoint ? endpoint.cases : 1000),
        );
      },
      FUZZ.timeoutMs,
    );
  }

  it(
    'GET /user-activity/events/{eventId}/journey: any path segment, never a 5xx; a stored id comes back byte for byte',
    async () => {
      const eventId = fc.oneof(
        fc.constantFrom(...NASTY_IDS).map((id) => ({ id, known: true })),
        nastyString(80).map((id) => ({ id, known: NASTY_IDS.includes(id) })),
      );
      await fc.assert(
        fc.asyncProperty(eventId, fc.constantFrom('', '?', '?x=1'), async ({ id, known }, suffix) => {
          const target = `${BASE}/user-activity/events/${encodeURIComponent(id.toWellFormed())}/journey${suffix}`;
          const response = await check(
            'GET /user-activity/events/{eventId}/journey',
            { method: 'GET', target, headers: [AUTHORIZED], body: Buffer.alloc(0) },
            false,
          );
          if (known && id.isWellFormed() && suffix !== '?x=1') {
            expect(response.status).toBe(200);
            expect(JSON.parse(response.body).data.eventId).toBe(id);
          }
        }),
        FUZZ.options(1000),
      );
    },
    FUZZ.timeoutMs,
  );

  it.each([
    ['GET /user-activity/events/{eventId}/journey', `${BASE}/user-activity/events/a%00b/journey`],
    ['GET /mq-traces', `${BASE}/mq-traces?messageId=a%00b`],
  ])('%s with a NUL character in the id: a 4xx, never a 5xx', async (label, target) => {
    const response = await check(label, { method: 'GET', target, headers: [AUTHORIZED], body: Buffer.alloc(0) }, false);
    expect(response.status).toBe(400);
  });

  it(
    'GET /mq-traces?messageId=: a stored id with quotes, SQL or any script comes back byte for byte',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...NASTY_IDS), async (id) => {
          const response = await check(
            'GET /mq-traces',
            {
              method: 'GET',
              target: `${BASE}/mq-traces?messageId=${encodeURIComponent(id)}`,
              headers: [AUTHORIZED],
              body: Buffer.alloc(0),
            },
            false,
          );
          expect(response.status).toBe(200);
          const traces = JSON.parse(response.body).data as { messageId: string }[];
          expect(traces.length).toBeGreaterThan(0);
          expect(traces.every((trace) => trace.messageId === id)).toBe(true);
        }),
        FUZZ.options(200),
      );
    },
    FUZZ.timeoutMs,
  );

  it(
    'any Authorization but an admin token, any method, any body: never a 5xx, and nothing written',
    async () => {
      const authorization = fc.option(
        fc.oneof(
          fc.constantFrom(
            `Bearer ${ADMIN_SECRET} x`,
            `Bearer ${ADMIN_SECRET.slice(1)}`,
            `bearer ${ADMIN_SECRET}`,
            `fuzz:${ADMIN_SECRET}`,
          ),
          fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((value) => value.replace(/[\r\n]/g, '')),
          nastyString(40).map((value) => `Bearer ${value.replace(/[\r\n]/g, '')}`),
        ),
      );
      const body = fc.oneof(
        fc.constant(Buffer.alloc(0)),
        fc.jsonValue().map((value) => json(value)),
        fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
        fc.integer({ min: 16_000, max: 40_000 }).map((size) => json({ blob: 'x'.repeat(size) })),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ENDPOINTS),
          fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
          authorization,
          body,
          fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
          async (endpoint, method, auth, payload, type) => {
            const headers: [string, string][] = [['Content-Type', type]];
            if (auth !== null) {
              headers.push(['Authorization', auth]);
            }
            const response = await check(
              'any endpoint, unauthorised',
              { method, target: endpoint.path, headers, body: payload },
              false,
            );
            expect(response.status).not.toBe(200);
          },
        ),
        FUZZ.options(1000),
      );
    },
    FUZZ.timeoutMs,
  );
});
