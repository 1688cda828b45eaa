import type { Message, MessageProperties, Options } from 'amqplib';

/** One dead-lettered message as an operator sees it: what it was, why and since when it is dead. */
export interface DeadLetterView {
  /** The AMQP `messageId` (the eventId of an event message); null when the publisher set none. */
  messageId: string | null;
  /** The `eventName` header, else the AMQP `type`, else the routing key it was published with. */
  eventName: string | null;
  /** Why the broker dead-lettered it the first time: `rejected` (the consumer refused it), `delivery_limit`, … */
  reason: string | null;
  /** The queue it was dead-lettered from the first time. */
  queue: string | null;
  /** When it was dead-lettered the first time (the earliest `x-death` time), ISO-8601. */
  firstDeathAt: string | null;
  /** How many times it has been dead-lettered, over every queue and reason (`x-death` counts). */
  deathCount: number;
}

interface DeathEntry {
  reason?: unknown;
  queue?: unknown;
  count?: unknown;
  time?: unknown;
}

function text(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) {
    return value;
  }
  return Buffer.isBuffer(value) && value.length > 0 ? value.toString('utf8') : null;
}

/** amqplib decodes an AMQP timestamp as `{ '!': 'timestamp', value: seconds }`, or a plain number of seconds. */
function seconds(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === 'object' && value !== null && 'value' in value) {
    const inner = value.value;
    return typeof inner === 'number' && Number.isFinite(inner) ? inner : null;
  }
  return null;
}

function deaths(properties: MessageProperties): DeathEntry[] {
  const header: unknown = properties.headers?.['x-death'];
  return Array.isArray(header) ? header.filter((entry): entry is DeathEntry => typeof entry === 'object') : [];
}

/** Reads the properties and `x-death` headers the broker and our publisher put on a dead-lettered message. */
export function deadLetterView(message: Message): DeadLetterView {
  const { properties, fields } = message;
  const entries = deaths(properties);
  const times = entries.map((entry) => seconds(entry.time)).filter((time): time is number => time !== null);
  // RabbitMQ keeps the most recent death first; the first death is the last entry.
  const first = entries.at(-1);
  return {
    messageId: text(properties.messageId),
    eventName: text(properties.headers?.eventName) ?? text(properties.type) ?? text(fields.routingKey),
    reason: text(properties.headers?.['x-first-death-reason']) ?? text(first?.reason),
    queue: text(properties.headers?.['x-first-death-queue']) ?? text(first?.queue),
    firstDeathAt: times.length === 0 ? null : new Date(Math.min(...times) * 1000).toISOString(),
    deathCount: entries.reduce((sum, entry) => sum + (typeof entry.count === 'number' ? entry.count : 1), 0),
  };
}

/** How many times the broker has returned this delivery to its queue (quorum queues count it in a header). */
export function deliveryCount(message: Message): number {
  return Number(message.properties.headers?.['x-delivery-count'] ?? 0);
}

/** The publish options of a copy of a delivered message: same body and properties, a delivery count of zero. */
export function freshCopyOptions(properties: MessageProperties): Options.Publish {
  const headers: Record<string, unknown> = { ...properties.headers };
  delete headers['x-delivery-count'];
  const options: Options.Publish = {
    headers,
    deliveryMode: properties.deliveryMode as number | undefined,
    contentType: properties.contentType as string | undefined,
    contentEncoding: properties.contentEncoding as string | undefined,
    correlationId: properties.correlationId as string | undefined,
    replyTo: properties.replyTo as string | undefined,
    expiration: properties.expiration as string | undefined,
    messageId: properties.messageId as string | undefined,
    timestamp: properties.timestamp as number | undefined,
    type: properties.type as string | undefined,
    appId: properties.appId as string | undefined,
    priority: properties.priority as number | undefined,
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
