import { gunzipSync } from 'node:zlib';
import { RecordedSdkRequest } from './recording-proxy';

/** One event as an SDK put it on the wire, decoded independently of ingest-api. */
export interface WireEvent {
  /** `uuid` (PostHog) or `messageId` (Segment, RudderStack). */
  id: string;
  body: Record<string, unknown>;
  properties: Record<string, unknown>;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** The JSON of a request body: gzip (by header or by its first bytes), then JSON or a `data=` form field. */
export function decodeSdkBody(request: RecordedSdkRequest): unknown {
  const gzipped =
    request.headers['content-encoding'] === 'gzip' ||
    (request.body[0] === GZIP_MAGIC[0] && request.body[1] === GZIP_MAGIC[1]);
  const text = (gzipped ? gunzipSync(request.body) : request.body).toString('utf8');
  if (!text.startsWith('data=')) {
    return JSON.parse(text);
  }
  const data = new URLSearchParams(text).get('data') ?? '';
  return JSON.parse(/^\s*[[{]/.test(data) ? data : Buffer.from(data, 'base64').toString('utf8'));
}

/** The events of every POST among `requests` (a batch object, an array, or one event), in the order sent. */
export function wireEvents(requests: RecordedSdkRequest[]): WireEvent[] {
  return requests
    .filter((request) => request.method === 'POST')
    .flatMap((request) => {
      const body = decodeSdkBody(request);
      const events = Array.isArray(body) ? body : ((body as { batch?: unknown[] }).batch ?? [body]);
      return (events as Record<string, unknown>[])
        .filter((event) => typeof (event.uuid ?? event.messageId) === 'string')
        .map((event) => ({
          id: (event.uuid ?? event.messageId) as string,
          body: event,
          properties: (event.properties ?? event.traits ?? {}) as Record<string, unknown>,
        }));
    });
}

/**
 * The first wire copy of each event the test made, by its `seq` property. Every copy of one event (an SDK's
 * retry) must carry the same id, or ingest-api could not tell it is the same event.
 */
export function wireEventsBySeq(requests: RecordedSdkRequest[]): Map<number, WireEvent> {
  const bySeq = new Map<number, WireEvent>();
  for (const event of wireEvents(requests)) {
    const seq = event.properties.seq;
    if (typeof seq !== 'number') {
      continue;
    }
    const first = bySeq.get(seq);
    if (first === undefined) {
      bySeq.set(seq, event);
    } else if (first.id !== event.id) {
      throw new Error(`event ${seq} was sent again with another id: ${first.id}, then ${event.id}`);
    }
  }
  return bySeq;
}
