import { EventSource } from './user-activity-event.entity';

/** The event as it travels: source outbox payload, MQ message body and dispatch outbox payload (DESIGN §2). */
export interface CanonicalEvent {
  eventId: string;
  eventName: string;
  eventVersion: string;
  occurredAt: string;
  memberId: number | null;
  anonymousId: string | null;
  source: EventSource;
  properties: Record<string, unknown>;
  receivedAt: string;
}

/** Column sizes of `user_activity_event` (DESIGN §2) in code points; every reader of an event checks them. */
export const EVENT_FIELD_MAX_CHARS = { eventId: 64, eventName: 100, eventVersion: 20, anonymousId: 100 } as const;

/** Years 1 to 9999: what both PostgreSQL's timestamptz and the canonical event's ISO-8601 string can hold. */
export function isStorableTime(epochMs: number): boolean {
  const year = new Date(epochMs).getUTCFullYear();
  return !Number.isNaN(epochMs) && year >= 1 && year <= 9999;
}

export class ContractValidationError extends Error {
  constructor(readonly reason: string) {
    super(`invalid canonical event: ${reason}`);
    this.name = ContractValidationError.name;
  }
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Characters as PostgreSQL's VARCHAR(n) and the ingest validation count them (code points): `length` counts an emoji
 * twice. Only a string longer than `max` UTF-16 units needs counting; one over `2 × max` is too long either way.
 */
function longerThan(value: string, max: number): boolean {
  return value.length > max && (value.length > 2 * max || [...value].length > max);
}

function boundedString(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim().length === 0 || longerThan(value, max)) {
    throw new ContractValidationError(`${field} must be a non-blank string of at most ${max} characters`);
  }
  return value;
}

function instant(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
    throw new ContractValidationError(`${field} must be an ISO-8601 instant`);
  }
  return value;
}

/** Checks an MQ message body against the canonical envelope; throws ContractValidationError. */
export function parseCanonicalEvent(body: unknown): CanonicalEvent {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ContractValidationError('body must be a JSON object');
  }
  const event = body as Record<string, unknown>;
  const memberId = event.memberId ?? null;
  if (memberId !== null && !Number.isSafeInteger(memberId)) {
    throw new ContractValidationError('memberId must be an integer or null');
  }
  const anonymousId = event.anonymousId ?? null;
  if (anonymousId !== null) {
    boundedString(anonymousId, 'anonymousId', EVENT_FIELD_MAX_CHARS.anonymousId);
  }
  if (event.source !== EventSource.Client && event.source !== EventSource.Server) {
    throw new ContractValidationError('source must be CLIENT or SERVER');
  }
  const properties = event.properties ?? {};
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
    throw new ContractValidationError('properties must be an object');
  }
  return {
    eventId: boundedString(event.eventId, 'eventId', EVENT_FIELD_MAX_CHARS.eventId),
    eventName: boundedString(event.eventName, 'eventName', EVENT_FIELD_MAX_CHARS.eventName),
    eventVersion: boundedString(event.eventVersion ?? 'v1', 'eventVersion', EVENT_FIELD_MAX_CHARS.eventVersion),
    occurredAt: instant(event.occurredAt, 'occurredAt'),
    memberId: memberId as number | null,
    anonymousId: anonymousId as string | null,
    source: event.source,
    properties: properties as Record<string, unknown>,
    receivedAt: instant(event.receivedAt, 'receivedAt'),
  };
}
