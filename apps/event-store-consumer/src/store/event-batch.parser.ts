import { CanonicalEvent, ContractValidationError, parseCanonicalEvent } from '@app/entities';
import { Delivery } from '@app/messaging';

export interface ValidDelivery {
  delivery: Delivery;
  event: CanonicalEvent;
}

/** A message no retry can fix: it goes to the dead-letter queue. */
export interface RejectedDelivery {
  delivery: Delivery;
  messageId: string;
  eventName: string | null;
  reason: string;
}

export interface ParsedBatch {
  /** Valid events with distinct event ids, in delivery order. */
  valid: ValidDelivery[];
  /** Valid events whose id appeared earlier in the same batch: duplicates without a trip to the database. */
  repeated: ValidDelivery[];
  rejected: RejectedDelivery[];
}

function readBody(delivery: Delivery): unknown {
  try {
    return JSON.parse(delivery.message.content.toString('utf8'));
  } catch (error) {
    throw new ContractValidationError(`body is not JSON (${(error as Error).message})`);
  }
}

function stringField(body: unknown, field: string): string | null {
  if (typeof body !== 'object' || body === null) {
    return null;
  }
  const value = (body as Record<string, unknown>)[field];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function rejection(delivery: Delivery, body: unknown, reason: string): RejectedDelivery {
  const messageId: unknown = delivery.message.properties.messageId;
  return {
    delivery,
    messageId:
      typeof messageId === 'string' && messageId.length > 0 ? messageId : (stringField(body, 'eventId') ?? 'unknown'),
    eventName: stringField(body, 'eventName'),
    reason,
  };
}

/** Splits a batch into valid canonical events (first copy of each id), repeats within the batch and poison. */
export function parseEventBatch(batch: Delivery[]): ParsedBatch {
  const parsed: ParsedBatch = { valid: [], repeated: [], rejected: [] };
  const seen = new Set<string>();
  for (const delivery of batch) {
    let body: unknown = null;
    try {
      body = readBody(delivery);
      const event = parseCanonicalEvent(body);
      if (seen.has(event.eventId)) {
        parsed.repeated.push({ delivery, event });
      } else {
        seen.add(event.eventId);
        parsed.valid.push({ delivery, event });
      }
    } catch (error) {
      if (!(error instanceof ContractValidationError)) {
        throw error;
      }
      parsed.rejected.push(rejection(delivery, body, error.reason));
    }
  }
  return parsed;
}
