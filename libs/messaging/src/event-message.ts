import type { Options } from 'amqplib';
import { CanonicalEvent } from '@app/entities';
import { USER_ACTIVITY_EXCHANGE } from './topology';

export const EVENT_TYPE_HEADER = 'ActivityEvent';

/** The exchange, routing key, properties and every header key of an AMQP 0-9-1 message are short strings. */
export const AMQP_SHORT_STRING_MAX_BYTES = 255;

/** The basic.publish properties the protocol encodes as short strings (amqplib never sends clusterId). */
const SHORT_STRING_PROPERTIES = [
  'contentType',
  'contentEncoding',
  'correlationId',
  'replyTo',
  'expiration',
  'messageId',
  'type',
  'userId',
  'appId',
] as const;

/** A message as it is handed to `channel.publish`. */
export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: Options.Publish;
}

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

/** An event as the relay publishes it: routing key = eventName, body = the canonical event. */
export function eventMessage(event: CanonicalEvent): OutgoingMessage {
  return {
    exchange: USER_ACTIVITY_EXCHANGE,
    routingKey: event.eventName,
    content: Buffer.from(JSON.stringify(event)),
    options: eventMessageOptions(event),
  };
}

function shortStringProblem(name: string, value: unknown): string | null {
  if (value === undefined) {
    return null;
  }
  if (typeof value !== 'string') {
    return `${name} must be a string`;
  }
  const bytes = Buffer.byteLength(value);
  return bytes > AMQP_SHORT_STRING_MAX_BYTES
    ? `${name} is ${bytes} UTF-8 bytes; an AMQP short string holds at most ${AMQP_SHORT_STRING_MAX_BYTES}`
    : null;
}

/** Field-table values: strings travel as long strings; keys of (nested) tables are short strings. */
function fieldValueProblem(path: string, value: unknown): string | null {
  if (value === undefined || value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
    return null;
  }
  if (typeof value !== 'object') {
    return `${path} is a ${typeof value}, which an AMQP field table cannot hold`;
  }
  if (Buffer.isBuffer(value)) {
    return null;
  }
  if (Array.isArray(value)) {
    return firstProblem(value.map((item, index) => () => fieldValueProblem(`${path}[${index}]`, item)));
  }
  return firstProblem(
    Object.entries(value).map(([key, item]) => () => {
      if (item === undefined) {
        return null;
      }
      return (
        shortStringProblem(`${path} key ${JSON.stringify(key.slice(0, 40))}`, key) ??
        fieldValueProblem(`${path}.${key}`, item)
      );
    }),
  );
}

function firstProblem(checks: (() => string | null)[]): string | null {
  for (const check of checks) {
    const problem = check();
    if (problem !== null) {
      return problem;
    }
  }
  return null;
}

/**
 * Why amqplib would refuse to encode this message, or null. amqplib throws only after it has queued the message's
 * confirm callback, so a message that fails here must never reach a confirm channel: every later confirm would be
 * credited to the message before it.
 */
export function unencodableReason(message: OutgoingMessage): string | null {
  const { options } = message;
  return firstProblem([
    () => shortStringProblem('exchange', message.exchange),
    () => shortStringProblem('routing key', message.routingKey),
    ...SHORT_STRING_PROPERTIES.map((name) => () => {
      const value = options[name];
      // amqplib turns a numeric expiration into its decimal text.
      return shortStringProblem(name, typeof value === 'number' ? String(value) : value);
    }),
    () => (options.headers === undefined ? null : fieldValueProblem('headers', options.headers)),
  ]);
}
