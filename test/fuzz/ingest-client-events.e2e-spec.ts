import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { RawRequest } from './raw-http';
import { acceptableString, deepJsonText, FUZZ, json, nastyQuery, nastyString } from './fuzz.harness';
import {
  ALLOWLIST,
  CLIENT_PATH,
  field,
  IngestFuzzHarness,
  memberToken,
  occurredAt,
  postJson,
  properties,
  startIngestFuzz,
  wrongType,
} from './ingest-fuzz.harness';

/** Any key but the three the HTTP edge refuses (they would be deleted by the validation pipe). */
const propertyKey = acceptableString(30).filter((key) => !['__proto__', 'constructor', 'prototype'].includes(key));

const anonymous = { source: 'CLIENT' as const, memberId: null, headerAnonymousId: null };

describe('ingest-api client endpoint under bad input (property-based, seeded)', () => {
  let harness: IngestFuzzHarness;

  beforeAll(async () => {
    harness = await startIngestFuzz('fuzz_ingest_client');
  });

  afterAll(async () => {
    harness.tally.print(`ingest-api POST ${CLIENT_PATH}`);
    await harness.close();
  });

  it(
    'wrong types, unicode, control characters, SQL and size edges in every field: never a 5xx, rejects write nothing',
    async () => {
      const event = fc.record(
        {
          eventId: field(acceptableString(64)),
          eventName: field(fc.constantFrom(...ALLOWLIST)),
          eventVersion: field(acceptableString(20)),
          occurredAt: field(occurredAt),
          properties: field(properties),
          source: fc.constantFrom('SERVER', 'CLIENT'),
        },
        { requiredKeys: ['eventId', 'eventName'] },
      );
      const body = fc.record(
        {
          anonymousId: field(acceptableString(100)),
          events: fc.oneof(
            { weight: 6, arbitrary: fc.array(event, { minLength: 0, maxLength: 55 }) },
            { weight: 1, arbitrary: wrongType },
          ),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(body, nastyQuery(), async (sent, query) => {
          await harness.check(postJson(`${CLIENT_PATH}${query}`, sent), anonymous);
        }),
        FUZZ.options(1500),
      );
    },
    FUZZ.timeoutMs,
  );

  it(
    'valid requests full of quotes, SQL, markup and every Unicode plane are accepted and stored byte for byte',
    async () => {
      const event = fc.record(
        {
          eventId: acceptableString(64),
          eventName: fc.constantFrom(...ALLOWLIST),
          eventVersion: acceptableString(20),
          occurredAt: fc
            .date({ noInvalidDate: true, min: new Date('1970-01-01'), max: new Date('2100-01-01') })
            .map((date) => date.toISOString()),
          properties: fc.dictionary(propertyKey, acceptableString(200), { maxKeys: 6 }),
        },
        { requiredKeys: ['eventId', 'eventName'] },
      );
      const request = fc.record({
        anonymousId: acceptableString(100),
        events: fc.uniqueArray(event, { minLength: 1, maxLength: 20, selector: (e) => e.eventId }),
      });
      await fc.assert(
        // The endpoint ignores its query string, except that a NUL anywhere in the URL is refused up front.
        fc.asyncProperty(
          request,
          nastyQuery().filter((query) => !query.includes('%00')),
          async (sent, query) => {
            expect(await harness.check(postJson(`${CLIENT_PATH}${query}`, sent), anonymous)).toBe(202);
          },
        ),
        FUZZ.options(500),
      );
    },
    FUZZ.timeoutMs,
  );

  it(
    'one edge value at a time in an otherwise valid request: refused with a 400, or accepted and readable downstream',
    async () => {
      const blank = fc.constantFrom(' ', '   ', '\t', '\n', '\u00a0', '\u2028', '\u3000', '\ufeff');
      const edge = fc.oneof(
        fc.record({
          field: fc.constantFrom('eventId', 'eventVersion', 'anonymousId'),
          value: fc.oneof(blank, nastyString()),
        }),
        fc.record({ field: fc.constant('occurredAt'), value: occurredAt }),
        fc.record({ field: fc.constant('properties'), value: properties }),
      );
      let sequence = 0;
      await fc.assert(
        fc.asyncProperty(edge, async ({ field: name, value }) => {
          sequence += 1;
          const event: Record<string, unknown> = { eventId: `edge-${sequence}`, eventName: 'ui.page.viewed' };
          const body: Record<string, unknown> = { anonymousId: `anon-edge-${sequence}`, events: [event] };
          if (name === 'anonymousId') {
            body.anonymousId = value;
          } else {
            event[name] = value;
          }
          await harness.check(postJson(CLIENT_PATH, body), anonymous);
        }),
        FUZZ.options(1000),
      );
    },
    FUZZ.timeoutMs,
  );

  it(
    'odd Content-Type, Content-Encoding, X-Anonymous-Id and Authorization headers: never a 5xx, the caller is right',
    async () => {
      const contentType = fc.option(
        fc.oneof(
          fc.constantFrom(
            'application/json',
            'application/json; charset=utf-8',
            'application/json; charset=utf-16',
            'application/json; charset=latin1',
            'application/vnd.api+json',
            'application/x-www-form-urlencoded',
            'text/plain',
            'multipart/form-data; boundary=x',
            'application/json, text/plain',
            '*/*',
            '',
          ),
          nastyString(40),
        ),
      );
      let sequence = 0;
      const encoding = fc.option(
        fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'GZIP', 'gzip, gzip', 'zstd', 'x'),
      );
      // CR and LF would end the header line itself: that is framing, not a header value.
      const anonymousHeader = fc.option(
        fc
          .oneof(fc.string({ unit: 'binary-ascii', maxLength: 120 }), fc.string({ maxLength: 100 }))
          .map((value) => value.replace(/[\r\n]/g, '')),
      );
      const authorization = fc.option(
        fc.oneof(
          fc.constantFrom(
            'Bearer',
            'Bearer ',
            'Basic dXNlcjpwYXNz',
            'bearer x',
            'Bearer a.b.c',
            'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiI0MiJ9.',
          ),
          fc
            .oneof(fc.constantFrom('42', '0', '-1', '1.5', '1e3', '9007199254740993', ' 7'), nastyString(20))
            .map((subject) => `member:${subject}`),
          fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((value) => `Bearer ${value}`),
        ),
      );
      await fc.assert(
        fc.asyncProperty(
          contentType,
          encoding,
          anonymousHeader,
          authorization,
          fc.boolean(),
          async (type, contentEncoding, anonymousId, auth, compress) => {
            sequence += 1;
            const events = [{ eventId: `header-case-${sequence}`, eventName: 'ui.page.viewed' }];
            let body = json({ events });
            const headers: [string, string][] = [];
            if (type !== null) {
              headers.push(['Content-Type', type]);
            }
            if (contentEncoding !== null) {
              headers.push(['Content-Encoding', contentEncoding]);
              if (compress && contentEncoding.toLowerCase() === 'gzip') {
                body = gzipSync(body);
              }
            }
            if (anonymousId !== null) {
              headers.push(['X-Anonymous-Id', anonymousId]);
            }
            let memberId: number | null = null;
            if (auth !== null) {
              if (auth.startsWith('member:')) {
                const token = memberToken(auth.slice('member:'.length));
                headers.push(['Authorization', token.header]);
                memberId = token.memberId;
              } else {
                headers.push(['Authorization', auth]);
              }
            }
            const request: RawRequest = { method: 'POST', target: CLIENT_PATH, headers, body };
            // A header value arrives as the latin1 reading of its bytes without surrounding spaces and tabs (HTTP's
            // optional whitespace), and a blank one counts as absent.
            const received = anonymousId?.replace(/^[ \t]+|[ \t]+$/g, '') ?? null;
            const headerAnonymousId = received !== null && received.trim() !== '' ? received : null;
            await harness.check(request, { source: 'CLIENT', memberId, headerAnonymousId }, { events });
          },
        ),
        FUZZ.options(1000),
      );
    },
    FUZZ.timeoutMs,
  );

  it(
    'random bytes, deep nesting and huge JSON: never a 5xx, rejects write nothing',
    async () => {
      const rawBody = fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
        fc.string({ unit: 'binary', maxLength: 300 }).map((text) => Buffer.from(text, 'utf8')),
        fc.jsonValue().map((value) => json(value)),
        fc
          .tuple(fc.integer({ min: 1, max: 120_000 }), fc.constantFrom('array' as const, 'object' as const))
          .map(([depth, kind]) => Buffer.from(deepJsonText(depth, kind))),
        fc
          .tuple(fc.integer({ min: 1, max: 100 }), fc.constantFrom('array' as const, 'object' as const))
          .map(([depth, kind]) =>
            Buffer.from(
              `{"events":[{"eventId":"d","eventName":"ui.page.viewed","properties":{"p":${deepJsonText(depth, kind)}}}]}`,
            ),
          ),
        fc
          .integer({ min: 16_000, max: 300_000 })
          .map((size) =>
            json({ events: [{ eventId: 'big', eventName: 'ui.page.viewed', properties: { blob: 'x'.repeat(size) } }] }),
          ),
        fc.integer({ min: 1, max: 80_000 }).map((count) => json({ events: Array.from({ length: count }, () => ({})) })),
      );
      await fc.assert(
        fc.asyncProperty(rawBody, async (body) => {
          await harness.check(
            {
              method: 'POST',
              target: CLIENT_PATH,
              headers: [
                ['Content-Type', 'application/json'],
                ['X-Anonymous-Id', 'anon-raw'],
              ],
              body,
            },
            { ...anonymous, headerAnonymousId: 'anon-raw' },
          );
        }),
        FUZZ.options(600),
      );
    },
    FUZZ.timeoutMs,
  );
});
