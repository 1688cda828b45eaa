import fc from 'fast-check';
import { sign } from 'jsonwebtoken';
import { parseCanonicalEvent } from '@app/entities';
import { eventMessage, unencodableReason } from '@app/messaging';
import { bootApp, BootedApp, createTestDatabase, TestDatabase } from '@app/testing';
import { DEFAULT_ALLOWLIST, ingestSchema } from '../../apps/ingest-api/src/ingest-api.config';
import { IngestApiModule } from '../../apps/ingest-api/src/ingest-api.module';
import { ingestApiOptions } from '../../apps/ingest-api/src/ingest-api.options';
import { RawRequest } from './raw-http';
import { json, nastyJson, nastyString, sendExpectingNo5xx, StatusTally } from './fuzz.harness';

export const CLIENT_PATH = '/api/v1/analytics/events';
export const SERVER_PATH = '/api/v1/internal/user-activity/events';
export const SERVICE_TOKEN = 'fuzz-service-token';
export const JWT_SECRET = 'fuzz-jwt-secret';
export const ALLOWLIST = DEFAULT_ALLOWLIST.split(',');

/** A value of the wrong type for any field. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

/** Valid most of the time; otherwise a nasty string, a wrong type or missing. */
export function field<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 5, arbitrary: valid },
    { weight: 1, arbitrary: nastyString() },
    { weight: 1, arbitrary: wrongType },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** Instants, near-instants and things IsISO8601 lets through that no database or parser can take. */
export const occurredAt: fc.Arbitrary<string> = fc.oneof(
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc
    .date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2026-02-20T10:00:00Z',
    '2026-02-20T10:00:00.123456789+09:00',
    '2026-02-20',
    '2026-02-30T00:00:00Z',
    '2026-02-20T24:00:00Z',
    '2009-W53-7',
    '2009-W01',
    '2009-123',
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '9999-12-31T23:59:59-23:59',
    '+002026-02-20T10:00:00Z',
    '2026-02-20T10:00:00,5Z',
    '2026-02-20T10:00Z',
    'yesterday',
  ),
);

export const properties: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(nastyString(30), nastyJson(3), { maxKeys: 8 }),
  fc.object({ maxDepth: 3 }),
  fc.constant({}),
);

export interface IngestFuzzHarness {
  db: TestDatabase;
  ingest: BootedApp;
  tally: StatusTally;
  /** Sends the request and checks it: never a 5xx; rejected → nothing written; accepted → stored as sent. */
  check(request: RawRequest, caller: Caller, sent?: unknown): Promise<number>;
  close(): Promise<void>;
}

/** Who the request claims to be, as the test computes it independently of the app. */
export interface Caller {
  source: 'CLIENT' | 'SERVER';
  memberId: number | null;
  headerAnonymousId: string | null;
}

interface StoredRow {
  event_id: string;
  event_name: string;
  event_version: string;
  member_id: string | null;
  payload: Record<string, unknown>;
}

/** Boots ingest-api in-process on a fresh database; the rate limit is out of the way so every case is judged. */
export async function startIngestFuzz(label: string): Promise<IngestFuzzHarness> {
  const db = await createTestDatabase(label);
  const ingest = await bootApp(IngestApiModule, ingestSchema, ingestApiOptions, {
    DATABASE_URL: db.url,
    INGEST_SERVICE_TOKEN: SERVICE_TOKEN,
    JWT_SECRET,
    LOG_LEVEL: 'error',
    ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS: '100000000',
    ANALYTICS_INGEST_IP_RATE_LIMIT_MAX_REQUESTS: '0',
  });
  const tally = new StatusTally();
  const accepted = new Set<string>();
  const count = async () =>
    (await db.query<{ rows: number }>('SELECT count(*)::int AS rows FROM user_activity_source_outbox'))[0].rows;
  return {
    db,
    ingest,
    tally,
    async check(request, caller, sent) {
      const before = await count();
      const response = await sendExpectingNo5xx(ingest.url, request, tally);
      const after = await count();
      if (response.status !== 202) {
        expect({ status: response.status, written: after - before }).toEqual({ status: response.status, written: 0 });
        return response.status;
      }
      const body = (sent ?? JSON.parse(request.body.toString('utf8'))) as { anonymousId?: string; events: SentEvent[] };
      const fresh = body.events.filter(
        (event, index) =>
          !accepted.has(event.eventId) && body.events.findIndex((e) => e.eventId === event.eventId) === index,
      );
      fresh.forEach((event) => accepted.add(event.eventId));
      expect(JSON.parse(response.body)).toEqual({
        success: true,
        data: { acceptedCount: body.events.length, duplicateCount: body.events.length - fresh.length },
      });
      expect(after - before).toBe(fresh.length);
      const rows = await db.query<StoredRow>(
        `SELECT event_id, event_name, event_version, member_id, payload FROM user_activity_source_outbox
         WHERE event_id = ANY($1)`,
        [fresh.map((event) => event.eventId)],
      );
      const byId = new Map(rows.map((row) => [row.event_id, row]));
      for (const event of fresh) {
        expectStoredAsSent(byId.get(event.eventId), event, body.anonymousId, caller);
      }
      return response.status;
    },
    async close() {
      await ingest.close();
      await db.drop();
    },
  };
}

interface SentEvent {
  eventId: string;
  eventName: string;
  eventVersion?: string;
  occurredAt?: string;
  memberId?: number | null;
  properties?: Record<string, unknown>;
}

/** The stored row holds every string exactly as sent, and the relay can read it as a canonical event. */
function expectStoredAsSent(
  row: StoredRow | undefined,
  sent: SentEvent,
  bodyAnonymousId: string | undefined,
  caller: Caller,
): void {
  expect(row).toBeDefined();
  const stored = row!;
  const memberId = caller.source === 'SERVER' && sent.memberId != null ? sent.memberId : caller.memberId;
  const expectedProperties = JSON.parse(
    JSON.stringify(
      Object.fromEntries(
        Object.entries(sent.properties ?? {}).filter(([key, value]) => key.trim() !== '' && value !== null),
      ),
    ),
  ) as Record<string, unknown>;
  expect({
    eventId: stored.event_id,
    eventName: stored.event_name,
    eventVersion: stored.event_version,
    memberId: stored.member_id === null ? null : Number(stored.member_id),
  }).toEqual({ eventId: sent.eventId, eventName: sent.eventName, eventVersion: sent.eventVersion ?? 'v1', memberId });
  expect(stored.payload).toMatchObject({
    eventId: sent.eventId,
    eventName: sent.eventName,
    eventVersion: sent.eventVersion ?? 'v1',
    memberId,
    anonymousId: memberId === null ? (bodyAnonymousId ?? caller.headerAnonymousId) : null,
    source: caller.source,
  });
  expect(stored.payload.properties).toEqual(expectedProperties);
  if (sent.occurredAt != null) {
    expect(Date.parse(stored.payload.occurredAt as string)).toBe(Date.parse(sent.occurredAt));
  }
  // What ingest-api accepts, the relay must be able to publish and the store to store.
  expect(unencodableReason(eventMessage(parseCanonicalEvent(stored.payload)))).toBeNull();
}

/** The member id a token yields by DESIGN §3: a valid HS256 token whose `sub` is a positive safe integer. */
export function memberToken(subject: string): { header: string; memberId: number | null } {
  const memberId = /^\d+$/.test(subject) && Number.isSafeInteger(Number(subject)) && Number(subject) > 0;
  return {
    header: `Bearer ${sign({ sub: subject }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`,
    memberId: memberId ? Number(subject) : null,
  };
}

export function postJson(path: string, body: unknown, headers: [string, string][] = []): RawRequest {
  return {
    method: 'POST',
    target: path,
    headers: [['Content-Type', 'application/json'], ...headers],
    body: json(body),
  };
}
