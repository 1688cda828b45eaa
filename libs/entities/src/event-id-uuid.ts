import { createHash } from 'node:crypto';

/**
 * The namespace of the name-based uuids given to event ids that cannot be used as they are: the dispatcher's PostHog
 * uuid of an id that is not a UUID, and ingest-api's id for an SDK id over the eventId limits (DESIGN §3, §8).
 * Changing it would make a re-sent event count twice, so it never changes.
 */
export const EVENT_ID_UUID_NAMESPACE = 'cdf1e7ea-0c3d-457a-a7e0-0e4c51306fe5';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** RFC 9562 §5.5: SHA-1 of the namespace's 16 bytes and the name's UTF-8 bytes, version and variant bits set. */
export function uuidV5(name: string, namespace: string): string {
  if (!isUuid(namespace)) {
    throw new Error(`namespace is not a UUID: ${namespace}`);
  }
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
