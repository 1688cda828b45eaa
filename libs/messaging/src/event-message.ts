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

/** amqplib encodes the header table into a scratch buffer of this size and silently cuts off what does not fit. */
export const AMQP_HEADER_TABLE_MAX_BYTES = 65_536;

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
    // A table skips an undefined value; an array cannot encode one.
    return firstProblem(
      value.map(
        (item, index) => () =>
          item === undefined ? `${path}[${index}] is undefined` : fieldValueProblem(`${path}[${index}]`, item),
      ),
    );
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

/** amqplib's codec: a double unless a small-enough integer, then the narrowest signed integer (tag included). */
function numberSize(value: number): number {
  if (value >= 2 ** 63 || (Math.abs(value) < 2 ** 50 && Math.floor(value) !== value)) {
    return 9;
  }
  const widths: [number, number][] = [
    [2 ** 7, 2],
    [2 ** 15, 3],
    [2 ** 31, 5],
  ];
  return widths.find(([limit]) => value >= -limit && value < limit)?.[1] ?? 9;
}

/** The bytes amqplib's codec writes for a field value (tag included) that passed `fieldValueProblem`. */
function fieldValueSize(value: unknown): number {
  if (typeof value === 'string') {
    return 5 + Buffer.byteLength(value);
  }
  if (typeof value === 'number') {
    return numberSize(value);
  }
  if (typeof value === 'boolean') {
    return 2;
  }
  if (value === null || typeof value !== 'object') {
    return 1;
  }
  if (Buffer.isBuffer(value)) {
    return 5 + value.length;
  }
  if (Array.isArray(value)) {
    return 5 + value.reduce((sum: number, item) => sum + fieldValueSize(item), 0);
  }
  return 1 + tableSize(value as Record<string, unknown>);
}

function tableSize(table: Record<string, unknown>): number {
  return Object.entries(table)
    .filter(([, item]) => item !== undefined)
    .reduce((sum, [key, item]) => sum + 1 + Buffer.byteLength(key) + fieldValueSize(item), 4);
}

function headersProblem(headers: unknown): string | null {
  const problem = fieldValueProblem('headers', headers);
  if (problem !== null || typeof headers !== 'object' || headers === null) {
    return problem;
  }
  const bytes = tableSize(headers as Record<string, unknown>);
  return bytes > AMQP_HEADER_TABLE_MAX_BYTES
    ? `headers encode to ${bytes} bytes; amqplib holds at most ${AMQP_HEADER_TABLE_MAX_BYTES}`
    : null;
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
    () => (options.headers === undefined ? null : headersProblem(options.headers)),
  ]);
}
