import { extrasOf, isObject, SdkEventDraft } from './sdk-event';
import { firstString, SdkBatch } from './sdk-batch';

export type SegmentType = 'track' | 'page' | 'screen' | 'identify' | 'group' | 'alias';

/** Event names of the calls that have none of their own (PostHog's names for them). */
export const SEGMENT_EVENT_NAMES: Record<Exclude<SegmentType, 'track'>, string> = {
  page: '$pageview',
  screen: '$screen',
  identify: '$identify',
  group: '$groupidentify',
  alias: '$create_alias',
};

/** identify and group carry `traits` where the others carry `properties`. */
const TRAITS_TYPES = new Set<string>(['identify', 'group']);
const ALWAYS_CONSUMED = ['type', 'messageId', 'userId', 'timestamp', 'originalTimestamp', 'sentAt', 'writeKey'];

function isSegmentType(value: unknown): value is SegmentType {
  return value === 'track' || (typeof value === 'string' && Object.hasOwn(SEGMENT_EVENT_NAMES, value));
}

/** The write key of `Authorization: Basic base64(writeKey:)`: the user name (or the password when that is empty). */
export function basicAuthKey(authorization: string | undefined): string | null {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (match === null) {
    return null;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  const user = separator < 0 ? decoded : decoded.slice(0, separator);
  const password = separator < 0 ? '' : decoded.slice(separator + 1);
  return firstString([user, password]);
}

function draftOf(item: Record<string, unknown>, routeType: SegmentType | null, batchSentAt: unknown): SdkEventDraft {
  const type = routeType ?? item.type;
  const base = typeof type === 'string' && TRAITS_TYPES.has(type) ? 'traits' : 'properties';
  const userIdGiven = firstString([item.userId]) !== null || typeof item.userId === 'number';
  const consumed = new Set([...ALWAYS_CONSUMED, base, ...(userIdGiven ? [] : ['anonymousId'])]);
  if (type === 'track') {
    consumed.add('event');
  }
  return {
    id: item.messageId,
    idField: 'messageId',
    name: !isSegmentType(type) ? undefined : type === 'track' ? item.event : SEGMENT_EVENT_NAMES[type],
    identity: [item.userId, item.anonymousId],
    timestamp: item.timestamp ?? item.originalTimestamp,
    sentAt: item.sentAt ?? batchSentAt,
    properties: item[base],
    extras: extrasOf(item, consumed),
  };
}

/**
 * A Segment (or RudderStack) HTTP API body: `{batch: […], sentAt}` (or an array) on `/v1/batch`, one event on the
 * routes of one call (`routeType`); null when it is neither. The key is the Basic user name, else body `writeKey`.
 */
export function readSegmentBatch(
  body: unknown,
  routeType: SegmentType | null,
  authorization: string | undefined,
): SdkBatch | null {
  let items: unknown[];
  if (routeType === null && Array.isArray(body)) {
    items = body;
  } else if (routeType === null && isObject(body) && Array.isArray(body.batch)) {
    items = body.batch;
  } else if (routeType !== null && isObject(body)) {
    items = [body];
  } else {
    return null;
  }
  const envelope = isObject(body) ? body : {};
  return {
    key: basicAuthKey(authorization) ?? firstString([envelope.writeKey]),
    items,
    draftOf: (item) => draftOf(item, routeType, envelope.sentAt),
  };
}
