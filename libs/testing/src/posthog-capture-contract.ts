/**
 * What PostHog's capture service (the Rust `rust/capture` of github.com/PostHog/posthog) refuses on `POST /batch/`,
 * and with which status. One bad event refuses the whole request: capture parses every event before it stores any.
 *
 * - `router.rs`: the `/batch/` body is limited to 20 MB (`BATCH_BODY_SIZE`); axum answers 413 above it.
 * - `common/types/src/event.rs` + `util.rs`: `uuid` is `Option<Uuid>`; absent or "" is allowed (capture makes a
 *   UUIDv7), anything that `Uuid::parse_str` does not read fails the parse (`RequestParsingError`, 400).
 * - `events/analytics.rs`: an empty `event` (`MissingEventName`) or no usable `distinct_id` (`MissingDistinctId`)
 *   is a 400; so is an event larger than the Kafka message limit (`EventTooBig`, `message.max.bytes` 1 000 000).
 * - `api.rs`: no `api_key` (`NoTokenError`), differing keys (`MultipleTokensError`) or a key of the wrong shape
 *   (`token.rs`: empty, personal `phx_` key, not ASCII, NUL) is a 401; an empty batch (`EmptyBatch`) a 400.
 */
export const POSTHOG_MAX_BODY_BYTES = 20 * 1024 * 1024;
export const POSTHOG_MAX_EVENT_BYTES = 1_000_000;

export interface CaptureRefusal {
  status: 400 | 401 | 413;
  /** The text capture answers with (`CaptureError`'s message). */
  message: string;
}

/** The forms `Uuid::parse_str` reads: simple, hyphenated, braced and URN. */
const UUID_FORMS = [
  /^[0-9a-f]{32}$/i,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/i,
  /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
];

const parseError = (reason: string): CaptureRefusal => ({
  status: 400,
  message: `failed to parse request: ${reason}`,
});

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why capture would refuse a `/batch/` body of this size, or null when the size is fine. */
export function refuseBodySize(bytes: number): CaptureRefusal | null {
  return bytes > POSTHOG_MAX_BODY_BYTES ? { status: 413, message: 'length limit exceeded' } : null;
}

/** Why capture would refuse this parsed `/batch/` body, or null when it takes every event. */
export function refuseBatch(body: unknown): CaptureRefusal | null {
  if (!isObject(body) || !Array.isArray(body.batch)) {
    return parseError('expected an object with a batch array');
  }
  const events: unknown[] = body.batch;
  for (const event of events) {
    const refusal = refuseEventShape(event);
    if (refusal !== null) {
      return refusal;
    }
  }
  const tokenRefusal = refuseToken(body, events as Record<string, unknown>[]);
  if (tokenRefusal !== null) {
    return tokenRefusal;
  }
  if (events.length === 0) {
    return { status: 400, message: 'request holds no event' };
  }
  for (const event of events as Record<string, unknown>[]) {
    if (event.event === '') {
      return { status: 400, message: 'event submitted with an empty event name' };
    }
    if (distinctId(event) === '') {
      return { status: 400, message: 'event submitted without a distinct_id' };
    }
    if (Buffer.byteLength(JSON.stringify(event)) > POSTHOG_MAX_EVENT_BYTES) {
      return { status: 400, message: 'maximum event size exceeded' };
    }
  }
  return null;
}

/** What serde refuses while reading one event into capture's `RawEvent`. */
function refuseEventShape(event: unknown): CaptureRefusal | null {
  if (!isObject(event)) {
    return parseError('an event is not an object');
  }
  if (typeof event.event !== 'string') {
    return parseError('missing field `event`');
  }
  const { uuid } = event;
  if (uuid !== undefined && uuid !== null && uuid !== '') {
    if (typeof uuid !== 'string' || !UUID_FORMS.some((form) => form.test(uuid))) {
      return parseError(`invalid uuid ${JSON.stringify(uuid)}`);
    }
  }
  if (event.properties !== undefined && !isObject(event.properties)) {
    return parseError('properties is not a map');
  }
  if (event.timestamp !== undefined && event.timestamp !== null && typeof event.timestamp !== 'string') {
    return parseError('timestamp is not a string');
  }
  return null;
}

function refuseToken(body: Record<string, unknown>, events: Record<string, unknown>[]): CaptureRefusal | null {
  const tokens = new Set<unknown>();
  if (body.api_key !== undefined && body.api_key !== null) {
    tokens.add(body.api_key);
  } else {
    for (const event of events) {
      const properties = isObject(event.properties) ? event.properties : {};
      const token = event.api_key ?? event.$token ?? event.token ?? properties.token;
      if (token !== undefined && token !== null) {
        tokens.add(token);
      }
    }
  }
  if (tokens.size === 0) {
    return { status: 401, message: 'event submitted without an api_key' };
  }
  if (tokens.size > 1) {
    return { status: 401, message: 'batch submitted with inconsistent api_key values' };
  }
  const [token] = [...tokens];
  const reason =
    typeof token !== 'string' || token === ''
      ? 'empty'
      : token.startsWith('phx_')
        ? 'personal_api_key'
        : token.includes('\u0000')
          ? 'null_byte'
          : /^[\x20-\x7e]*$/.test(token)
            ? null
            : 'not_ascii';
  return reason === null ? null : { status: 401, message: `API key is not valid: ${reason}` };
}

/** capture's `extract_distinct_id`: the top-level value, else `properties.distinct_id`, stringified; '' when none. */
function distinctId(event: Record<string, unknown>): string {
  const properties = isObject(event.properties) ? event.properties : {};
  const value = event.distinct_id ?? event.$distinct_id ?? properties.distinct_id;
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
