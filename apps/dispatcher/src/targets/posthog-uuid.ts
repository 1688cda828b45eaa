import { EVENT_ID_UUID_NAMESPACE, isUuid, uuidV5 } from '@app/entities';

/**
 * PostHog refuses a whole batch when one `uuid` does not parse, but event ids are free strings: a UUID is sent as
 * it is, anything else as its v5 uuid, the same on every re-send so that PostHog still de-duplicates.
 */
export function posthogUuid(eventId: string): string {
  return isUuid(eventId) ? eventId : uuidV5(eventId, EVENT_ID_UUID_NAMESPACE);
}
