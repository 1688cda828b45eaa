import { CanonicalEvent } from '@app/entities';
import { posthogUuid } from './posthog-uuid';

/** One event of PostHog's `/batch/` body. */
export interface PosthogEvent {
  event: string;
  distinct_id: string;
  timestamp: string;
  uuid: string;
  properties: Record<string, unknown>;
}

/**
 * DESIGN §8: uuid = the eventId (or its v5 uuid when it is not a UUID) so PostHog de-duplicates; the person is the
 * member, else the anonymous id, else the event.
 */
export function toPosthogEvent(event: CanonicalEvent): PosthogEvent {
  return {
    event: event.eventName,
    distinct_id: event.memberId !== null ? String(event.memberId) : (event.anonymousId ?? event.eventId),
    timestamp: event.occurredAt,
    uuid: posthogUuid(event.eventId),
    properties: {
      ...event.properties,
      event_id: event.eventId,
      event_version: event.eventVersion,
      member_id: event.memberId,
      anonymous_id: event.anonymousId,
      source: event.source,
    },
  };
}
