import { CanonicalEvent } from '@app/entities';
import { scrapeMetric } from '@app/testing';
import { IngestHarness, startIngest } from './ingest-api.harness';

export const WEB_KEY = 'phc_web_key_for_tests';
export const BACKEND_KEY = 'wk_backend_key_for_tests';
/** A browser key (CLIENT: allowlist applies) and a backend key (SERVER: no allowlist). */
export const SDK_KEYS = `web:${WEB_KEY},backend:${BACKEND_KEY}:SERVER`;

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function startSdkIngest(label: string, env: Record<string, string> = {}): Promise<IngestHarness> {
  return startIngest(label, { ANALYTICS_INGEST_SDK_KEYS: SDK_KEYS, ...env });
}

/** Sends the bytes as they are, with exactly the headers given (as an SDK does). */
export async function postRaw(
  baseUrl: string,
  path: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export function postJson(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return postRaw(baseUrl, path, JSON.stringify(body), { 'Content-Type': 'application/json', ...headers });
}

export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

/** The canonical events stored in the source outbox for these ids, in the order of the ids. */
export async function storedEvents(harness: IngestHarness, eventIds: string[]): Promise<CanonicalEvent[]> {
  const rows = await harness.db.query<{ event_id: string; payload: CanonicalEvent }>(
    'SELECT event_id, payload FROM user_activity_source_outbox WHERE event_id = ANY($1)',
    [eventIds],
  );
  const byId = new Map(rows.map((row) => [row.event_id, row.payload]));
  return eventIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
}

export async function outboxCount(harness: IngestHarness): Promise<number> {
  const [row] = await harness.db.query<{ count: string }>('SELECT count(*) FROM user_activity_source_outbox');
  return Number(row.count);
}

export function ingestEventsMetric(harness: IngestHarness, result: string, route: string): Promise<number> {
  return scrapeMetric([harness.ingest.url], 'analytics_user_activity_ingest_events_total', { result, route });
}

export function ingestRequestsMetric(harness: IngestHarness, result: string, route: string): Promise<number> {
  return scrapeMetric([harness.ingest.url], 'analytics_user_activity_ingest_requests_total', { result, route });
}
