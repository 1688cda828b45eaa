import { extrasOf, isObject, SdkEventDraft } from './sdk-event';
import { firstString, SdkBatch } from './sdk-batch';

/** Fields the mapping reads; every other field of an event is kept in its properties (DESIGN §3). */
const CONSUMED = new Set([
  'api_key',
  'token',
  '$token',
  'uuid',
  'event',
  'distinct_id',
  '$distinct_id',
  'timestamp',
  'offset',
  'sent_at',
  'properties',
]);
/** posthog-js repeats the project key in every event's properties; it is not the event's data. */
const KEY_PROPERTIES = ['token', '$token'];

function keyOf(envelope: Record<string, unknown>, items: unknown[]): string | null {
  const fromEnvelope = firstString([envelope.api_key, envelope.token]);
  if (fromEnvelope !== null) {
    return fromEnvelope;
  }
  for (const item of items) {
    if (isObject(item)) {
      const properties = isObject(item.properties) ? item.properties : {};
      const key = firstString([item.api_key, item.token, item.$token, properties.token, properties.$token]);
      if (key !== null) {
        return key;
      }
    }
  }
  return null;
}

function draftOf(item: Record<string, unknown>, batchSentAt: unknown): SdkEventDraft {
  const given = item.properties;
  const properties = isObject(given)
    ? Object.fromEntries(Object.entries(given).filter(([key]) => !KEY_PROPERTIES.includes(key)))
    : given;
  const inProperties = isObject(given) ? given : {};
  return {
    id: item.uuid,
    idField: 'uuid',
    name: item.event,
    identity: [item.distinct_id, item.$distinct_id, inProperties.distinct_id, inProperties.$distinct_id],
    timestamp: item.timestamp,
    sentAt: item.sent_at ?? batchSentAt,
    offset: item.offset,
    properties,
    extras: extrasOf(item, CONSUMED),
  };
}

/**
 * A PostHog capture body: the batch object `{api_key, batch: […], sent_at}`, an array of events, or one event;
 * null when it is none of these.
 */
export function readPosthogBatch(body: unknown): SdkBatch | null {
  let items: unknown[];
  let envelope: Record<string, unknown> = {};
  if (Array.isArray(body)) {
    items = body;
  } else if (isObject(body) && Array.isArray(body.batch)) {
    items = body.batch;
    envelope = body;
  } else if (isObject(body) && body.event !== undefined) {
    items = [body];
    envelope = body;
  } else {
    return null;
  }
  return { key: keyOf(envelope, items), items, draftOf: (item) => draftOf(item, envelope.sent_at) };
}
