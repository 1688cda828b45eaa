import { randomUUID } from 'node:crypto';
import { CanonicalEvent, EventSource } from '@app/entities';
import { ClientEventDto, ServerEventDto } from './ingest-request.dto';

export interface Caller {
  source: EventSource;
  memberId: number | null;
  anonymousId: string | null;
}

/** Drops null values and blank keys (DESIGN §2). */
export function cleanProperties(properties: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(properties ?? {}).filter(([key, value]) => key.trim().length > 0 && value !== null),
  );
}

export function toCanonicalEvent(
  input: ClientEventDto | ServerEventDto,
  caller: Caller,
  receivedAt: string,
): CanonicalEvent {
  const memberId = 'memberId' in input && input.memberId != null ? input.memberId : caller.memberId;
  return {
    eventId: input.eventId ?? randomUUID(),
    eventName: input.eventName,
    eventVersion: input.eventVersion ?? 'v1',
    occurredAt: input.occurredAt ? new Date(input.occurredAt).toISOString() : receivedAt,
    memberId,
    anonymousId: memberId === null ? caller.anonymousId : null,
    source: caller.source,
    properties: cleanProperties(input.properties),
    receivedAt,
  };
}
