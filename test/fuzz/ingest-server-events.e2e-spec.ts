import fc from 'fast-check';
import { acceptableString, FUZZ, nastyQuery, nastyString } from './fuzz.harness';
import {
  field,
  IngestFuzzHarness,
  occurredAt,
  postJson,
  properties,
  SERVER_PATH,
  SERVICE_TOKEN,
  startIngestFuzz,
  wrongType,
} from './ingest-fuzz.harness';

const service = { source: 'SERVER' as const, memberId: null, headerAnonymousId: null };
const authorized: [string, string][] = [['Authorization', `Bearer ${SERVICE_TOKEN}`]];

/** Member ids of every shape: fine, zero, negative, fractional, beyond 2^53, beyond a bigint, as text. */
const memberId: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 2_147_483_647 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0, -1, 1.5, 2 ** 53, 2 ** 53 + 2, 1e19, 1e20, 1e300, Number.MAX_SAFE_INTEGER),
  },
  { weight: 1, arbitrary: fc.constantFrom(null, '42', true) },
  { weight: 1, arbitrary: fc.maxSafeNat() },
);

describe('ingest-api service endpoint under bad input (property-based, seeded)', () => {
  let harness: IngestFuzzHarness;

  beforeAll(async () => {
    harness = await startIngestFuzz('fuzz_ingest_server');
  });

  afterAll(async () => {
    harness.tally.print(`ingest-api POST ${SERVER_PATH}`);
    await harness.close();
  });

  it(
    'wrong types, unicode, SQL and odd member ids in every field: never a 5xx; rejects write nothing; accepted = stored as sent',
    async () => {
      const event = fc.record(
        {
          eventId: field(acceptableString(64)),
          eventName: field(acceptableString(100)),
          eventVersion: field(acceptableString(20)),
          occurredAt: field(occurredAt),
          memberId,
          properties: field(properties),
        },
        { requiredKeys: ['eventName'] },
      );
      const body = fc.record(
        {
          anonymousId: field(acceptableString(100)),
          events: fc.oneof(
            { weight: 6, arbitrary: fc.array(event, { minLength: 0, maxLength: 55 }) },
            { weight: 1, arbitrary: wrongType },
          ),
        },
        { requiredKeys: ['events'] },
      );
      await fc.assert(
        fc.asyncProperty(body, nastyQuery(), async (sent, query) => {
          const withIds = withEventIds(sent);
          await harness.check(postJson(`${SERVER_PATH}${query}`, withIds, authorized), service, withIds);
        }),
        FUZZ.options(1500),
      );
    },
    FUZZ.timeoutMs,
  );

  it(
    'one odd member id or edge value at a time in an otherwise valid request: a 400, or accepted and readable downstream',
    async () => {
      const edge = fc.oneof(
        fc.record({ field: fc.constant('memberId'), value: memberId }),
        fc.record({ field: fc.constantFrom('eventId', 'eventName', 'eventVersion'), value: nastyString(120) }),
        fc.record({ field: fc.constant('occurredAt'), value: occurredAt }),
        // Near the 255-byte AMQP short-string limit: 2-, 3- and 4-byte characters, within the character limits.
        fc.record({
          field: fc.constantFrom('eventId', 'eventName'),
          value: fc
            .tuple(fc.constantFrom('ß', '가', '😀'), fc.integer({ min: 60, max: 100 }))
            .map(([char, count]) => char.repeat(count)),
        }),
      );
      let sequence = 0;
      await fc.assert(
        fc.asyncProperty(edge, async ({ field: name, value }) => {
          sequence += 1;
          const event: Record<string, unknown> = { eventId: `server-edge-${sequence}`, eventName: 'review.created' };
          event[name] = value;
          const body = { events: [event] };
          await harness.check(postJson(SERVER_PATH, body, authorized), service);
        }),
        FUZZ.options(1000),
      );
    },
    FUZZ.timeoutMs,
  );

  it(
    'any Authorization but the service token: 401 and nothing written',
    async () => {
      const authorization = fc.option(
        fc.oneof(
          fc.constantFrom(
            `Bearer ${SERVICE_TOKEN} `,
            `Bearer  ${SERVICE_TOKEN}`,
            `bearer ${SERVICE_TOKEN}`,
            `Bearer ${SERVICE_TOKEN.toUpperCase()}`,
            `Bearer ${SERVICE_TOKEN}x`,
            `Bearer ${SERVICE_TOKEN.slice(0, -1)}`,
            `Basic ${SERVICE_TOKEN}`,
            SERVICE_TOKEN,
            'Bearer',
          ),
          fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((value) => value.replace(/[\r\n]/g, '')),
          nastyString(40).map((value) => `Bearer ${value.replace(/[\r\n]/g, '')}`),
        ),
      );
      let sequence = 0;
      await fc.assert(
        fc.asyncProperty(authorization, async (auth) => {
          sequence += 1;
          const headers: [string, string][] = auth === null ? [] : [['Authorization', auth]];
          const body = { events: [{ eventId: `auth-${sequence}`, eventName: 'review.created' }] };
          const status = await harness.check(postJson(SERVER_PATH, body, headers), service);
          // HTTP drops the spaces and tabs around a header value, so only these reach the guard as the token.
          const received = auth?.replace(/^[ \t]+|[ \t]+$/g, '');
          if (received === `Bearer ${SERVICE_TOKEN}`) {
            expect(status).toBe(202);
          } else {
            // 400 when the header itself is unreadable (control characters), else 401.
            expect([400, 401]).toContain(status);
          }
        }),
        FUZZ.options(500),
      );
    },
    FUZZ.timeoutMs,
  );
});

/** Server events may omit eventId or send null (a UUID is generated); the check needs one to find the row, so it adds one. */
function withEventIds(body: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(body.events)) {
    return body;
  }
  return {
    ...body,
    events: body.events.map((event: Record<string, unknown>, index: number) =>
      typeof event === 'object' && event !== null && event.eventId == null
        ? { ...event, eventId: `generated-${Date.now()}-${index}` }
        : event,
    ),
  };
}
