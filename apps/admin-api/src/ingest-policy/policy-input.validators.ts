import { ValidateBy, ValidationOptions } from 'class-validator';
import { parseIsoDuration } from '@app/config';
import { EVENT_FIELD_MAX_CHARS } from '@app/entities';
import { AMQP_SHORT_STRING_MAX_BYTES } from '@app/messaging';
import { parseInstant } from '../http/iso-instant';

export const MIN_WINDOW_MS = 1_000;
export const MAX_WINDOW_MS = 7 * 24 * 3_600_000;
/** ingest-api's eventName rules (DESIGN §2, §3): the allowlist holds names a client event can carry. */
export const EVENT_NAME_MAX_LENGTH = EVENT_FIELD_MAX_CHARS.eventName;
export const EVENT_NAME_MAX_BYTES = AMQP_SHORT_STRING_MAX_BYTES;

/** A rate-limit window: an ISO-8601 duration (`PT1M`) from 1 second to 7 days. */
export function IsWindow(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWindow',
      validator: {
        validate: (value: unknown) => {
          const ms = typeof value === 'string' ? parseIsoDuration(value) : null;
          return ms !== null && ms >= MIN_WINDOW_MS && ms <= MAX_WINDOW_MS;
        },
        defaultMessage: () => '$property must be an ISO-8601 duration from PT1S to P7D, such as PT1M',
      },
    },
    options,
  );
}

/** An event name ingest-api could accept: not blank, no surrounding whitespace, ≤ 100 characters, ≤ 255 UTF-8 bytes. */
export function IsEventName(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEventName',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          value.trim() !== '' &&
          value.trim() === value &&
          [...value].length <= EVENT_NAME_MAX_LENGTH &&
          Buffer.byteLength(value) <= EVENT_NAME_MAX_BYTES,
        defaultMessage: () =>
          `each name in $property must be a non-blank event name without surrounding whitespace, at most ` +
          `${EVENT_NAME_MAX_LENGTH} characters and ${EVENT_NAME_MAX_BYTES} bytes in UTF-8 (the eventName rules)`,
      },
    },
    options,
  );
}

/** `since`: an ISO-8601 duration to look back (`PT15M`) or an ISO-8601 instant. */
export function IsSince(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSince',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseSince(value, Date.now()) !== null,
        defaultMessage: () => '$property must be an ISO-8601 duration (PT15M) or instant (2026-01-01T00:00:00Z)',
      },
    },
    options,
  );
}

/** The instant `since` names, or null when it is neither a duration nor an instant. */
export function parseSince(value: string, nowMs: number): Date | null {
  const lookBackMs = parseIsoDuration(value);
  if (lookBackMs !== null) {
    return new Date(nowMs - lookBackMs);
  }
  return parseInstant(value);
}

/** Milliseconds as the shortest ISO-8601 duration of one unit: 60000 → PT1M, 86400000 → P1D, 1500 → PT1.5S. */
export function formatWindow(ms: number): string {
  if (ms % 86_400_000 === 0) {
    return `P${ms / 86_400_000}D`;
  }
  if (ms % 3_600_000 === 0) {
    return `PT${ms / 3_600_000}H`;
  }
  if (ms % 60_000 === 0) {
    return `PT${ms / 60_000}M`;
  }
  return `PT${ms / 1000}S`;
}
