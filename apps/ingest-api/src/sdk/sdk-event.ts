import { randomUUID } from 'node:crypto';
import {
  CanonicalEvent,
  EVENT_FIELD_MAX_CHARS,
  EVENT_ID_UUID_NAMESPACE,
  EventSource,
  isStorableTime,
  uuidV5,
} from '@app/entities';
import { findUnsafeJson } from '@app/http';
import { AMQP_SHORT_STRING_MAX_BYTES } from '@app/messaging';
import { cleanProperties } from '../events/canonical-event.builder';
import { MAX_PROPERTIES_BYTES } from '../events/ingest-request.dto';

/** What one SDK event says, before the rules shared by every SDK (DESIGN §3, "SDK mapping") are applied. */
export interface SdkEventDraft {
  /** `uuid` (PostHog) or `messageId` (Segment); kept in the properties under `idField` when it cannot be used. */
  id: unknown;
  idField: string;
  name: unknown;
  /** Who, as sent; the first of the candidates that is present wins. */
  identity: unknown[];
  timestamp: unknown;
  /** When the SDK sent the event by its own clock; corrects `timestamp` for the client's clock skew. */
  sentAt: unknown;
  /** PostHog's `offset`: milliseconds between the event and the send, used when there is no timestamp. */
  offset?: unknown;
  properties: unknown;
  /** The SDK's other fields, added to the properties under their own names unless the properties hold the name. */
  extras: Record<string, unknown>;
}

export type SkipReason = 'invalid' | 'not_allowed';

export type SdkMapping = { event: CanonicalEvent } | { skipped: SkipReason; reason: string };

const MEMBER_ID = /^[1-9][0-9]*$/;

function chars(value: string): number {
  return [...value].length;
}

function fitsEventId(id: string): boolean {
  return chars(id) <= EVENT_FIELD_MAX_CHARS.eventId && Buffer.byteLength(id) <= AMQP_SHORT_STRING_MAX_BYTES;
}

function skip(reason: string): SdkMapping {
  return { skipped: 'invalid', reason };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Identity {
  memberId: number | null;
  anonymousId: string | null;
}

/** Digits only, 1 … 2^53 − 1, without leading zeros → memberId; any other string or number → anonymousId. */
function identityOf(candidates: unknown[]): Identity | string {
  const given = candidates.find(
    (value): value is string | number =>
      (typeof value === 'string' && value.trim() !== '') || (typeof value === 'number' && isFinite(value)),
  );
  if (given === undefined) {
    return 'no distinct_id, userId or anonymousId';
  }
  const text = String(given);
  if (MEMBER_ID.test(text) && Number.isSafeInteger(Number(text))) {
    return { memberId: Number(text), anonymousId: null };
  }
  if (chars(text) > EVENT_FIELD_MAX_CHARS.anonymousId) {
    return `the anonymous id is longer than ${EVENT_FIELD_MAX_CHARS.anonymousId} characters`;
  }
  return { memberId: null, anonymousId: text };
}

/** An instant in the years 1 … 9999 as epoch ms, null when absent, NaN when unreadable. */
function instantOf(value: unknown): number | null {
  if (value === undefined || value === null || value === '') {
    return null;
  }
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return isStorableTime(time) ? time : Number.NaN;
}

/**
 * The event's time by the server's clock: `timestamp` moved by the skew between the SDK's `sentAt` and the receive
 * time (as PostHog and Segment do), or `receivedAt − offset`, or the receive time; never later than the receive time.
 */
function occurredAtOf(draft: SdkEventDraft, receivedMs: number): number | string {
  const timestamp = instantOf(draft.timestamp);
  if (Number.isNaN(timestamp)) {
    return 'the timestamp is not an ISO-8601 instant';
  }
  let occurred = receivedMs;
  if (timestamp !== null) {
    const sentAt = instantOf(draft.sentAt);
    occurred = sentAt === null || Number.isNaN(sentAt) ? timestamp : receivedMs - (sentAt - timestamp);
  } else if (typeof draft.offset === 'number' && Number.isFinite(draft.offset)) {
    occurred = receivedMs - draft.offset;
  }
  occurred = Math.min(occurred, receivedMs);
  return isStorableTime(occurred) ? occurred : 'the timestamp is out of range';
}

function eventIdOf(draft: SdkEventDraft): { eventId: string; original?: string } | string {
  const { id } = draft;
  if (id === undefined || id === null || (typeof id === 'string' && id.trim() === '')) {
    return { eventId: randomUUID() };
  }
  if (typeof id !== 'string' && typeof id !== 'number') {
    return `${draft.idField} must be a string`;
  }
  const text = String(id);
  // A stable id, so that every retry of the event is still recognised as a duplicate.
  return fitsEventId(text) ? { eventId: text } : { eventId: uuidV5(text, EVENT_ID_UUID_NAMESPACE), original: text };
}

function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.trim() === '') {
    return 'no event name';
  }
  if (chars(name) > EVENT_FIELD_MAX_CHARS.eventName || Buffer.byteLength(name) > AMQP_SHORT_STRING_MAX_BYTES) {
    return `the event name is longer than ${EVENT_FIELD_MAX_CHARS.eventName} characters or ${AMQP_SHORT_STRING_MAX_BYTES} bytes`;
  }
  return null;
}

/**
 * One SDK event as a canonical event, or why it is skipped. `allowed` is the allowlist check of the key's source
 * (always true for SERVER keys).
 */
export function toSdkCanonicalEvent(
  draft: SdkEventDraft,
  source: EventSource,
  allowed: (eventName: string) => boolean,
  receivedAt: string,
): SdkMapping {
  const problem = nameProblem(draft.name);
  if (problem !== null) {
    return skip(problem);
  }
  const eventName = draft.name as string;
  if (draft.properties !== undefined && draft.properties !== null && !isObject(draft.properties)) {
    return skip('properties must be an object');
  }
  const identity = identityOf(draft.identity);
  if (typeof identity === 'string') {
    return skip(identity);
  }
  const occurred = occurredAtOf(draft, Date.parse(receivedAt));
  if (typeof occurred === 'string') {
    return skip(occurred);
  }
  const id = eventIdOf(draft);
  if (typeof id === 'string') {
    return skip(id);
  }
  const properties: Record<string, unknown> = { ...(isObject(draft.properties) ? draft.properties : {}) };
  const extras = id.original === undefined ? draft.extras : { ...draft.extras, [draft.idField]: id.original };
  for (const [key, value] of Object.entries(extras)) {
    if (!Object.hasOwn(properties, key)) {
      properties[key] = value;
    }
  }
  const event: CanonicalEvent = {
    eventId: id.eventId,
    eventName,
    eventVersion: 'v1',
    occurredAt: new Date(occurred).toISOString(),
    memberId: identity.memberId,
    anonymousId: identity.anonymousId,
    source,
    properties: cleanProperties(properties),
    receivedAt,
  };
  const unsafe = findUnsafeJson(event);
  if (unsafe !== null) {
    return skip(`${unsafe.field}: ${unsafe.reason}`);
  }
  if (Buffer.byteLength(JSON.stringify(event.properties)) > MAX_PROPERTIES_BYTES) {
    return skip(`the properties are over ${MAX_PROPERTIES_BYTES} bytes`);
  }
  if (!allowed(eventName)) {
    return { skipped: 'not_allowed', reason: eventName };
  }
  return { event };
}

/** The fields of `item` other than `consumed`. */
export function extrasOf(item: Record<string, unknown>, consumed: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !consumed.has(key)));
}
