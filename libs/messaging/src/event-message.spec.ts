import { isDeepStrictEqual } from 'node:util';
import type { Options } from 'amqplib';
import { canonicalEvent } from '@app/testing';
import { eventMessage, OutgoingMessage, unencodableReason } from './event-message';

/* eslint-disable @typescript-eslint/no-require-imports -- amqplib's own codec, which its public API does not export */
const defs = require('amqplib/lib/defs') as {
  BasicPublish: number;
  BasicProperties: number;
  encodeMethod(id: number, channel: number, fields: unknown): Buffer;
  encodeProperties(id: number, channel: number, size: number, fields: unknown): Buffer;
  decode(id: number, payload: Buffer): { headers?: unknown };
};
const args = require('amqplib/lib/api_args') as {
  publish(exchange: string, routingKey: string, options: Options.Publish): Record<string, unknown>;
};
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Encodes the method and header frames exactly as amqplib's sendMessage does, then reads the headers back: false when
 * amqplib throws, or when it silently cuts off a header table larger than its scratch buffer.
 */
function amqplibCarries(message: OutgoingMessage): boolean {
  const fields = args.publish(message.exchange, message.routingKey, message.options);
  try {
    defs.encodeMethod(defs.BasicPublish, 1, fields);
    const frame = defs.encodeProperties(defs.BasicProperties, 1, message.content.length, fields);
    // frame: type (1), channel (2), size (4), then class id (2), weight (2), body size (8), flags and properties.
    const decoded = defs.decode(defs.BasicProperties, frame.subarray(7 + 12, 7 + frame.readUInt32BE(3)));
    const sent = Object.entries(message.options.headers ?? {}).filter(([, value]) => value !== undefined);
    return isDeepStrictEqual({ ...(decoded.headers as object) }, Object.fromEntries(sent));
  } catch {
    return false;
  }
}

const base = eventMessage(canonicalEvent());
const bytes = (count: number, char = 'x') => char.repeat(count / Buffer.byteLength(char));
const withOptions = (options: Options.Publish): OutgoingMessage => ({
  ...base,
  options: { ...base.options, ...options },
});

const cases: [string, OutgoingMessage][] = [
  ['the event message of a 64-emoji eventId', eventMessage(canonicalEvent({ eventId: '😀'.repeat(64) }))],
  ['the event message of 63 emoji and one letter', eventMessage(canonicalEvent({ eventId: `${'😀'.repeat(63)}a` }))],
  ['the event message of a 90-Hangul eventName', eventMessage(canonicalEvent({ eventName: '가'.repeat(90) }))],
  ['the event message of an 85-Hangul eventName', eventMessage(canonicalEvent({ eventName: '가'.repeat(85) }))],
  ['a 255-byte routing key', { ...base, routingKey: bytes(255) }],
  ['a 256-byte routing key', { ...base, routingKey: bytes(256) }],
  ['a 256-byte exchange', { ...base, exchange: bytes(256) }],
  ...(
    [
      'contentType',
      'contentEncoding',
      'correlationId',
      'replyTo',
      'expiration',
      'messageId',
      'type',
      'userId',
      'appId',
    ] as const
  ).flatMap((name): [string, OutgoingMessage][] => [
    [`a 255-byte ${name}`, withOptions({ [name]: bytes(255) })],
    [`a 256-byte ${name}`, withOptions({ [name]: bytes(256, 'ß') })],
  ]),
  ['a numeric expiration', withOptions({ expiration: 60_000 })],
  ['a 255-byte header key', withOptions({ headers: { [bytes(255)]: 'v' } })],
  ['a 256-byte header key', withOptions({ headers: { [bytes(256)]: 'v' } })],
  ['a 256-byte key in a nested header table', withOptions({ headers: { outer: [{ [bytes(256)]: 1 }] } })],
  ['a 10 000-byte header value (a long string)', withOptions({ headers: { eventName: bytes(10_000) } })],
  ['headers of 65 536 bytes', withOptions({ headers: { [bytes(249)]: bytes(65_536 - 4 - 1 - 249 - 5) } })],
  ['headers of 65 537 bytes', withOptions({ headers: { [bytes(249)]: bytes(65_537 - 4 - 1 - 249 - 5) } })],
  [
    'numbers and tables in headers',
    withOptions({ headers: { n: [1, 300, 70_000, 2 ** 40, 0.5, true, null, { k: 'v' }] } }),
  ],
  ['an undefined header value (skipped)', withOptions({ headers: { gone: undefined, kept: 'v' } })],
  ['an undefined item in a header array', withOptions({ headers: { list: [1, undefined] } })],
  ['a bigint header value', withOptions({ headers: { n: BigInt(1) } })],
  ['a function header value', withOptions({ headers: { f: () => 1 } })],
];

describe('unencodableReason agrees with amqplib’s encoder', () => {
  it.each(cases)('%s', (_case, message) => {
    expect(unencodableReason(message) === null).toBe(amqplibCarries(message));
  });

  it('names the field and its size', () => {
    const message = eventMessage(canonicalEvent({ eventId: '😀'.repeat(64), eventName: '가'.repeat(90) }));
    expect(unencodableReason(message)).toBe('routing key is 270 UTF-8 bytes; an AMQP short string holds at most 255');
    expect(unencodableReason({ ...message, routingKey: 'r' })).toBe(
      'messageId is 256 UTF-8 bytes; an AMQP short string holds at most 255',
    );
  });

  it('refuses exactly the cases past a limit, so the agreement above is not vacuous', () => {
    expect(cases.filter(([, message]) => unencodableReason(message) !== null).map(([name]) => name)).toHaveLength(19);
  });
});
