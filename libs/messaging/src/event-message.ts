import type { Options } from 'amqplib';
import { CanonicalEvent } from '@app/entities';

export const EVENT_TYPE_HEADER = 'ActivityEvent';

/** The AMQP properties of an event message (DESIGN §6). */
export function eventMessageOptions(event: CanonicalEvent): Options.Publish {
  return {
    persistent: true,
    mandatory: true,
    contentType: 'application/json',
    messageId: event.eventId,
    timestamp: Math.floor(Date.now() / 1000),
    type: event.eventName,
    headers: { eventType: EVENT_TYPE_HEADER, eventName: event.eventName, schemaVersion: event.eventVersion },
  };
}
